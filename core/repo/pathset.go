package repo

import (
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// PathSet is the set of file paths of one repository, each checked as it
// is added. The server checks an upload's paths with it, and the page (the
// engine in its Web Workers) checks dropped files with it before anything
// is sent, so both refuse the same paths with the same words.
//
// A path is refused when CleanPath refuses it, when it is already in the
// set, when it is a folder of paths in the set (a/b, then a) or lies
// inside one (a, then a/b), and when it differs from a path or folder of
// the set only in Unicode normalisation (é written as U+00E9 or as e then
// U+0301): such twins look identical, so one can pass for the other, and
// macOS (whose file systems compare names in a normalisation-insensitive
// way) would take them for one file. Case twins (A.txt, a.txt) are
// accepted: they are distinct on Linux and in Oxen, and refusing them would
// refuse real repositories; checked out on macOS or Windows (whose usual
// file systems ignore case) only one of the two survives.
//
// The cost of Add is linear in the path's length, however deep it is: the
// set is a tree of names, each keyed by its folder and its normalised
// name, so every name of the path is hashed once.
//
// The zero value is an empty set. A PathSet is not safe for concurrent use.
type PathSet struct {
	index map[pathKey]pathNode
	nodes int32 // nodes made so far: the next node's id
	files int
}

type pathKey struct {
	parent int32  // the folder's node id; -1 for the repository root
	name   string // NFC
}

type pathNode struct {
	id   int32
	name string // as first added
	file bool   // else a folder
}

// Len is the number of files in the set.
func (s *PathSet) Len() int { return s.files }

// Add checks p (CleanPath, then against the paths already in the set) and
// adds it. A refused path leaves the set as it was.
func (s *PathSet) Add(p string) error {
	if _, err := CleanPath(p); err != nil {
		return err
	}
	if s.index == nil {
		s.index = map[pathKey]pathNode{}
	}
	parent := int32(-1)
	for start := 0; ; {
		seg, end, last := nextName(p, start)
		name := norm.NFC.String(seg)
		n, ok := s.index[pathKey{parent, name}]
		if !ok {
			s.insert(parent, name, p, start)
			return nil
		}
		// Every name before this one matched as spelt, so the set's
		// spelling of p[:end] is p[:start] + n.name.
		switch {
		case n.name != seg:
			return fmt.Errorf("File path %q is a Unicode normalisation twin of another path: %+q and %+q differ only in how accents are encoded (composed or decomposed), so they look the same, and macOS takes them for one name", p, p[:end], p[:start]+n.name)
		case last && n.file:
			return fmt.Errorf("Duplicate file path %q: each path may appear once", p)
		case last:
			return fmt.Errorf("File path %q is also a folder of other files", p)
		case n.file:
			return fmt.Errorf("File path %q puts a file inside %q, which is a file", p, p[:end])
		}
		parent, start = n.id, end+1
	}
}

// insert adds the names of p from byte start on. The first one, whose
// normalised form is name, is new in its folder, so all the ones after it
// are new too.
func (s *PathSet) insert(parent int32, name, p string, start int) {
	for {
		seg, end, last := nextName(p, start)
		if name == "" { // names are never empty: "" means not computed yet
			name = norm.NFC.String(seg)
		}
		id := s.nodes
		s.nodes++
		s.index[pathKey{parent, name}] = pathNode{id: id, name: seg, file: last}
		if last {
			s.files++
			return
		}
		parent, name, start = id, "", end+1
	}
}

// nextName returns the name of p that starts at byte start, the byte
// where it ends, and whether it is the last one.
func nextName(p string, start int) (name string, end int, last bool) {
	end = strings.IndexByte(p[start:], '/')
	if end < 0 {
		return p[start:], len(p), true
	}
	return p[start : start+end], start + end, false
}
