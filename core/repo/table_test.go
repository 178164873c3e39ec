package repo

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// The rule tables in testdata/ are shared with the browser tests
// (web/test/paths.test.js), which run the same rows through the engine in
// Chromium: the page and the server must agree on every row.

// text is a table string: a JSON string, or a list of [string, count]
// parts repeated and joined (for long names without long lines).
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = text(s)
		return nil
	}
	var parts [][2]json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("a text is a string or a list of [string, count]: %s", b)
	}
	var sb strings.Builder
	for _, p := range parts {
		var s string
		var n int
		if err := json.Unmarshal(p[0], &s); err != nil {
			return err
		}
		if err := json.Unmarshal(p[1], &n); err != nil {
			return err
		}
		sb.WriteString(strings.Repeat(s, n))
	}
	*t = text(sb.String())
	return nil
}

type pathTable struct {
	Paths []struct {
		Path  text   `json:"path"`
		Error string `json:"error"`
	} `json:"paths"`
	Sets []struct {
		Paths  []text   `json:"paths"`
		Errors []string `json:"errors"`
	} `json:"sets"`
}

type nameTable struct {
	Names []struct {
		Name  text   `json:"name"`
		Error string `json:"error"`
	} `json:"names"`
}

func loadTable(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// checkError reports err unless it matches want (a part of the message;
// "" means no error).
func checkError(t *testing.T, what string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %v, want it valid", what, err)
	case want != "" && err == nil:
		t.Errorf("%s: valid, want an error containing %q", what, want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("%s: %q, want it to contain %q", what, err, want)
	}
}

func TestPathTable(t *testing.T) {
	var tbl pathTable
	loadTable(t, "paths.json", &tbl)
	if len(tbl.Paths) < 40 || len(tbl.Sets) < 10 {
		t.Fatalf("only %d paths and %d sets read", len(tbl.Paths), len(tbl.Sets))
	}
	for _, row := range tbl.Paths {
		p := string(row.Path)
		got, err := CleanPath(p)
		checkError(t, fmt.Sprintf("CleanPath(%.80q)", p), err, row.Error)
		if err == nil && got != p {
			t.Errorf("CleanPath(%q) = %q, want it unchanged", p, got)
		}
		// A PathSet of one path says the same.
		var s PathSet
		checkError(t, fmt.Sprintf("PathSet.Add(%.80q)", p), s.Add(p), row.Error)
	}
	for _, set := range tbl.Sets {
		if len(set.Paths) != len(set.Errors) {
			t.Fatalf("set %q: %d paths, %d errors", set.Paths, len(set.Paths), len(set.Errors))
		}
		var s PathSet
		want := 0
		for i, p := range set.Paths {
			checkError(t, fmt.Sprintf("set %.80q: Add(%.80q)", set.Paths, p), s.Add(string(p)), set.Errors[i])
			if set.Errors[i] == "" {
				want++
			}
		}
		if s.Len() != want {
			t.Errorf("set %.80q: Len() = %d, want %d", set.Paths, s.Len(), want)
		}
	}
}

func TestNameTable(t *testing.T) {
	var tbl nameTable
	loadTable(t, "names.json", &tbl)
	if len(tbl.Names) < 15 {
		t.Fatalf("only %d names read", len(tbl.Names))
	}
	for _, row := range tbl.Names {
		checkError(t, fmt.Sprintf("ValidateName(%.80q)", string(row.Name)), ValidateName(string(row.Name)), row.Error)
	}
}
