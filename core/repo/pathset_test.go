package repo

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// naiveSet is PathSet's rules written the obvious way (every prefix of
// every path in maps, quadratic in depth), for the fuzz test to compare.
type naiveSet struct {
	files, dirs map[string]bool
	spelt       map[string]string // NFC of every file and folder -> as added
}

func (s *naiveSet) add(p string) error {
	if _, err := CleanPath(p); err != nil {
		return err
	}
	if s.files == nil {
		s.files, s.dirs, s.spelt = map[string]bool{}, map[string]bool{}, map[string]string{}
	}
	var prefixes []string
	for i := range len(p) {
		if p[i] == '/' {
			prefixes = append(prefixes, p[:i])
		}
	}
	prefixes = append(prefixes, p)
	for _, q := range prefixes {
		if had, ok := s.spelt[norm.NFC.String(q)]; ok && had != q {
			return errors.New("twin")
		}
	}
	for _, d := range prefixes[:len(prefixes)-1] {
		if s.files[d] {
			return errors.New("inside a file")
		}
	}
	if s.files[p] || s.dirs[p] {
		return errors.New("taken")
	}
	for _, q := range prefixes {
		s.spelt[norm.NFC.String(q)] = q
	}
	for _, d := range prefixes[:len(prefixes)-1] {
		s.dirs[d] = true
	}
	s.files[p] = true
	return nil
}

// FuzzPathSet adds the lines of its input to a PathSet and to naiveSet:
// both must accept and refuse the same paths.
func FuzzPathSet(f *testing.F) {
	for _, s := range []string{
		"a\na", "a\na/b", "a/b\na", "a/b/c\na/b\na/b/c/d", "\u00e9\ne\u0301", "caf\u00e9/a\ncafe\u0301/b",
		"\u00e9\ne\u0301/x", "A\na", "x/y\nx/z\nx", "\ud55c\n\u1112\u1161\u11ab", "a\u0301\u0323\na\u0323\u0301",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var s PathSet
		var ref naiveSet
		for _, p := range strings.Split(in, "\n") {
			err, want := s.Add(p), ref.add(p)
			if (err == nil) != (want == nil) {
				t.Fatalf("Add(%+q) = %v; the naive rules say %v", p, err, want)
			}
		}
		if s.Len() != len(ref.files) {
			t.Fatalf("Len() = %d, want %d", s.Len(), len(ref.files))
		}
	})
}

func TestPathSetZeroAndRefusals(t *testing.T) {
	var s PathSet
	if s.Len() != 0 {
		t.Fatal("zero set not empty")
	}
	for _, p := range []string{"", "/x", "a\u202eb"} {
		if s.Add(p) == nil {
			t.Errorf("Add(%q) accepted", p)
		}
	}
	if s.Len() != 0 || len(s.index) != 0 {
		t.Errorf("refused paths left %d files, %d nodes", s.Len(), len(s.index))
	}
}

// The set's cost is linear in the path's length: 1,000 paths of 512
// one-byte folders cost about twice 1,000 of 256, not four times; and
// deep paths cost more per byte than shallow ones of the same length only
// by a constant (a map lookup per name). Compare
//
//	go test -run NONE -bench PathSet ./core/repo/
func BenchmarkPathSet(b *testing.B) {
	for _, c := range []struct{ depth, seg int }{{4, 249}, {64, 15}, {256, 1}, {511, 1}} {
		prefix := strings.Repeat(strings.Repeat("d", c.seg)+"/", c.depth-1)
		paths := make([]string, 1000)
		for i := range paths {
			paths[i] = fmt.Sprintf("%s%0*d", prefix, max(c.seg, 3), i)
		}
		b.Run(fmt.Sprintf("depth%d-bytes%d", c.depth, len(paths[0])), func(b *testing.B) {
			for range b.N {
				var s PathSet
				for _, p := range paths {
					if err := s.Add(p); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
