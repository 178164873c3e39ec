package repo

import (
	"fmt"

	"github.com/oxdrop/oxdrop/core/oxhash"
	"github.com/tidwall/gjson"
)

// Multipart part names of a creation upload (POST /api/repos). The parts may
// come in any order; name and email are required when files are given.
const (
	PartNewRepo  = "new_repo" // RepoNew JSON: {"namespace": .., "name": ..}
	PartName     = "name"     // commit author
	PartEmail    = "email"    // commit author's email
	PartManifest = "manifest" // JSON {"<path>": "<oxen hex hash>", ...}
	PartFile     = "file"     // one file; filename = its relative path
	PartFiles    = "file[]"   // same as PartFile
)

// MaxManifestBytes bounds the manifest part: 1,024-byte paths plus hashes
// for well over 100,000 files would still fit; more is refused.
const MaxManifestBytes = 64 << 20

// Manifest maps each file path to the Oxen hex hash of its content, as the
// browser computed it; the server checks every file against it.
type Manifest map[string]string

// ParseManifest reads {"<path>": "<hash>", ...}. Paths must be valid
// (CleanPath) and unique, hashes valid Oxen hex (normalised to the unpadded
// lowercase form the server computes).
func ParseManifest(b []byte) (Manifest, error) {
	if len(b) > MaxManifestBytes {
		return nil, fmt.Errorf("manifest is %d bytes, over the limit of %d", len(b), MaxManifestBytes)
	}
	if !gjson.ValidBytes(b) {
		return nil, fmt.Errorf("manifest is not valid JSON")
	}
	root := gjson.ParseBytes(b)
	if !root.IsObject() {
		return nil, fmt.Errorf("manifest must be a JSON object of path to hash, got %s", kind(root))
	}
	m := Manifest{}
	var err error
	root.ForEach(func(k, v gjson.Result) bool {
		path := k.String()
		if _, err = CleanPath(path); err != nil {
			err = fmt.Errorf("manifest: %w", err)
			return false
		}
		if _, dup := m[path]; dup {
			err = fmt.Errorf("manifest lists %q twice", path)
			return false
		}
		if v.Type != gjson.String {
			err = fmt.Errorf("manifest: the hash of %q must be a string, got %s", path, kind(v))
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

// kind names a JSON value's type for error messages.
func kind(v gjson.Result) string {
	switch v.Type {
	case gjson.Null:
		return "null"
	case gjson.False, gjson.True:
		return "a boolean"
	case gjson.Number:
		return "a number"
	case gjson.String:
		return "a string"
	}
	if v.IsArray() {
		return "an array"
	}
	return "an object"
}
