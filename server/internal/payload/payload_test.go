package payload

import (
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/core/repo"
)

func TestParseManifest(t *testing.T) {
	m, err := ParseManifest([]byte(`{"a/b.txt":"0ABC","c":"87566df36efbbc291d54acd06a482a5"}`), 10)
	if err != nil {
		t.Fatal(err)
	}
	if m["a/b.txt"] != "abc" || m["c"] != "87566df36efbbc291d54acd06a482a5" || len(m) != 2 {
		t.Fatalf("got %v", m)
	}
	for _, tc := range []struct{ in, errPart string }{
		{`[]`, "got an array"},
		{`{"a":1}`, "must be a string, got a number"},
		{`{"a":"xyz"}`, "not a hex digit"},
		{`{"a":"1","a":"2"}`, `duplicate object key "a"`},
		{`{"a":"1","b":"2","c":"3"}`, "more than 2 files"},
		{strings.Repeat(`[`, 100000), "nested more than"},
		{"{\"a\xff\":\"1\"}", "invalid UTF-8"},
		{`{"../a":"1"}`, ".. segment"},
		{`{"a":"1"`, "ends inside an object"},
		{`{"a":"` + strings.Repeat("1", 33) + `"}`, "1 to 32 hex digits"},
	} {
		if _, err := ParseManifest([]byte(tc.in), 2); err == nil || !strings.Contains(err.Error(), tc.errPart) {
			t.Errorf("ParseManifest(%s) error = %v, want %q", tc.in, err, tc.errPart)
		}
	}
}

func FuzzParseManifest(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"1"}`, `{"a":"1","a":"2"}`, `[1]`, `{"a":{"b":1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b, 100)
		if err != nil {
			return
		}
		for p, h := range m {
			if _, err := repo.CleanPath(p); err != nil {
				t.Fatalf("accepted path %q: %v", p, err)
			}
			if h == "" || len(h) > 32 {
				t.Fatalf("accepted hash %q", h)
			}
		}
	})
}
