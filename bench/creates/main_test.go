//go:build unix

package main

import (
	"testing"
)

// Every repository of a level must have distinct, valid relative paths and
// content that differs between repositories (so no two creations are the
// same request).
func TestRepoUpload(t *testing.T) {
	a := repoUpload("p", 1, 10)
	b := repoUpload("p", 2, 10)
	if a.Name == b.Name {
		t.Fatalf("two repositories named %q", a.Name)
	}
	if len(a.Files) != 10 {
		t.Fatalf("%d files, want 10", len(a.Files))
	}
	seen := map[string]bool{}
	for i, f := range a.Files {
		if seen[f.Path] {
			t.Errorf("duplicate path %q", f.Path)
		}
		seen[f.Path] = true
		if f.Len() < 256 || f.Len() > 8192 {
			t.Errorf("%s is %d bytes, want a small file", f.Path, f.Len())
		}
		if string(f.Content) == string(b.Files[i].Content) {
			t.Errorf("%s has the same content in two repositories", f.Path)
		}
	}
}
