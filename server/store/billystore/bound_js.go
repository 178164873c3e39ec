package billystore

import "github.com/go-git/go-billy/v5"

// boundDir: osfs has no BoundOS under js/wasm.
func boundDir(billy.Filesystem) (string, bool) { return "", false }
