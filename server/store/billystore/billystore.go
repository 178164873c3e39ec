// Package billystore implements store.Store on a go-billy filesystem: osfs
// under the server's -data directory, memfs in tests. It serves one process,
// so conditional Puts are made atomic with a lock of their key, not with the
// filesystem.
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
// crash from .oxdrop-tmp/. A chunked write (store.Chunked, chunks.go) fills
// one partial file in .oxdrop-chunks/, which New keeps: it outlives the
// process. Neither folder is part of the key space.
//
// Names cost linear time in their length, and no lock is shared by all
// keys: osfs with BoundOS is served through an os.Root (see rootSpace),
// reads take no lock, a Put, Move or Delete locks only its keys (so a
// conditional Put's check and rename are atomic), and folders are made
// and pruned by the filesystem's own atomic calls (a rename into a folder
// that a concurrent Delete just pruned is retried after making it again).
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
// Concurrent commit points share that work: what one took to sync, another
// waits for rather than assuming it done, and a folder's creation is
// recorded in the same step as the mkdir (under the read side of a lock
// that a commit point takes to collect the pending set), so a Put that
// finds a folder another Put just made never publishes before it is
// durable.
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
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5"
	"github.com/oxdrop/oxdrop/server/internal/keylock"
	"github.com/oxdrop/oxdrop/server/store"
)

const (
	magic      = "OXD1"
	headerSize = len(magic) + 16
	tmpDir     = ".oxdrop-tmp"
	chunkDir   = ".oxdrop-chunks"
	// renameTries bounds how often a Put remakes folders that concurrent
	// Deletes keep pruning under it.
	renameTries = 16
)

// Store is a store.Store on a billy.Filesystem.
type Store struct {
	sp space
	// keys locks keys for the check-then-rename of conditional Puts and
	// for every rename into or removal of a key.
	keys keylock.Locks
	// dirSync: folders can be opened and fsynced (osfs with BoundOS).
	dirSync bool
	// mkdirs is read-locked over each mkdir and its record in pending, and
	// write-locked by a commit point while it collects pending: a folder
	// that exists is recorded.
	mkdirs sync.RWMutex
	// pmu guards pending, the folders changed since the last commit point,
	// pendingFiles, the keys whose data is not yet fsynced (see the package
	// comment), and flights.
	pmu          sync.Mutex
	pending      map[string]bool
	pendingFiles map[string]bool
	// flights are the commit points' syncs under way.
	flights map[*flight]bool
}

// flight is one commit point's sync of the names it took from pending.
type flight struct {
	names map[string]bool
	done  chan struct{}
	err   error
}

var (
	_ store.Store = (*Store)(nil)
	_ store.Mover = (*Store)(nil)
)

// New returns a store rooted at fs's root, after deleting temporary files
// that a crashed process left behind.
func New(fsys billy.Filesystem) *Store {
	sp := newSpace(fsys)
	s := &Store{sp: sp, dirSync: sp.canSyncDirs(), pending: map[string]bool{}, pendingFiles: map[string]bool{}, flights: map[*flight]bool{}}
	_ = sp.walk(tmpDir, func(key string, isDir bool) (bool, error) {
		if !isDir {
			_ = sp.remove(key)
		}
		return false, nil
	})
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
	for _, dir := range []string{tmpDir, chunkDir} {
		if key == dir || strings.HasPrefix(key, dir+"/") {
			return fmt.Errorf("billystore: key %q is inside the reserved %s folder", key, dir)
		}
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

	f, err := s.sp.create(tmp)
	if err != nil {
		return store.Info{}, fmt.Errorf("billystore: create temporary file: %w", err)
	}
	commit := opts.IfAbsent || opts.IfMatch != ""
	// Without folder syncs (memfs, osfs's chroot wrapper) there are no
	// commit points to defer to: sync now, if the file can.
	n, modified, err := s.writeTemp(f, version[:], ctxReader{ctx, r}, size, commit || !s.dirSync)
	if err != nil {
		_ = s.sp.remove(tmp)
		return store.Info{}, err
	}

	if commit {
		if err := s.syncPending(); err != nil {
			_ = s.sp.remove(tmp)
			return store.Info{}, fmt.Errorf("billystore: put %q: %w", key, err)
		}
	}
	if err := s.publish(tmp, key, opts); err != nil {
		return store.Info{}, err
	}
	info := store.Info{Key: key, Size: n, ETag: etag, Modified: modified}
	if info.Modified.IsZero() { // a file without Stat (osfs's chroot wrapper)
		if fi, err := s.sp.stat(key); err == nil {
			info.Modified = fi.ModTime()
		}
	}
	if !commit {
		s.addPending([]string{path.Dir(key)}, key)
		return info, nil
	}
	// The record's name is durable once its folder and each folder above
	// it are, as far as their entries changed (made by this Put or another).
	var chain []string
	for dir := path.Dir(key); ; dir = path.Dir(dir) {
		chain = append(chain, dir)
		if dir == "." {
			break
		}
	}
	s.addPending(chain[:1])
	if err := s.syncPending(chain...); err != nil {
		return store.Info{}, fmt.Errorf("billystore: put %q: %w", key, err)
	}
	return info, nil
}

// publish renames the written temporary file to key if opts allow it,
// making key's folders as needed; on failure it removes the temporary file.
func (s *Store) publish(tmp, key string, opts store.PutOptions) error {
	unlock := s.keys.Lock(key)
	defer unlock()
	err := s.checkCondition(key, opts)
	if err == nil {
		err = s.renameInto(tmp, key)
	}
	if err != nil {
		_ = s.sp.remove(tmp)
		if !errors.Is(err, store.ErrPrecondition) {
			err = fmt.Errorf("billystore: put %q: %w", key, err)
		}
	}
	return err
}

// renameInto renames from to to, making to's folders if the rename finds
// one missing (usually they exist: a key's siblings made them); to is
// locked.
func (s *Store) renameInto(from, to string) error {
	for try := 1; ; try++ {
		err := s.sp.rename(from, to)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || try == renameTries {
			return err
		}
		if _, serr := s.sp.stat(from); serr != nil {
			return err // the source is gone, not one of to's folders
		}
		// Make the folders; again if a Delete pruned one meanwhile.
		if err := s.mkdirAll(path.Dir(to)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
}

// mkdirAll makes dir and its missing parents, recording each changed
// folder in pending in the same step as the mkdir that changed it.
func (s *Store) mkdirAll(dir string) error {
	if dir == "." {
		return nil
	}
	return s.sp.mkdirAll(dir, func(parents []string, mkdir func() error) error {
		s.mkdirs.RLock()
		defer s.mkdirs.RUnlock()
		err := mkdir()
		s.addPending(parents) // even on failure: some may have been made
		return err
	})
}

// addPending records folders whose entries changed and, if given, keys
// whose data is not yet fsynced, for the next commit point.
func (s *Store) addPending(dirs []string, files ...string) {
	if !s.dirSync {
		return
	}
	s.pmu.Lock()
	for _, d := range dirs {
		s.pending[d] = true
	}
	for _, f := range files {
		s.pendingFiles[f] = true
	}
	s.pmu.Unlock()
}

// syncPending fsyncs the objects written and the folders changed since the
// last commit point, objects first, and waits for the syncs other commit
// points had under way (they may have taken what this one needs); on
// failure what it took stays pending. Given folders, it does so only for
// them: a commit point's own folders, after its rename.
func (s *Store) syncPending(only ...string) error {
	if !s.dirSync {
		return nil
	}
	s.mkdirs.Lock() // every folder made so far is in pending
	s.pmu.Lock()
	s.mkdirs.Unlock()
	var dirs, files []string
	if only == nil {
		dirs = slices.Collect(maps.Keys(s.pending))
		files = slices.Collect(maps.Keys(s.pendingFiles))
		clear(s.pending)
		clear(s.pendingFiles)
	} else {
		for _, d := range only {
			if s.pending[d] {
				dirs = append(dirs, d)
				delete(s.pending, d)
			}
		}
	}
	var others []*flight
	for fl := range s.flights {
		if only == nil || slices.ContainsFunc(only, func(d string) bool { return fl.names[d] }) {
			others = append(others, fl)
		}
	}
	mine := &flight{done: make(chan struct{}), names: make(map[string]bool, len(dirs)+len(files))}
	for _, name := range append(dirs, files...) {
		mine.names[name] = true
	}
	s.flights[mine] = true
	s.pmu.Unlock()

	err := s.sp.syncAll(files)
	if err == nil {
		err = s.sp.syncAll(dirs)
	}
	s.pmu.Lock()
	delete(s.flights, mine)
	s.pmu.Unlock()
	if err != nil {
		s.addPending(dirs, files...)
	}
	mine.err = err
	close(mine.done)
	for _, fl := range others {
		<-fl.done
		if err == nil {
			err = fl.err
		}
	}
	return err
}

// writeTemp writes the header and the body, syncs f if durable is set (else
// the next commit point does) and closes it. It returns the body's size
// and, if f can tell, the file's modification time.
func (s *Store) writeTemp(f file, version []byte, r io.Reader, size int64, durable bool) (int64, time.Time, error) {
	defer f.Close()
	if _, err := f.Write(append([]byte(magic), version...)); err != nil {
		return 0, time.Time{}, fmt.Errorf("billystore: write: %w", err)
	}
	n, err := copyBody(f, int64(headerSize), r, size)
	if err != nil {
		return 0, time.Time{}, err
	}
	if syncer, ok := f.(interface{ Sync() error }); ok && durable {
		if err := syncer.Sync(); err != nil {
			return 0, time.Time{}, fmt.Errorf("billystore: sync: %w", err)
		}
	}
	var modified time.Time
	if st, ok := f.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil {
			modified = fi.ModTime() // a rename keeps it
		}
	}
	if err := f.Close(); err != nil {
		return 0, time.Time{}, fmt.Errorf("billystore: close: %w", err)
	}
	return n, modified, nil
}

// copyBody copies size bytes of r (-1: until EOF) to the file f, whose
// next write lands at offset off, starting their writeback as it goes.
func copyBody(f io.Writer, off int64, r io.Reader, size int64) (n int64, err error) {
	wb := newWriteBehind(f, off, newWriteback(f))
	defer wb.stop()
	if size < 0 {
		return io.Copy(wb, r)
	}
	// io.CopyN's 32 KiB steps cost a read and a write system call each
	// (8,400 of each for a 256 MiB piece): copy in 1 MiB steps.
	buf := copyBuffers.Get().(*[]byte)
	n, err = io.CopyBuffer(wb, struct{ io.Reader }{io.LimitReader(r, size)}, *buf)
	copyBuffers.Put(buf)
	if err == nil && n < size {
		err = fmt.Errorf("billystore: body ended after %d of %d bytes", n, size)
	}
	return n, err
}

// copyBuffers are copyBody's 1 MiB buffers.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// checkCondition runs with key locked.
func (s *Store) checkCondition(key string, opts store.PutOptions) error {
	switch {
	case opts.IfAbsent:
		if _, err := s.sp.stat(key); err == nil {
			return store.ErrPrecondition
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("billystore: stat %q: %w", key, err)
		}
	case opts.IfMatch != "":
		info, err := s.stat(key)
		if errors.Is(err, store.ErrNotFound) || err == nil && info.ETag != opts.IfMatch {
			return store.ErrPrecondition
		}
		return err
	}
	return nil
}

// openObject opens key's file and checks its header.
func (s *Store) openObject(key string) (file, store.Info, error) {
	if err := checkKey(key); err != nil {
		return nil, store.Info{}, err
	}
	f, fi, err := s.sp.open(key)
	if errors.Is(err, fs.ErrNotExist) || err == nil && fi.IsDir() {
		return nil, store.Info{}, store.ErrNotFound
	}
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

func (s *Store) stat(key string) (store.Info, error) {
	f, info, err := s.openObject(key)
	if err != nil {
		return store.Info{}, err
	}
	f.Close()
	return info, nil
}

// blob reads an object's body, after the header.
type blob struct {
	*io.SectionReader
	f file
}

func (b blob) Close() error { return b.f.Close() }

// Open implements store.Store.
func (s *Store) Open(ctx context.Context, key string) (store.Blob, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, info, err := s.openObject(key)
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
	return s.stat(key)
}

// List implements store.Store. It walks the folders that can hold keys
// with prefix, sorts the keys (folder walk order is not key order: "a.c"
// sorts before "a/b") and returns the page after cursor.
func (s *Store) List(ctx context.Context, prefix, cursor string, limit int) ([]store.Info, string, error) {
	if limit <= 0 {
		limit = 1000
	}
	var keys []string
	start := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = prefix[:i]
	}
	err := s.sp.walk(start, func(key string, isDir bool) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		switch {
		case key == tmpDir || key == chunkDir:
		case isDir:
			return strings.HasPrefix(key+"/", prefix) || strings.HasPrefix(prefix, key+"/"), nil
		case strings.HasPrefix(key, prefix) && key > cursor:
			keys = append(keys, key)
		}
		return false, nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("billystore: list %q: %w", prefix, err)
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

// Move implements store.Mover with a rename, so a blob received under a
// temporary key reaches its content-addressed key without a copy.
func (s *Store) Move(ctx context.Context, from, to string) error {
	if err := checkKey(to); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.move(from, to); err != nil {
		return err
	}
	s.sp.prune(path.Dir(from))
	return nil
}

// move renames from to to with both locked, and leaves to's data and
// folder pending (from's data may have been taken by a commit point that
// will find it gone).
func (s *Store) move(from, to string) error {
	unlock := s.keys.Lock(from, to)
	defer unlock()
	f, _, err := s.openObject(from)
	if err != nil {
		return err
	}
	f.Close()
	if err := s.renameInto(from, to); err != nil {
		return fmt.Errorf("billystore: move %q to %q: %w", from, to, err)
	}
	s.pmu.Lock()
	delete(s.pendingFiles, from)
	s.pmu.Unlock()
	s.addPending([]string{path.Dir(to)}, to)
	return nil
}

// Delete implements store.Store, and removes folders it leaves empty so a
// deleted staging area leaves no trace on disk.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := checkKey(key); err != nil {
			return err
		}
		removed, err := s.remove(key)
		if err != nil {
			return fmt.Errorf("billystore: delete %q: %w", key, err)
		}
		if removed {
			s.sp.prune(path.Dir(key))
		}
	}
	return nil
}

// remove removes key's object, if there is one, with key locked.
func (s *Store) remove(key string) (bool, error) {
	unlock := s.keys.Lock(key)
	defer unlock()
	s.pmu.Lock()
	delete(s.pendingFiles, key)
	s.pmu.Unlock()
	fi, err := s.sp.stat(key)
	if errors.Is(err, fs.ErrNotExist) || err == nil && fi.IsDir() {
		return false, nil
	}
	if err == nil {
		err = s.sp.remove(key)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}
