// Package billystore implements store.Store on a go-billy filesystem: osfs
// under the server's -data directory, memfs in tests. It serves one process,
// so conditional Puts are made atomic with a mutex, not with the filesystem.
//
// Layout: the object at key "a/b/c" is the file "a/b/c" under the root, so
// the data directory reads like the key space. A key therefore cannot be
// both an object and a folder of other keys ("a/b" and "a/b/c"); such a Put
// fails with an error (oxdrop's own key layout never does this).
//
// Each file starts with a 20-byte header, "OXD1" and a random 16-byte
// version, the object's ETag: cheap to read on Stat, and different after
// every Put (a size+mtime ETag could repeat within the coarse timestamp
// granularity of some filesystems and break compare-and-swap).
//
// A Put writes a temporary file in .oxdrop-tmp/ at the root and renames it
// into place, so readers see whole objects or none (a process killed
// mid-write leaves only the temporary file). New removes leftovers of a
// crash from .oxdrop-tmp/.
//
// Durability is settled at commit points. A conditional Put (IfAbsent,
// IfMatch) is one: oxdrop publishes a repository with one. Before its
// rename it fsyncs every object written since the last commit point and
// every folder a Put or Move changed (a rename is on disk only once its
// folder is, and so is a new folder's entry in its parent), many at a time,
// so a journaling filesystem commits them together; after its rename, its
// own folders. Everything a published repository references is therefore
// durable before the record that makes it reachable, and the record is
// durable when its Put returns. An unconditional Put's object is visible at
// once and durable at the next commit point; until then it is reachable
// only through names nothing has published (oxdrop writes such objects
// under its creation's private prefix, which the sweep deletes after a
// crash). Syncing each folder as it was changed cost a quarter of the
// server's creates per second; syncing the objects together at the commit
// point made many-file uploads 15-30% faster than one by one.
//
// The fsyncs need files that have a Sync method: use osfs.New(absDir,
// osfs.WithBoundOS()); osfs's default chroot wrapper hides Sync (memfs
// needs none).
package billystore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5"
	"github.com/oxdrop/oxdrop/server/store"
)

const (
	magic      = "OXD1"
	headerSize = len(magic) + 16
	tmpDir     = ".oxdrop-tmp"
)

// Store is a store.Store on a billy.Filesystem.
type Store struct {
	fs billy.Filesystem
	// mu serialises every namespace operation (open, stat, rename, remove,
	// readdir): it makes check-then-rename atomic for conditional Puts, keeps
	// Delete's removal of empty folders from racing a Put's MkdirAll, and
	// guards memfs, whose maps are not safe for concurrent use. File contents
	// are written and read outside it, and folders are fsynced outside it.
	mu sync.Mutex
	// dirSync: folders can be opened and fsynced (osfs with BoundOS).
	dirSync bool
	// pending holds the folders changed since the last commit point, and
	// pendingFiles the keys whose data is not yet fsynced (see the package
	// comment); guarded by mu.
	pending      map[string]bool
	pendingFiles map[string]bool
}

var (
	_ store.Store = (*Store)(nil)
	_ store.Mover = (*Store)(nil)
)

// New returns a store rooted at fs's root, after deleting temporary files
// that a crashed process left behind.
func New(fsys billy.Filesystem) *Store {
	s := &Store{fs: fsys, dirSync: canSyncDirs(fsys), pending: map[string]bool{}, pendingFiles: map[string]bool{}}
	if infos, err := fsys.ReadDir(tmpDir); err == nil {
		for _, fi := range infos {
			_ = fsys.Remove(path.Join(tmpDir, fi.Name()))
		}
	}
	return s
}

// checkKey rejects keys that would not map to a file under the root.
func checkKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") || strings.Contains(key, "\\") {
		return fmt.Errorf("billystore: invalid key %q", key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsRune(seg, 0) {
			return fmt.Errorf("billystore: invalid key %q", key)
		}
	}
	if key == tmpDir || strings.HasPrefix(key, tmpDir+"/") {
		return fmt.Errorf("billystore: key %q is inside the reserved %s folder", key, tmpDir)
	}
	return nil
}

// ctxReader fails reads once ctx is done, so a cancelled Put stops.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// WriteTo keeps the source's WriteTo (the API's multipart reader hands out
// ~1 MiB chunks); without it io.Copy falls back to 32 KiB writes.
func (c ctxReader) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := c.r.(io.WriterTo); ok {
		return wt.WriteTo(ctxWriter{c.ctx, w})
	}
	return io.Copy(w, struct{ io.Reader }{c})
}

// ctxWriter stops a WriteTo once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// Put implements store.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts store.PutOptions) (store.Info, error) {
	if err := checkKey(key); err != nil {
		return store.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Info{}, err
	}
	var version [16]byte
	if _, err := rand.Read(version[:]); err != nil {
		return store.Info{}, err
	}
	etag := hex.EncodeToString(version[:])
	tmp := path.Join(tmpDir, etag) // fixed-length name (memfs renames by prefix)

	s.mu.Lock()
	f, err := s.fs.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	s.mu.Unlock()
	if err != nil {
		return store.Info{}, fmt.Errorf("billystore: create temporary file: %w", err)
	}
	commit := opts.IfAbsent || opts.IfMatch != ""
	// Without folder syncs (memfs, osfs's chroot wrapper) there are no
	// commit points to defer to: sync now, if the file can.
	n, err := s.writeTemp(f, version[:], ctxReader{ctx, r}, size, commit || !s.dirSync)
	if err != nil {
		s.remove(tmp)
		return store.Info{}, err
	}

	if commit {
		if err := s.syncPending(); err != nil {
			s.remove(tmp)
			return store.Info{}, fmt.Errorf("billystore: put %q: %w", key, err)
		}
	}
	info, dirs, err := s.publish(tmp, key, opts)
	if err != nil {
		return store.Info{}, err
	}
	info.Size, info.ETag = n, etag
	if !commit {
		s.addPending(dirs, key)
		return info, nil
	}
	if err := s.syncDirs(dirs); err != nil {
		return store.Info{}, fmt.Errorf("billystore: put %q: %w", key, err)
	}
	return info, nil
}

// addPending records folders whose entries changed and, if given, a key
// whose data is not yet fsynced, for the next commit point.
func (s *Store) addPending(dirs []string, files ...string) {
	if !s.dirSync {
		return
	}
	s.mu.Lock()
	for _, d := range dirs {
		s.pending[d] = true
	}
	for _, f := range files {
		s.pendingFiles[f] = true
	}
	s.mu.Unlock()
}

// syncPending fsyncs the objects written and the folders changed since the
// last commit point, objects first; on failure they stay pending.
func (s *Store) syncPending() error {
	s.mu.Lock()
	dirs := make([]string, 0, len(s.pending))
	for d := range s.pending {
		dirs = append(dirs, d)
	}
	files := make([]string, 0, len(s.pendingFiles))
	for f := range s.pendingFiles {
		files = append(files, f)
	}
	clear(s.pending)
	clear(s.pendingFiles)
	s.mu.Unlock()
	err := s.syncAll(files)
	if err == nil {
		err = s.syncAll(dirs)
	}
	if err != nil {
		s.addPending(dirs, files...)
	}
	return err
}

// publish renames the written temporary file to key if opts allow it, and
// returns the folders to fsync for the new name to be durable.
func (s *Store) publish(tmp, key string, opts store.PutOptions) (store.Info, []string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkCondition(key, opts); err != nil {
		_ = s.fs.Remove(tmp)
		return store.Info{}, nil, err
	}
	created, err := s.mkdirAllLocked(path.Dir(key))
	if err != nil {
		_ = s.fs.Remove(tmp)
		return store.Info{}, nil, fmt.Errorf("billystore: put %q: %w", key, err)
	}
	if fi, err := s.fs.Stat(key); err == nil && fi.IsDir() {
		_ = s.fs.Remove(tmp)
		return store.Info{}, nil, fmt.Errorf("billystore: put %q: a folder of other keys has that name", key)
	}
	if err := s.fs.Rename(tmp, key); err != nil {
		_ = s.fs.Remove(tmp)
		return store.Info{}, nil, fmt.Errorf("billystore: put %q: %w", key, err)
	}
	info := store.Info{Key: key}
	if fi, err := s.fs.Stat(key); err == nil {
		info.Modified = fi.ModTime()
	}
	return info, append(created, path.Dir(key)), nil
}

// mkdirAllLocked creates dir and its missing parents, and returns the
// folders whose entries changed (the parent of each folder it created);
// s.mu must be held.
func (s *Store) mkdirAllLocked(dir string) ([]string, error) {
	if dir == "." {
		return nil, nil
	}
	var parents []string
	for d := dir; d != "." && d != "/"; d = path.Dir(d) {
		if _, err := s.fs.Stat(d); err == nil {
			break
		}
		parents = append(parents, path.Dir(d))
	}
	if len(parents) == 0 {
		return nil, nil
	}
	return parents, s.fs.MkdirAll(dir, 0o755)
}

// canSyncDirs tells whether fsys can open a folder as a file with a Sync
// method (osfs with BoundOS can; memfs, which needs no sync, cannot open
// folders; osfs's default chroot wrapper hides Sync).
func canSyncDirs(fsys billy.Filesystem) bool {
	f, err := fsys.Open(".")
	if err != nil {
		return false
	}
	defer f.Close()
	_, ok := f.(interface{ Sync() error })
	return ok
}

// syncDirs fsyncs folders after a commit point's rename.
func (s *Store) syncDirs(dirs []string) error {
	if !s.dirSync {
		return nil
	}
	return s.syncAll(dirs)
}

// syncAll fsyncs each named file or folder once, several at a time (a
// journaling filesystem commits concurrent fsyncs together), outside s.mu.
// One gone meanwhile (deleted, or a folder a Delete pruned) has nothing
// left to make durable.
func (s *Store) syncAll(names []string) error {
	if len(names) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(names))
	work := make(chan string)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range min(len(names), 8) {
		wg.Go(func() {
			for name := range work {
				if err := s.syncOne(name); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for _, name := range names {
		if !seen[name] {
			seen[name] = true
			work <- name
		}
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

// syncOne fsyncs one file or folder by name (Linux fsyncs a read-only
// descriptor's file).
func (s *Store) syncOne(name string) error {
	f, err := s.fs.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %q to sync it: %w", name, err)
	}
	defer f.Close()
	if err := f.(interface{ Sync() error }).Sync(); err != nil {
		return fmt.Errorf("sync %q: %w", name, err)
	}
	return nil
}

// writeTemp writes the header and the body, syncs f if durable is set (else
// the next commit point does) and closes it.
func (s *Store) writeTemp(f billy.File, version []byte, r io.Reader, size int64, durable bool) (int64, error) {
	defer f.Close()
	if _, err := f.Write(append([]byte(magic), version...)); err != nil {
		return 0, fmt.Errorf("billystore: write: %w", err)
	}
	var n int64
	var err error
	wb := newWriteBehind(f, int64(headerSize), newWriteback(f))
	if size < 0 {
		n, err = io.Copy(wb, r)
	} else {
		n, err = io.CopyN(wb, r, size)
		if err == io.EOF {
			err = fmt.Errorf("billystore: body ended after %d of %d bytes", n, size)
		}
	}
	wb.stop()
	if err != nil {
		return 0, err
	}
	if syncer, ok := f.(interface{ Sync() error }); ok && durable {
		if err := syncer.Sync(); err != nil {
			return 0, fmt.Errorf("billystore: sync: %w", err)
		}
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("billystore: close: %w", err)
	}
	return n, nil
}

// checkCondition runs with s.mu held.
func (s *Store) checkCondition(key string, opts store.PutOptions) error {
	switch {
	case opts.IfAbsent:
		if _, err := s.fs.Stat(key); err == nil {
			return store.ErrPrecondition
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("billystore: stat %q: %w", key, err)
		}
	case opts.IfMatch != "":
		info, err := s.statLocked(key)
		if errors.Is(err, store.ErrNotFound) || err == nil && info.ETag != opts.IfMatch {
			return store.ErrPrecondition
		}
		return err
	}
	return nil
}

func (s *Store) remove(name string) {
	s.mu.Lock()
	_ = s.fs.Remove(name)
	s.mu.Unlock()
}

// openLocked opens key's file and checks its header; s.mu must be held.
func (s *Store) openLocked(key string) (billy.File, store.Info, error) {
	if err := checkKey(key); err != nil {
		return nil, store.Info{}, err
	}
	fi, err := s.fs.Stat(key)
	if errors.Is(err, fs.ErrNotExist) || err == nil && fi.IsDir() {
		return nil, store.Info{}, store.ErrNotFound
	}
	if err != nil {
		return nil, store.Info{}, fmt.Errorf("billystore: stat %q: %w", key, err)
	}
	f, err := s.fs.Open(key)
	if err != nil {
		return nil, store.Info{}, fmt.Errorf("billystore: open %q: %w", key, err)
	}
	var h [headerSize]byte
	if _, err := f.ReadAt(h[:], 0); err != nil || string(h[:len(magic)]) != magic {
		f.Close()
		return nil, store.Info{}, fmt.Errorf("billystore: %q is not an object file (bad header)", key)
	}
	return f, store.Info{
		Key:      key,
		Size:     fi.Size() - int64(headerSize),
		ETag:     hex.EncodeToString(h[len(magic):]),
		Modified: fi.ModTime(),
	}, nil
}

func (s *Store) statLocked(key string) (store.Info, error) {
	f, info, err := s.openLocked(key)
	if err != nil {
		return store.Info{}, err
	}
	f.Close()
	return info, nil
}

// blob reads an object's body, after the header.
type blob struct {
	*io.SectionReader
	f billy.File
}

func (b blob) Close() error { return b.f.Close() }

// Open implements store.Store.
func (s *Store) Open(ctx context.Context, key string) (store.Blob, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	f, info, err := s.openLocked(key)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return blob{io.NewSectionReader(f, int64(headerSize), info.Size), f}, nil
}

// Stat implements store.Store.
func (s *Store) Stat(ctx context.Context, key string) (store.Info, error) {
	if err := ctx.Err(); err != nil {
		return store.Info{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statLocked(key)
}

// List implements store.Store. It walks the folders that can hold keys
// with prefix, sorts the keys (folder walk order is not key order: "a.c"
// sorts before "a/b") and returns the page after cursor.
func (s *Store) List(ctx context.Context, prefix, cursor string, limit int) ([]store.Info, string, error) {
	if limit <= 0 {
		limit = 1000
	}
	var keys []string
	var walk func(dir string) error
	walk = func(dir string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.Lock()
		infos, err := s.fs.ReadDir(dirOrRoot(dir))
		s.mu.Unlock()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("billystore: list %q: %w", dir, err)
		}
		for _, fi := range infos {
			key := path.Join(dir, fi.Name())
			if dir == "" && fi.Name() == tmpDir {
				continue
			}
			if fi.IsDir() {
				if strings.HasPrefix(key+"/", prefix) || strings.HasPrefix(prefix, key+"/") {
					if err := walk(key); err != nil {
						return err
					}
				}
			} else if strings.HasPrefix(key, prefix) && key > cursor {
				keys = append(keys, key)
			}
		}
		return nil
	}
	start := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = prefix[:i]
	}
	if err := walk(start); err != nil {
		return nil, "", err
	}
	sort.Strings(keys)
	next := ""
	if len(keys) > limit {
		keys = keys[:limit]
		next = keys[limit-1]
	}
	out := make([]store.Info, 0, len(keys))
	for _, k := range keys {
		info, err := s.Stat(ctx, k)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted since the walk
		}
		if err != nil {
			return nil, "", err
		}
		out = append(out, info)
	}
	return out, next, nil
}

func dirOrRoot(dir string) string {
	if dir == "" {
		return "/"
	}
	return dir
}

// Move implements store.Mover with a rename, so a blob received under a
// temporary key reaches its content-addressed key without a copy.
func (s *Store) Move(ctx context.Context, from, to string) error {
	if err := checkKey(to); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dirs, err := s.moveLocked(from, to)
	if err != nil {
		return err
	}
	s.addPending(dirs)
	return nil
}

// moveLocked renames from to to under s.mu and returns the folders to
// fsync for the new name to be durable.
func (s *Store) moveLocked(from, to string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, _, err := s.openLocked(from)
	if err != nil {
		return nil, err
	}
	f.Close()
	created, err := s.mkdirAllLocked(path.Dir(to))
	if err != nil {
		return nil, fmt.Errorf("billystore: move to %q: %w", to, err)
	}
	if fi, err := s.fs.Stat(to); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("billystore: move to %q: a folder of other keys has that name", to)
	}
	if err := s.fs.Rename(from, to); err != nil {
		return nil, fmt.Errorf("billystore: move %q to %q: %w", from, to, err)
	}
	if s.pendingFiles[from] {
		delete(s.pendingFiles, from)
		s.pendingFiles[to] = true
	}
	s.pruneLocked(from)
	return append(created, path.Dir(to)), nil
}

// Delete implements store.Store, and removes folders it leaves empty so a
// deleted staging area leaves no trace on disk.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := checkKey(key); err != nil {
			return err
		}
		delete(s.pendingFiles, key)
		fi, err := s.fs.Stat(key)
		if errors.Is(err, fs.ErrNotExist) || err == nil && fi.IsDir() {
			continue
		}
		if err == nil {
			err = s.fs.Remove(key)
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("billystore: delete %q: %w", key, err)
		}
		s.pruneLocked(key)
	}
	return nil
}

// pruneLocked removes the folders above key that are now empty.
func (s *Store) pruneLocked(key string) {
	for dir := path.Dir(key); dir != "."; dir = path.Dir(dir) {
		infos, err := s.fs.ReadDir(dir)
		if err != nil || len(infos) > 0 || s.fs.Remove(dir) != nil {
			return
		}
	}
}
