package billystore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// rootSpace is a folder on disk reached through an os.Root, for osfs with
// BoundOS: the same confinement (no name leaves the root, through ".." or
// a symlink), at a cost linear in a name's length.
//
// go-billy's BoundOS resolves every name with filepath-securejoin, which
// lstats each of its prefixes, and each lstat walks that prefix again in
// the kernel: one call on a name of d folders costs d system calls and
// d²/2 folder lookups, and the store made d calls to create or fsync the d
// folders of a new deep name. os.Root opens one folder at a time relative
// to the previous one (openat with O_NOFOLLOW; a symlink is followed only
// if it stays under the root), so a call costs a few system calls per
// folder, each a single lookup; mkdirAll, prune, walk and syncAll keep the
// folder they are in open and go from there, so no folder is resolved from
// the root twice.
//
// On Linux, the calls on one name (open, stat, rename, remove) go through
// openat2 instead (see beneath), one system call for the whole name.
type rootSpace struct {
	root *os.Root
	dir  string   // the root's absolute name
	fast *beneath // nil: os.Root for everything
}

func (r *rootSpace) create(name string) (file, error) {
	f, err := r.root.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, fs.ErrNotExist) { // its folder (.oxdrop-tmp) is missing
		if err := r.root.MkdirAll(path.Dir(name), 0o755); err != nil {
			return nil, err
		}
		f, err = r.root.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (r *rootSpace) open(name string) (file, fs.FileInfo, error) {
	var f *os.File
	var err error
	if r.fast != nil {
		f, err = r.fast.open(name)
	} else {
		f, err = r.root.Open(name)
	}
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		f.Close()
		return nil, fi, err
	}
	return f, fi, nil
}

func (r *rootSpace) stat(name string) (fs.FileInfo, error) {
	if r.fast != nil {
		return r.fast.stat(name)
	}
	return r.root.Stat(name)
}

func (r *rootSpace) mkdirAll(dir string, made func(parents []string, mkdir func() error) error) error {
	cur := r.root
	defer func() {
		if cur != r.root {
			cur.Close()
		}
	}()
	for i := 0; i < len(dir); {
		end := strings.IndexByte(dir[i:], '/')
		if end < 0 {
			end = len(dir)
		} else {
			end += i
		}
		seg := dir[i:end]
		next, err := cur.OpenRoot(seg)
		if errors.Is(err, fs.ErrNotExist) {
			parent := "."
			if i > 0 {
				parent = dir[:i-1]
			}
			err = made([]string{parent}, func() error { return cur.Mkdir(seg, 0o755) })
			if err != nil && !errors.Is(err, fs.ErrExist) { // ErrExist: made meanwhile
				return err
			}
			if hookMkdir != nil {
				hookMkdir(dir[:end])
			}
			next, err = cur.OpenRoot(seg)
		}
		if err != nil {
			return err
		}
		if cur != r.root {
			cur.Close()
		}
		cur = next
		i = end + 1
	}
	return nil
}

// rename checks from's and to's folders through the os.Root, then renames
// by full name, as go-billy's BoundOS did (a trace, like failuretest's
// strace test, shows whole names).
func (r *rootSpace) rename(from, to string) error {
	if r.fast != nil {
		return r.fast.rename(from, to)
	}
	for _, dir := range []string{path.Dir(from), path.Dir(to)} {
		fi, err := r.root.Stat(dir)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return fmt.Errorf("%q is not a folder", dir)
		}
	}
	if fi, err := r.root.Lstat(to); err == nil && fi.IsDir() {
		return errors.New("a folder of other keys has that name")
	}
	return os.Rename(filepath.Join(r.dir, from), filepath.Join(r.dir, to))
}

func (r *rootSpace) remove(name string) error {
	if r.fast != nil {
		return r.fast.remove(name)
	}
	return r.root.Remove(name)
}

// prune removes folders only (os.Root.Remove would also remove a file).
func (r *rootSpace) prune(dir string) {
	if dir == "." || rmdir(r.root, dir) != nil {
		return // the usual case: the folder still holds other keys
	}
	segs := strings.Split(dir, "/")
	if len(segs) == 1 {
		return
	}
	// chain[i] is the folder holding segs[i]: open once, top down, rather
	// than resolving each parent from the root again.
	chain := []*os.Root{r.root}
	defer func() {
		for _, c := range chain[1:] {
			c.Close()
		}
	}()
	for _, seg := range segs[:len(segs)-2] {
		next, err := chain[len(chain)-1].OpenRoot(seg)
		if err != nil {
			return
		}
		chain = append(chain, next)
	}
	for i := len(segs) - 2; i >= 0; i-- {
		if rmdir(chain[i], segs[i]) != nil {
			return
		}
	}
}

// rmdir removes the folder name in parent if it is empty.
func rmdir(parent *os.Root, name string) error {
	fi, err := parent.Lstat(name)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%q is not a folder", name)
	}
	return parent.Remove(name)
}

func (r *rootSpace) walk(dir string, visit func(key string, isDir bool) (bool, error)) error {
	if dir == "" {
		return r.walkIn(r.root, "", visit)
	}
	sub, err := r.root.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer sub.Close()
	return r.walkIn(sub, dir, visit)
}

// walkIn walks the open folder d, whose key is dir.
func (r *rootSpace) walkIn(d *os.Root, dir string, visit func(key string, isDir bool) (bool, error)) error {
	f, err := d.Open(".")
	if err != nil {
		return err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return err
	}
	return visitEntries(dir, entries, visit, func(name, key string) error {
		sub, err := d.OpenRoot(name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed since the read
		}
		if err != nil {
			return err
		}
		defer sub.Close()
		return r.walkIn(sub, key, visit)
	})
}

func (r *rootSpace) canSyncDirs() bool { return true }

// syncAll opens the names in folder order, keeping open the folders on
// the way to the last one: a deep new path's folders (all pending after
// its Put) are each opened from their parent, one lookup each.
func (r *rootSpace) syncAll(names []string) error {
	names = slices.Clone(names)
	slices.SortFunc(names, comparePaths)
	names = slices.Compact(names)
	type open struct {
		dir  string // "" for the root
		root *os.Root
	}
	stack := []open{{"", r.root}}
	defer func() {
		for _, o := range stack[1:] {
			o.root.Close()
		}
	}()
	return syncConcurrently(names, func(name string) (syncer, error) {
		dir, base := path.Split(name)
		dir = strings.TrimSuffix(dir, "/")
		if name == "." {
			dir, base = "", "."
		}
		for len(stack) > 1 && !inFolder(dir, stack[len(stack)-1].dir) {
			stack[len(stack)-1].root.Close()
			stack = stack[:len(stack)-1]
		}
		for top := stack[len(stack)-1]; top.dir != dir; top = stack[len(stack)-1] {
			rest := dir
			if top.dir != "" {
				rest = dir[len(top.dir)+1:]
			}
			seg, _, _ := strings.Cut(rest, "/")
			sub, err := top.root.OpenRoot(seg)
			if err != nil {
				return nil, err
			}
			stack = append(stack, open{path.Join(top.dir, seg), sub})
		}
		f, err := stack[len(stack)-1].root.Open(base)
		if err != nil {
			return nil, err
		}
		return f, nil
	})
}

// inFolder tells whether dir is folder or inside it ("" is the root).
func inFolder(dir, folder string) bool {
	return folder == "" || dir == folder || strings.HasPrefix(dir, folder+"/")
}

// comparePaths orders names folder by folder: a folder's contents come
// right after it ("a/b", "a/b/c", "a/b-c"), where plain string order puts
// "a/b-c" between them ('-' sorts before '/').
func comparePaths(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x == '/' {
			return -1
		}
		if y == '/' {
			return 1
		}
		return int(x) - int(y)
	}
	return len(a) - len(b)
}
