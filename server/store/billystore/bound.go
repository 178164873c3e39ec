//go:build !js

package billystore

import (
	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
)

// boundDir returns the folder of an osfs with BoundOS.
func boundDir(fsys billy.Filesystem) (string, bool) {
	b, ok := fsys.(*osfs.BoundOS)
	if !ok {
		return "", false
	}
	return b.Root(), true
}
