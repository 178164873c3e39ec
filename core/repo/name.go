// Package repo holds the rules and shapes of a repository creation that the
// browser and the server share: name and path validation, the upload
// payload's part names, the manifest, the initial commit and the metadata
// entries of the response. It is pure Go so it compiles to WebAssembly.
package repo

import "fmt"

// ValidateName checks a repository or namespace name the way Oxen does:
// ^[A-Za-z0-9][A-Za-z0-9_.-]+$ (ASCII only, so at least two characters).
func ValidateName(s string) error {
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
