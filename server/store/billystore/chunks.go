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
	"strings"

	"github.com/oxdrop/oxdrop/server/store"
)

// A chunked write (store.Chunked) fills one partial file,
// .oxdrop-chunks/<handle>, laid out like an object (header, then body), so
// CompleteChunks publishes it with a rename like a Put. The handle is 32
// random lowercase hex characters; nothing else is accepted, so a handle
// never names a file outside that folder. New keeps the folder (unlike
// .oxdrop-tmp): a chunked write outlives the process, and its owner
// aborts it when it gives up on it.
//
// Durability: BeginChunks returns once the partial file and its name are
// on disk, PutChunk once its piece is (fsync). CompleteChunks is like an
// unconditional Put: visible at once, its name durable at the next commit
// point (the data is already).

var _ store.Chunked = (*Store)(nil)

// partFile is an open partial file, written in place.
type partFile interface {
	io.WriteSeeker
	io.Closer
	Truncate(size int64) error
}

// chunkSpace is what chunked writes need of a space besides space itself.
type chunkSpace interface {
	// openInPlace opens the existing file name for writing anywhere in it.
	openInPlace(name string) (partFile, error)
}

var (
	_ chunkSpace = (*billySpace)(nil)
	_ chunkSpace = (*rootSpace)(nil)
)

func (b *billySpace) openInPlace(name string) (partFile, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fs.OpenFile(name, os.O_RDWR, 0)
}

func (r *rootSpace) openInPlace(name string) (partFile, error) {
	return r.root.OpenFile(name, os.O_RDWR, 0)
}

// partialName is the partial file of handle, or an error if handle is not
// one BeginChunks makes.
func partialName(handle string) (string, error) {
	if len(handle) != 32 || strings.Trim(handle, "0123456789abcdef") != "" {
		return "", fmt.Errorf("billystore: invalid chunked-write handle %q", handle)
	}
	return path.Join(chunkDir, handle), nil
}

// noWrite is the error for a handle with no partial file: never begun,
// completed or aborted.
func noWrite(handle string) error {
	return fmt.Errorf("billystore: no chunked write %s: %w", handle, store.ErrNotFound)
}

// BeginChunks implements store.Chunked: it creates the partial file with
// the object header (its version is the finished object's ETag) and makes
// it durable, name included.
func (s *Store) BeginChunks(ctx context.Context, key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var id [32]byte // the handle, then the version
	if _, err := rand.Read(id[:]); err != nil {
		return "", err
	}
	handle := hex.EncodeToString(id[:16])
	name := path.Join(chunkDir, handle)
	if err := s.mkdirAll(chunkDir); err != nil {
		return "", fmt.Errorf("billystore: begin chunks of %q: %w", key, err)
	}
	f, err := s.sp.create(name)
	if err != nil {
		return "", fmt.Errorf("billystore: begin chunks of %q: %w", key, err)
	}
	if _, _, err := s.writeTemp(f, id[16:], strings.NewReader(""), 0, true); err != nil {
		_ = s.sp.remove(name)
		return "", err
	}
	s.addPending([]string{chunkDir})
	if err := s.syncPending(chunkDir, "."); err != nil {
		_ = s.sp.remove(name)
		return "", fmt.Errorf("billystore: begin chunks of %q: %w", key, err)
	}
	return handle, nil
}

// PutChunk implements store.Chunked: it writes the piece in place after
// the earlier ones, cuts what lay after it (a longer earlier attempt) and
// fsyncs. A piece that fails is cut off again, leaving the earlier pieces.
func (s *Store) PutChunk(ctx context.Context, key, handle string, part int, offset int64, r io.Reader, size int64) (store.ChunkRef, error) {
	name, err := partialName(handle)
	if err != nil {
		return store.ChunkRef{}, err
	}
	if part < 1 || offset < 0 || size < 0 {
		return store.ChunkRef{}, fmt.Errorf("billystore: invalid piece %d (offset %d, %d bytes)", part, offset, size)
	}
	if err := ctx.Err(); err != nil {
		return store.ChunkRef{}, err
	}
	unlock := s.keys.Lock(name)
	defer unlock()
	f, err := s.sp.(chunkSpace).openInPlace(name)
	if errors.Is(err, fs.ErrNotExist) {
		return store.ChunkRef{}, noWrite(handle)
	}
	if err != nil {
		return store.ChunkRef{}, fmt.Errorf("billystore: open chunked write %s: %w", handle, err)
	}
	start := int64(headerSize) + offset
	have, err := f.Seek(0, io.SeekEnd)
	if err == nil && have < start {
		err = fmt.Errorf("holds %d bytes, fewer than the %d before piece %d", have-int64(headerSize), offset, part)
	}
	if err == nil {
		_, err = f.Seek(start, io.SeekStart)
	}
	if err == nil {
		_, err = copyBody(f, start, ctxReader{ctx, r}, size)
	}
	if err == nil {
		err = f.Truncate(start + size)
	}
	if syncer, ok := f.(interface{ Sync() error }); ok && err == nil {
		err = syncer.Sync()
		// The piece is on disk: drop it from the page cache, as a Put's
		// write-behind does, so the next piece reuses pages instead of
		// faulting in fresh ones (copying into fresh pages cost 0.6 s a GiB
		// with 16 MiB pieces). Only an optimisation: errors are ignored.
		if wb := newWriteback(f); wb != nil && err == nil {
			_ = wb.retire(start, size)
		}
	}
	if err != nil && have >= start {
		_ = f.Truncate(start)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return store.ChunkRef{}, fmt.Errorf("billystore: piece %d of chunked write %s: %w", part, handle, err)
	}
	return store.ChunkRef{Part: part, Size: size}, nil
}

// CompleteChunks implements store.Chunked: once the partial file holds
// exactly the pieces of parts, it is renamed to key. On failure it stays,
// so the write can be completed again or aborted.
func (s *Store) CompleteChunks(ctx context.Context, key, handle string, parts []store.ChunkRef) (store.Info, error) {
	name, err := partialName(handle)
	if err != nil {
		return store.Info{}, err
	}
	if err := checkKey(key); err != nil {
		return store.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Info{}, err
	}
	var want int64
	for _, p := range parts {
		want += p.Size
	}
	unlock := s.keys.Lock(name, key)
	defer unlock()
	fi, err := s.sp.stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return store.Info{}, noWrite(handle)
	}
	if err != nil {
		return store.Info{}, fmt.Errorf("billystore: complete chunked write %s: %w", handle, err)
	}
	if got := fi.Size() - int64(headerSize); got != want {
		return store.Info{}, fmt.Errorf("billystore: chunked write %s holds %d bytes but its %d parts add up to %d", handle, got, len(parts), want)
	}
	if err := s.renameInto(name, key); err != nil {
		return store.Info{}, fmt.Errorf("billystore: complete chunked write %s as %q: %w", handle, key, err)
	}
	s.addPending([]string{path.Dir(key), chunkDir})
	return s.stat(key)
}

// AbortChunks implements store.Chunked by removing the partial file.
func (s *Store) AbortChunks(ctx context.Context, key, handle string) error {
	name, err := partialName(handle)
	if err != nil {
		return err
	}
	unlock := s.keys.Lock(name)
	defer unlock()
	if err := s.sp.remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("billystore: abort chunked write %s: %w", handle, err)
	}
	return nil
}

// ChunkRules implements store.Chunked: pieces of any size.
func (s *Store) ChunkRules() store.ChunkRules { return store.ChunkRules{} }
