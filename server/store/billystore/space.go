package billystore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"

	"github.com/go-git/go-billy/v5"
)

// file is what the store needs of an open file: writing a temporary file,
// reading an object.
type file interface {
	io.Reader
	io.ReaderAt
	io.Writer
	io.Closer
}

// space is the namespace under the store's root: the operations the store
// performs on names, each safe for concurrent use. Names are slash
// separated and relative to the root ("." is the root itself).
type space interface {
	// create creates the file name exclusively, for writing.
	create(name string) (file, error)
	// open opens name for reading and describes it.
	open(name string) (file, fs.FileInfo, error)
	stat(name string) (fs.FileInfo, error)
	// mkdirAll creates dir and its missing parents. It makes each missing
	// folder through made, passing the folders whose entries the creation
	// changes (its parent) and a function that creates it, so the caller
	// can record them in the same step.
	mkdirAll(dir string, made func(parents []string, mkdir func() error) error) error
	// rename moves the file from to to, replacing a file there but not a
	// folder. It fails with fs.ErrNotExist if to's folder is missing: it
	// never creates folders (a concurrent prune may have removed one that
	// mkdirAll made).
	rename(from, to string) error
	// remove removes the file name.
	remove(name string) error
	// prune removes dir, then its parents, while they are empty.
	prune(dir string)
	// walk reads the folder dir ("" for the root) and calls visit with the
	// key of every entry; it descends into a folder when visit says so. A
	// folder missing (or removed meanwhile) is empty.
	walk(dir string, visit func(key string, isDir bool) (descend bool, err error)) error
	// syncAll fsyncs each named file or folder, several at a time. One gone
	// meanwhile (deleted, or a folder a Delete pruned) has nothing left to
	// make durable.
	syncAll(names []string) error
	// canSyncDirs tells whether folders can be fsynced.
	canSyncDirs() bool
}

// Test hooks, nil outside tests: hookMkdir runs after each folder mkdirAll
// makes, hookSync before each fsync of a commit point.
var (
	hookMkdir func(dir string)
	hookSync  func(name string)
)

// newSpace returns the namespace of fsys: for osfs with BoundOS (the
// serve configuration), its folder on disk through an os.Root (see
// rootSpace); for any other filesystem, fsys itself (billySpace).
func newSpace(fsys billy.Filesystem) space {
	if dir, ok := boundDir(fsys); ok {
		dir, err := filepath.Abs(dir)
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		if err == nil {
			if root, err := os.OpenRoot(dir); err == nil {
				return &rootSpace{root: root, dir: dir, fast: newBeneath(dir)}
			}
		}
	}
	return &billySpace{fs: fsys}
}

// billySpace is the namespace of any go-billy filesystem (memfs and osfs's
// chroot wrapper in tests). One mutex serialises its calls: memfs's maps
// are not safe for concurrent use, and a rename's check of its folder must
// not race a prune. Each call walks its whole path (osfs with BoundOS
// checks every folder of it), so deep names are served by rootSpace
// instead.
type billySpace struct {
	mu sync.Mutex
	fs billy.Filesystem
}

func (b *billySpace) create(name string) (file, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fs.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
}

func (b *billySpace) open(name string) (file, fs.FileInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fi, err := b.fs.Stat(name)
	if err != nil {
		return nil, nil, err
	}
	if fi.IsDir() {
		return nil, fi, nil
	}
	f, err := b.fs.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, fi, nil
}

func (b *billySpace) stat(name string) (fs.FileInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fs.Stat(name)
}

func (b *billySpace) mkdirAll(dir string, made func(parents []string, mkdir func() error) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var parents []string
	for d := dir; d != "." && d != "/"; d = path.Dir(d) {
		if _, err := b.fs.Stat(d); err == nil {
			break
		}
		parents = append(parents, path.Dir(d))
	}
	if len(parents) == 0 {
		return nil
	}
	return made(parents, func() error { return b.fs.MkdirAll(dir, 0o755) })
}

func (b *billySpace) rename(from, to string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	// go-billy's renames make the destination's folders: refuse instead.
	if dir := path.Dir(to); dir != "." {
		if fi, err := b.fs.Stat(dir); err != nil {
			return err
		} else if !fi.IsDir() {
			return fmt.Errorf("%q is not a folder", dir)
		}
	}
	if fi, err := b.fs.Stat(to); err == nil && fi.IsDir() {
		return errors.New("a folder of other keys has that name")
	}
	return b.fs.Rename(from, to)
}

func (b *billySpace) remove(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fs.Remove(name)
}

func (b *billySpace) prune(dir string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ; dir != "."; dir = path.Dir(dir) {
		infos, err := b.fs.ReadDir(dir)
		if err != nil || len(infos) > 0 || b.fs.Remove(dir) != nil {
			return
		}
	}
}

func (b *billySpace) walk(dir string, visit func(key string, isDir bool) (bool, error)) error {
	b.mu.Lock()
	name := dir
	if name == "" {
		name = "/"
	}
	infos, err := b.fs.ReadDir(name)
	b.mu.Unlock()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	entries := make([]fs.DirEntry, len(infos))
	for i, fi := range infos {
		entries[i] = fs.FileInfoToDirEntry(fi)
	}
	return visitEntries(dir, entries, visit, func(_, key string) error { return b.walk(key, visit) })
}

// visitEntries calls visit with the key of each entry of the folder dir,
// and sub with the name and key of each folder visit descends into.
func visitEntries(dir string, entries []fs.DirEntry, visit func(key string, isDir bool) (bool, error), sub func(name, key string) error) error {
	for _, e := range entries {
		key := path.Join(dir, e.Name())
		descend, err := visit(key, e.IsDir())
		if err != nil {
			return err
		}
		if e.IsDir() && descend {
			if err := sub(e.Name(), key); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *billySpace) canSyncDirs() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, err := b.fs.Open(".")
	if err != nil {
		return false
	}
	defer f.Close()
	_, ok := f.(interface{ Sync() error })
	return ok
}

func (b *billySpace) syncAll(names []string) error {
	return syncConcurrently(names, func(name string) (syncer, error) {
		b.mu.Lock()
		defer b.mu.Unlock()
		f, err := b.fs.Open(name)
		if err != nil {
			return nil, err
		}
		s, ok := f.(syncer)
		if !ok {
			f.Close()
			return nil, fmt.Errorf("%T has no Sync", f)
		}
		return s, nil
	})
}

// syncer is an open file or folder to fsync.
type syncer interface {
	Sync() error
	Close() error
}

// syncConcurrently fsyncs each name once, in order, opened by open, 8 at a
// time (a journaling filesystem commits concurrent fsyncs together).
func syncConcurrently(names []string, open func(name string) (syncer, error)) error {
	if len(names) == 0 {
		return nil
	}
	type item struct {
		name string
		f    syncer
	}
	work := make(chan item)
	errs := make(chan error, 1)
	fail := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	var wg sync.WaitGroup
	for range min(len(names), 8) {
		wg.Go(func() {
			for it := range work {
				if hookSync != nil {
					hookSync(it.name)
				}
				if err := it.f.Sync(); err != nil {
					fail(fmt.Errorf("sync %q: %w", it.name, err))
				}
				it.f.Close()
			}
		})
	}
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		f, err := open(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			fail(fmt.Errorf("open %q to sync it: %w", name, err))
			continue
		}
		work <- item{name, f}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}
