package classify

import (
	"slices"
	"testing"

	"github.com/oxdrop/oxdrop/core/model"
)

// FuzzMime checks that classification never panics on hostile heads and
// names, only looks at the first 8192 bytes, and is self-consistent.
func FuzzMime(f *testing.F) {
	f.Add([]byte("GIF89a"), "a.gif")
	f.Add([]byte("PK\x03\x04"), "a.docx")
	f.Add([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "a.doc")
	f.Add([]byte("[1,2]"), "a.json")
	f.Add([]byte("a,b\n1,2\n"), "X.CSV")
	f.Add([]byte("\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00heic"), "a.heic")
	f.Add([]byte("\x50\x2a\x4d\x18\xff\xff\xff\xff"), ".md")
	f.Fuzz(func(t *testing.T, head []byte, name string) {
		mime, dt := Classify(head, name)
		if mime == "" {
			t.Fatal("empty mime")
		}
		if !slices.Contains(model.DataTypes, dt) || dt == model.Dir {
			t.Fatalf("data type %q", dt)
		}
		if len(head) > HeadLen {
			if m2 := Mime(head[:HeadLen], name); m2 != mime {
				t.Fatalf("bytes beyond %d changed the mime: %q vs %q", HeadLen, mime, m2)
			}
		}
		if mime == "text/plain" && !IsUTF8(head) {
			t.Fatal("text/plain for a head that is not UTF-8")
		}
		if mime == "application/octet-stream" && IsUTF8(head) && !matchesEOT(head) {
			t.Fatal("octet-stream for a UTF-8 head that no matcher took")
		}
	})
}

// matchesEOT: eot is the one matcher whose mime is application/octet-stream.
func matchesEOT(head []byte) bool {
	for _, m := range matchers {
		if m.mime == "application/octet-stream" && m.match(head) {
			return true
		}
	}
	return false
}
