// Package repo holds the rules and shapes of a repository creation that the
// browser and the server share: name and path validation (ValidateName,
// CleanPath, PathSet), the upload payload's part names, the manifest, the
// initial commit and the metadata entries of the response. It is pure Go so
// it compiles to WebAssembly: the page asks this same code (through the
// engine in its Web Workers) whether names and paths are valid, so the page
// and the server cannot disagree. README.md in this folder lists the rules.
package repo

import "fmt"

// MaxRepoNameBytes caps a repository or namespace name. Oxen has no cap, but
// each name becomes a folder on disk (NAME_MAX is 255 bytes, less what
// tools append: ".git", "-backup", temporary suffixes), a URL segment, and
// part of a storage key (repos/<namespace>/<name>/repo.json: at most 217
// bytes, far inside R2's 1,024). 100 is GitHub's cap on repository names,
// so any GitHub name carries over.
const MaxRepoNameBytes = 100

// ValidateName checks a repository or namespace name the way Oxen does,
// ^[A-Za-z0-9][A-Za-z0-9_.-]+$ (ASCII only, so at least two characters),
// and at most MaxRepoNameBytes long. The pattern's message is Oxen's.
func ValidateName(s string) error {
	if len(s) > MaxRepoNameBytes {
		return fmt.Errorf("Invalid repository or namespace name %.40q... is %d bytes long, over the limit of %d bytes", s, len(s), MaxRepoNameBytes)
	}
	ok := len(s) >= 2
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		ok = alnum || i > 0 && (c == '_' || c == '.' || c == '-')
	}
	if !ok {
		return fmt.Errorf("Invalid repository or namespace name '%s'. Must match [a-zA-Z0-9][a-zA-Z0-9_.-]+", s)
	}
	return nil
}
