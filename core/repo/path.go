package repo

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxPathBytes bounds a file path inside a repository, MaxNameBytes each
// of its names (the common file system limit, NAME_MAX).
const (
	MaxPathBytes = 1024
	MaxNameBytes = 255
)

// CleanPath validates a file path of a dropped file or folder tree: a
// relative, slash-separated path whose every segment is a real name. It does
// not rewrite anything (a path that needs cleaning is an error, so the path
// a user sees is the path stored), and returns p itself when valid.
// Duplicates are the caller's job.
func CleanPath(p string) (string, error) {
	switch {
	case p == "":
		return "", fmt.Errorf("file path is empty")
	case len(p) > MaxPathBytes:
		return "", fmt.Errorf("file path %.64q... is %d bytes long, over the limit of %d bytes", p, len(p), MaxPathBytes)
	case !utf8.ValidString(p):
		return "", fmt.Errorf("file path %q is not valid UTF-8", p)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return "", fmt.Errorf("file path %q contains the control character %U", p, r)
		}
	}
	switch {
	case strings.ContainsRune(p, '\\'):
		return "", fmt.Errorf("file path %q contains a backslash; use / to separate folders", p)
	case p[0] == '/':
		return "", fmt.Errorf("file path %q is absolute; it must be relative to the repository root", p)
	case p[len(p)-1] == '/':
		return "", fmt.Errorf("file path %q ends with /, so it names a folder, not a file", p)
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "":
			return "", fmt.Errorf("file path %q contains an empty segment (//)", p)
		case ".":
			return "", fmt.Errorf("file path %q contains a . segment", p)
		case "..":
			return "", fmt.Errorf("file path %q contains a .. segment, which would leave the repository", p)
		}
		if len(seg) > MaxNameBytes {
			return "", fmt.Errorf("file path %q has a name of %d bytes, over the limit of %d bytes per file or folder name", p, len(seg), MaxNameBytes)
		}
	}
	if first, _, _ := strings.Cut(p, "/"); first == ".oxen" {
		return "", fmt.Errorf("file path %q is inside .oxen, which Oxen reserves for itself", p)
	}
	return p, nil
}
