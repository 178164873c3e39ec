package datatype

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/oxdrop/oxdrop/core/model"
)

// The page's table of data types (web/js/types.js: label, icon, order,
// colour) has a row for every type a file can have, and no other: a type
// added here without its row fails. Dir is left out: the page lists files.
func TestPageTable(t *testing.T) {
	src, err := os.ReadFile("../../web/js/types.js")
	if err != nil {
		t.Fatal(err)
	}
	var page []string
	for _, m := range regexp.MustCompile(`(?m)^\s*\{\s*type:\s*'([a-z]+)'`).FindAllSubmatch(src, -1) {
		page = append(page, string(m[1]))
	}
	var core []string
	for _, e := range Entries() {
		if e.Type != model.Dir {
			core = append(core, string(e.Type))
		}
	}
	slices.Sort(page)
	slices.Sort(core)
	if !slices.Equal(page, core) {
		t.Errorf("web/js/types.js has rows for %v, the registry has the file types %v", page, core)
	}
}
