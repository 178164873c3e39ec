package uploads

import (
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/oxdrop/oxdrop/core/oxhash"
	"github.com/oxdrop/oxdrop/server/repobuild"
	"github.com/oxdrop/oxdrop/server/store"
	"github.com/oxdrop/oxdrop/server/store/billystore"
)

// The protocol end to end, over HTTP and on both targets, is tested in
// server/api (uploads_test.go) and server/worker/test; these are the rules.

func TestCheckHash(t *testing.T) {
	real := oxhash.SumHex([]byte("hello"))
	for _, c := range []struct {
		h  string
		ok bool
	}{
		{real, true},
		{"abc", true},
		{"0abc", false},
		{"ABC", false},
		{"ab", false},
		{"", false},
		{"g12", false},
		{real + "0", false}, // 33 digits
		{"../x", false},
	} {
		if err := CheckHash(c.h); (err == nil) != c.ok {
			t.Errorf("CheckHash(%q) = %v, want ok %v", c.h, err, c.ok)
		}
	}
}

func TestValidID(t *testing.T) {
	for id, ok := range map[string]bool{
		"0123456789abcdef0123456789abcdef":  true,
		"0123456789ABCDEF0123456789abcdef":  false,
		"0123456789abcdef0123456789abcde":   false,
		"0123456789abcdef0123456789abcdef0": false,
		"../../../../../../../../../../x/y": false,
	} {
		if ValidID(id) != ok {
			t.Errorf("ValidID(%q) != %v", id, ok)
		}
	}
}

func TestDigestIgnoresOrder(t *testing.T) {
	a := Plan{"ox", "cats", []File{{"a", "abc", 1}, {"b", "def", 2}}}
	b := Plan{"ox", "cats", []File{{"b", "def", 2}, {"a", "abc", 1}}}
	if digest(a) != digest(b) {
		t.Error("the same files in another order: another digest")
	}
	for _, other := range []Plan{
		{"ox", "dogs", a.Files},
		{"ox", "cats", []File{{"a", "abc", 1}}},
		{"ox", "cats", []File{{"a", "abc", 1}, {"b", "def", 3}}},
		{"ox", "cats", []File{{"a", "abc", 1}, {"c", "def", 2}}},
	} {
		if digest(other) == digest(a) {
			t.Errorf("%+v has the digest of %+v", other, a)
		}
	}
}

func TestLiveHashes(t *testing.T) {
	l := newLiveHashes(2)
	if a := l.take("u", "h", 0); a == nil {
		t.Fatal("offset 0: no fresh hash")
	}
	if a := l.take("u", "h", 10); a != nil {
		t.Fatal("offset 10 never seen: a hash anyway")
	}
	a := l.take("u", "h", 0)
	a.Write([]byte("0123456789"))
	l.put("u", "h", 10, a)
	if got := l.take("u", "h", 5); got != nil {
		t.Error("a hash handed out for the wrong offset")
	}
	l.put("u", "h", 10, a)
	if got := l.take("u", "h", 10); got != a {
		t.Error("the hash at its offset was not handed back")
	}
	// Bounded: the least recently used goes.
	l.put("u", "1", 1, a)
	l.put("u", "2", 1, a)
	l.put("u", "3", 1, a)
	if len(l.m) != 2 || l.m["u/1"] != nil {
		t.Errorf("entries %v: want 2, the oldest evicted", l.m)
	}
}

// ruledStore is a store whose chunked writes want pieces of at least
// min bytes (R2's rule, scaled down).
type ruledStore struct {
	*billystore.Store
	min int64
}

func (s ruledStore) ChunkRules() store.ChunkRules {
	return store.ChunkRules{MinSize: s.min, Uniform: true}
}

// TestPiecesUnderTheStoresMinimum: when the pieces a request may carry are
// smaller than the store's smallest piece, only one-piece files can ever
// complete, so the plan refuses the others at once, saying why.
func TestPiecesUnderTheStoresMinimum(t *testing.T) {
	st := ruledStore{billystore.New(memfs.New()), 1000}
	m := New(Config{Store: st, Builds: repobuild.New(repobuild.Config{Store: st}), MaxChunkBytes: 500})
	h := oxhash.SumHex([]byte("x"))
	if err := m.Check(Plan{"ox", "cats", []File{{"small", h, 500}}}); err != nil {
		t.Errorf("a one-piece file: %v", err)
	}
	err := m.Check(Plan{"ox", "cats", []File{{"big", h, 501}}})
	if be, ok := err.(*repobuild.Error); !ok || be.Kind != repobuild.TooLarge || !strings.Contains(be.Msg, "smallest piece") {
		t.Errorf("a file of two pieces under the minimum: %v", err)
	}
}
