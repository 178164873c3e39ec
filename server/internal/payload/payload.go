// Package payload is the multipart wire format of a creation upload
// (POST /api/repos): its part names and its manifest. Only the server reads
// it, so it lives here and not in core (the browser's wasm would carry the
// JSON parser for nothing).
package payload

import (
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/oxhash"
	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/oxdrop/oxdrop/server/internal/strictjson"
	"github.com/tidwall/gjson"
)

// Multipart part names of a creation upload. The parts may come in any
// order; name and email are required when files are given.
const (
	PartNewRepo  = "new_repo" // RepoNew JSON: {"namespace": .., "name": ..}
	PartName     = "name"     // commit author
	PartEmail    = "email"    // commit author's email
	PartManifest = "manifest" // JSON {"<path>": "<oxen hex hash>", ...}
	PartFile     = "file"     // one file; filename = its relative path
	PartFiles    = "file[]"   // same as PartFile
)

// MaxManifestBytes bounds the manifest part: 1,024-byte paths plus hashes
// for well over 50,000 files would still fit; more is refused.
const MaxManifestBytes = 64 << 20

// ManifestLimit is the largest manifest of maxFiles entries the server
// reads: room for every path at its longest, JSON-escaped twice over, so
// the memory a manifest takes follows -max-files, not the client.
func ManifestLimit(maxFiles int) int64 {
	return min(MaxManifestBytes, int64(maxFiles)*(2*repo.MaxPathBytes+64)+4096)
}

// Manifest maps each file path to the Oxen hex hash of its content, as the
// browser computed it; the server checks every file against it.
type Manifest map[string]string

// TooManyFilesError is a manifest listing more than the allowed files.
type TooManyFilesError struct{ Limit int }

func (e *TooManyFilesError) Error() string {
	return fmt.Sprintf("manifest lists more than %d files, the limit per repository", e.Limit)
}

// ParseManifest reads {"<path>": "<hash>", ...} of at most maxFiles
// entries. The JSON is checked first (strictjson: no recursion, no
// duplicate keys, valid UTF-8), so memory is bounded by maxFiles whatever
// the part holds. Paths must be valid (CleanPath), hashes valid Oxen hex
// (normalised to the unpadded lowercase form the server computes).
func ParseManifest(b []byte, maxFiles int) (Manifest, error) {
	if len(b) > MaxManifestBytes {
		return nil, fmt.Errorf("manifest is %d bytes, over the limit of %d", len(b), MaxManifestBytes)
	}
	if err := strictjson.Check(b, strictjson.Limits{MaxDepth: 8, MaxMembers: maxFiles}); err != nil {
		var tm *strictjson.TooManyMembersError
		if errors.As(err, &tm) {
			return nil, &TooManyFilesError{Limit: maxFiles}
		}
		return nil, fmt.Errorf("manifest is not valid JSON: %w", err)
	}
	root := gjson.ParseBytes(b)
	if !root.IsObject() {
		return nil, fmt.Errorf("manifest must be a JSON object of path to hash, got %s", Kind(root))
	}
	m := Manifest{}
	var err error
	root.ForEach(func(k, v gjson.Result) bool {
		path := k.String()
		if _, err = repo.CleanPath(path); err != nil {
			err = fmt.Errorf("manifest: %w", err)
			return false
		}
		if v.Type != gjson.String {
			err = fmt.Errorf("manifest: the hash of %q must be a string, got %s", path, Kind(v))
			return false
		}
		h, perr := oxhash.ParseHex(v.String())
		if perr != nil {
			err = fmt.Errorf("manifest: the hash of %q: %v", path, perr)
			return false
		}
		m[path] = oxhash.Hex(h)
		return true
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Kind names a JSON value's type for error messages.
func Kind(v gjson.Result) string {
	switch {
	case !v.Exists():
		return "nothing"
	case v.Type == gjson.Null:
		return "null"
	case v.Type == gjson.False, v.Type == gjson.True:
		return "a boolean"
	case v.Type == gjson.Number:
		return "a number"
	case v.Type == gjson.String:
		return "a string"
	case v.IsArray():
		return "an array"
	}
	return "an object"
}
