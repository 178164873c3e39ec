package repobuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/oxdrop/oxdrop/core/describe"
	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/oxhash"
	"github.com/oxdrop/oxdrop/server/store"
)

// TestPublishReadBack: a creation fed through each way of adding a file
// (streamed without and with a manifest, given whole, from a stored blob)
// publishes a repository that reads back without HTTP: the same entries
// from the creation's Repo and from Open, every file's bytes and hash,
// duplicates stored once, nothing left under uploads/ or staging/.
func TestPublishReadBack(t *testing.T) {
	for _, tc := range []struct {
		name     string
		manifest bool
		chunk    int
	}{{"streamed", false, 0}, {"manifest", true, 0}, {"small chunks", false, 200}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.EntryChunkBytes = tc.chunk })
			files := []struct {
				path string
				data []byte
			}{
				{"a/one.txt", []byte("one\ntwo\n")},
				{"b/same.txt", []byte("one\ntwo\n")}, // same content: one blob
				{"c.csv", []byte("a,b\n1,2\n")},
				{"d/e/f.bin", bytes.Repeat([]byte{0, 1, 2}, 100_000)},
			}
			c := e.named("ox", "cats")
			c.SetAuthor("Bessie", "bessie@oxen.ai")
			if tc.manifest {
				m := map[string]string{}
				for _, f := range files[:3] {
					m[f.path] = oxhash.SumHex(f.data)
				}
				if err := c.SetManifest(m); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range files[:3] {
				if err := c.AddFile(f.path, bytes.NewReader(f.data)); err != nil {
					t.Fatalf("%s: %v", f.path, err)
				}
			}
			// The last one from a blob already in the store (a blob
			// uploaded in pieces before the commit), described from its
			// summary.
			last := files[3]
			e.put("blobs/x", string(last.data))
			a := describe.NewAnalyzer()
			a.Write(last.data)
			sum, _ := a.Summary()
			if err := c.AddBlob(last.path, "blobs/x", sum); err != nil {
				t.Fatal(err)
			}
			if err := c.AddBytes("given.txt", []byte("whole\n")); err != nil {
				t.Fatal(err)
			}
			files = append(files, struct {
				path string
				data []byte
			}{"given.txt", []byte("whole\n")})
			if !c.Has("a/one.txt") || c.Has("nope") {
				t.Error("Has")
			}
			published, err := c.Publish()
			if err != nil {
				t.Fatal(err)
			}
			r, err := e.b.Open(context.Background(), "ox", "cats")
			if err != nil {
				t.Fatal(err)
			}
			if r.LatestCommit == nil || r.LatestCommit.ID != published.LatestCommit.ID || r.LatestCommit.Author != "Bessie" {
				t.Fatalf("commit %+v, published %+v", r.LatestCommit, published.LatestCommit)
			}
			if a, b := entriesJSON(t, published), entriesJSON(t, r); !bytes.Equal(a, b) {
				t.Fatalf("entries differ:\n%s\n%s", a, b)
			}
			got := entries(t, r)
			if len(got) != len(files) {
				t.Fatalf("%d entries, want %d", len(got), len(files))
			}
			for i, f := range files {
				me := got[i]
				if me.Resource.Path != f.path || me.Hash != oxhash.SumHex(f.data) || me.Size != uint64(len(f.data)) || me.LatestCommit.ID != r.LatestCommit.ID {
					t.Errorf("entry %d: %+v", i, me)
				}
				info, b := readFile(t, r, f.path)
				if !bytes.Equal(b, f.data) || info.Hash != me.Hash {
					t.Errorf("%s: read back %d bytes, hash %s", f.path, len(b), info.Hash)
				}
			}
			if got[2].DataType != model.Tabular {
				t.Errorf("c.csv is %s", got[2].DataType)
			}
			if _, _, err := r.OpenFile(context.Background(), "a"); !isKind(err, NotFound) || err.Error() != `No file "a" in ox/cats on main` {
				t.Errorf("a folder opened as a file: %v", err)
			}
			// 3 blobs: the 4th file's bytes stay at the blob AddBlob was given.
			if blobs := e.keys("data/"); countContaining(blobs, "/versions/") != 3 || countContaining(blobs, "/uploads/") != 0 {
				t.Errorf("keys %v: want 3 blobs, no uploads", blobs)
			}
			if k := e.keys("staging/"); len(k) != 0 {
				t.Errorf("staging left: %v", k)
			}
		})
	}
}

// TestEmptyRepo: a creation without files publishes a repository without
// a commit, whose entries are null.
func TestEmptyRepo(t *testing.T) {
	e := newEnv(t)
	c := e.named("ox", "empty")
	r, err := c.Publish()
	if err != nil {
		t.Fatal(err)
	}
	if r.LatestCommit != nil || string(entriesJSON(t, r)) != "null" {
		t.Fatalf("commit %+v, entries %s", r.LatestCommit, entriesJSON(t, r))
	}
}

// errReader fails after giving some bytes, as a cut connection does.
type errReader struct {
	n   int
	err error
}

func (r *errReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	n := min(len(p), r.n)
	clear(p[:n])
	r.n -= n
	return n, nil
}

// TestFailureAborts: each way a creation fails is an error of the right
// kind and message, and after Abort nothing of it is left in the store;
// the name is then free.
func TestFailureAborts(t *testing.T) {
	cut := errors.New("connection cut")
	now := time.Now()
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
		fill func(c *Creation) error
		kind Kind   // 0: a *FileError wrapping cut
		msg  string // exact
	}{
		{"bad path", nil, func(c *Creation) error { return c.AddFile("a/../b", strings.NewReader("x")) },
			Invalid, `file path "a/../b" contains a .. segment, which would leave the repository`},
		{"duplicate path", nil, func(c *Creation) error {
			c.AddFile("a", strings.NewReader("x"))
			return c.AddBytes("a", []byte("y"))
		}, Invalid, `Duplicate file path "a": each path may appear once`},
		{"too many files", func(c *Config) { c.MaxFiles = 1 }, func(c *Creation) error {
			c.AddFile("a", strings.NewReader("x"))
			return c.AddFile("b", strings.NewReader("y"))
		}, TooLarge, "Too many files: the limit is 1 per repository"},
		{"file too large", func(c *Config) { c.MaxFileBytes = 10 }, func(c *Creation) error {
			return c.AddFile("big", strings.NewReader(strings.Repeat("x", 11)))
		}, TooLarge, `File "big" is over the limit of 10 bytes`},
		{"bytes too large", func(c *Config) { c.MaxFileBytes = 10 }, func(c *Creation) error {
			return c.AddBytes("big", make([]byte, 11))
		}, TooLarge, `File "big" is 11 bytes, over the limit of 10 bytes`},
		{"unlisted", nil, func(c *Creation) error {
			c.SetManifest(map[string]string{"a": oxhash.SumHex([]byte("x"))})
			return c.AddFile("b", strings.NewReader("x"))
		}, Invalid, `File "b" is not listed in the manifest`},
		{"hash mismatch", nil, func(c *Creation) error {
			c.SetManifest(map[string]string{"a": "123"})
			return c.AddFile("a", strings.NewReader("x"))
		}, Invalid, `File "a" has hash ` + oxhash.SumHex([]byte("x")) + ` but the manifest says 123`},
		{"manifest file missing", nil, func(c *Creation) error {
			c.SetManifest(map[string]string{"a": "123"})
			_, err := c.Publish()
			return err
		}, Invalid, `The manifest lists "a" but no file part has that path`},
		{"second manifest", nil, func(c *Creation) error {
			c.SetManifest(map[string]string{})
			return c.SetManifest(map[string]string{})
		}, Invalid, "More than one manifest part"},
		{"blob missing", nil, func(c *Creation) error { return c.AddBlob("a", "blobs/none", describe.Summary{Hash: "123", Size: 1}) },
			Invalid, `File "a" is blob 123, which the server does not hold`},
		{"no author", nil, func(c *Creation) error {
			c.AddFile("a", strings.NewReader("x"))
			c.SetAuthorEmail("e")
			_, err := c.Publish()
			return err
		}, Invalid, "Name is required: send a name part (the commit author) with the files"},
		{"bad author", nil, func(c *Creation) error {
			c.AddFile("a", strings.NewReader("x"))
			c.SetAuthor("a\nb", "e")
			_, err := c.Publish()
			return err
		}, Invalid, `the author's name "a\nb" contains the control character U+000A`},
		{"too wide", nil, func(c *Creation) error {
			return c.AddFile("w.csv", strings.NewReader(strings.Repeat("c,", 100_001)+"c\n"))
		}, TooLarge, `file "w.csv" has 100002 columns, over the limit of 100000 columns`},
		{"too slow", func(c *Config) {
			calls := 0
			c.Now = func() time.Time { calls++; return now.Add(time.Duration(calls) * time.Hour) }
			c.StagingTTL = 90 * time.Minute
		}, func(c *Creation) error {
			c.AddFile("a", strings.NewReader("x"))
			c.SetAuthor("a", "e")
			_, err := c.Publish()
			return err
		}, Timeout, "The upload took 2h0m0s, longer than the 1h30m0s a creation may take"},
		{"body cut", nil, func(c *Creation) error {
			c.AddFile("a", strings.NewReader("x"))
			return c.AddFile("d/b", &errReader{n: 5000, err: cut})
		}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*Config)
			if tc.cfg != nil {
				opts = append(opts, tc.cfg)
			}
			e := newEnv(t, opts...)
			c := e.named("ox", "fail")
			err := tc.fill(c)
			var fe *FileError
			switch {
			case tc.kind == 0:
				if !errors.As(err, &fe) || fe.Path != "d/b" || !errors.Is(err, cut) {
					t.Fatalf("error %v, want a FileError of d/b wrapping the reader's", err)
				}
			case !isKind(err, tc.kind) || err.Error() != tc.msg:
				t.Fatalf("error %#v (%v), want kind %d: %s", err, err, tc.kind, tc.msg)
			}
			c.Abort()
			if k := e.keys(""); len(k) != 0 {
				t.Fatalf("left after Abort: %v", k)
			}
			if _, err := e.named("ox", "fail").Publish(); err != nil {
				t.Fatalf("name not free: %v", err)
			}
		})
	}
}

// TestConflict: a name published is taken: CheckAbsent says so early, a
// creation of that name fails to publish with ErrExists (a Conflict), and
// its abort leaves the first repository as it was.
func TestConflict(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.b.CheckAbsent(ctx, "ox", "taken"); err != nil {
		t.Fatal(err)
	}
	first := e.named("ox", "taken")
	first.SetAuthor("a", "e")
	first.AddFile("a.txt", strings.NewReader("first\n"))
	// A second creation of the name, started before the first publishes.
	second := e.named("ox", "taken")
	second.SetAuthor("b", "f")
	second.AddFile("a.txt", strings.NewReader("second\n"))
	if _, err := first.Publish(); err != nil {
		t.Fatal(err)
	}
	var before []string // all but the second's
	for _, k := range e.keys("") {
		if !strings.HasPrefix(k, second.data+"/") && k != markerKey(second.id) {
			before = append(before, k)
		}
	}
	if err := e.b.CheckAbsent(ctx, "ox", "taken"); err != ErrExists {
		t.Fatalf("CheckAbsent: %v", err)
	}
	_, err := second.Publish()
	if !errors.Is(err, ErrExists) || !isKind(err, Conflict) || err.Error() != "Repo already exists." {
		t.Fatalf("second publish: %v", err)
	}
	second.Abort()
	if after := e.keys(""); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Fatalf("keys after the loser's abort:\n%v\nwant\n%v", after, before)
	}
	r, err := e.b.Open(ctx, "ox", "taken")
	if err != nil {
		t.Fatal(err)
	}
	if _, b := readFile(t, r, "a.txt"); string(b) != "first\n" {
		t.Fatalf("a.txt is %q", b)
	}
	if again := e.begin(); again.SetRepo("ox", "taken") != nil {
		t.Fatal("SetRepo refused a taken name: only Publish decides")
	} else if again.SetRepo("ox", "other") == nil {
		t.Fatal("a second SetRepo was accepted")
	}
}

// TestOpenNotFound: names that are not valid or not published are
// NotFound, with the message the API answers.
func TestOpenNotFound(t *testing.T) {
	e := newEnv(t)
	for _, n := range [][2]string{{"ox", "none"}, {"..", "x"}, {"ox", "a/b"}} {
		_, err := e.b.Open(context.Background(), n[0], n[1])
		if want := fmt.Sprintf("Repository %s/%s not found", n[0], n[1]); !isKind(err, NotFound) || err.Error() != want {
			t.Errorf("%v: %v", n, err)
		}
	}
}

// TestStoreErrorsArePlain: a store failure is never an *Error (the
// client's fault): it comes back as it is or, while a file's bytes are
// stored, inside a *FileError; either way Abort leaves nothing.
func TestStoreErrorsArePlain(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, step := range []string{"/tree/", "/entries/", "repo.json", "/uploads/"} {
		e := newEnv(t, func(c *Config) { c.Store = failing{c.Store, step, boom} })
		c := e.named("ox", "repo")
		c.SetAuthor("a", "e")
		err := c.AddFile("x/a.txt", strings.NewReader("x"))
		if err == nil {
			_, err = c.Publish()
		}
		var be *Error
		if !errors.Is(err, boom) || errors.As(err, &be) {
			t.Errorf("%s: %v", step, err)
		}
		c.Abort()
		if k := e.keys(""); len(k) != 0 {
			t.Errorf("%s: left %v", step, k)
		}
	}
}

// failing fails Puts of keys containing fail.
type failing struct {
	store.Store
	fail string
	err  error
}

func (f failing) Put(ctx context.Context, key string, r io.Reader, size int64, opts store.PutOptions) (store.Info, error) {
	if strings.Contains(key, f.fail) {
		return store.Info{}, f.err
	}
	return f.Store.Put(ctx, key, r, size, opts)
}

func isKind(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

func countContaining(keys []string, sub string) int {
	n := 0
	for _, k := range keys {
		if strings.Contains(k, sub) {
			n++
		}
	}
	return n
}
