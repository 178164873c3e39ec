package repo

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oxdrop/oxdrop/core/model"
)

// The name and path rules are in the shared tables (table_test.go,
// testdata/*.json); JSON cannot hold invalid UTF-8, so that case is here.
func TestCleanPathInvalidUTF8(t *testing.T) {
	for _, p := range []string{"a\xffb", "\xc3", "a/\xed\xa0\x80.txt"} { // a stray byte, a cut rune, a surrogate
		if _, err := CleanPath(p); err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
			t.Errorf("CleanPath(%q) error = %v, want not valid UTF-8", p, err)
		}
		var s PathSet
		if err := s.Add(p); err == nil || s.Len() != 0 {
			t.Errorf("PathSet.Add(%q) = %v, Len %d", p, err, s.Len())
		}
	}
}

func TestNewCommitAndEntry(t *testing.T) {
	ts := time.Date(2025, 1, 1, 11, 0, 0, 123456789, time.FixedZone("X", 3600))
	c := NewCommit("bessie", "bessie@oxen.ai", ts)
	// Test vector of oxen-behaviour.md §3 (1735725600 = 2025-01-01T10:00:00Z).
	if c.ID != "768d3114bb1fde3c6eddea3f8a1a46f6" {
		t.Errorf("id %s", c.ID)
	}
	if c.Timestamp != "2025-01-01T10:00:00.123456789Z" {
		t.Errorf("timestamp %s", c.Timestamp)
	}
	info := model.FileInfo{Hash: "abc", Size: 3, DataType: model.Tabular, MimeType: "text/csv", Extension: "csv"}
	b, err := json.Marshal(Entry("d/x.csv", info, c))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"filename":"x.csv"`, `"is_queryable":false`, `"branch":null`, `"workspace":null`,
		`"path":"d/x.csv"`, `"version":"` + c.ID + `"`, `"resource":"` + c.ID + `/d/x.csv"`, `"parent_ids":[]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("entry %s lacks %s", b, want)
		}
	}
	info.DataType = model.Text
	if e := Entry("x", info, c); e.IsQueryable != nil {
		t.Errorf("is_queryable for text = %v, want null", *e.IsQueryable)
	}
}

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"a", "a/b", "../a", "a\\b", "/a", "a//b", "\xff", ".oxen/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := CleanPath(p)
		if err != nil {
			return
		}
		if got != p || !utf8.ValidString(p) || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
			t.Fatalf("accepted %q", p)
		}
		for seg := range strings.SplitSeq(p, "/") {
			if seg == "" || seg == "." || seg == ".." || len(seg) > MaxNameBytes {
				t.Fatalf("accepted %q with segment %q", p, seg)
			}
		}
		for _, r := range p {
			if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) || unicode.IsControl(r) {
				t.Fatalf("accepted %+q with %U", p, r)
			}
		}
	})
}

func TestValidateAuthor(t *testing.T) {
	long := strings.Repeat("é", 128) // 256 bytes
	for _, tc := range []struct {
		name, email, errPart string
	}{
		{"bessie", "bessie@oxen.ai", ""},
		{"", "", ""},
		{"Ünïcødé 名前", "a@b", ""},
		{long, "a@b", "name is 256 bytes long, over the limit of 255 bytes"},
		{"a", long, "email is 256 bytes long"},
		{"a\nb", "a@b", "control character U+000A"},
		{"a", "a\x00b", "control character U+0000"},
		{"a\u0085", "a@b", "control character U+0085"},
		{"a\xff", "a@b", "not valid UTF-8"},
	} {
		err := ValidateAuthor(tc.name, tc.email)
		if tc.errPart == "" && err != nil || tc.errPart != "" && (err == nil || !strings.Contains(err.Error(), tc.errPart)) {
			t.Errorf("ValidateAuthor(%.20q, %.20q) = %v, want %q", tc.name, tc.email, err, tc.errPart)
		}
	}
}
