// Package store is oxdrop's narrow object-store interface: the only way the
// API layer touches storage. A go-billy implementation serves the native
// server (osfs under -data, memfs in tests); an R2 implementation serves the
// Cloudflare Workers build. Everything above this interface is the same for
// both, so a backend must give exactly these guarantees and no more is used.
package store

import (
	"context"
	"errors"
	"io"
	"time"
)

var (
	// ErrNotFound: no object at that key.
	ErrNotFound = errors.New("store: object not found")
	// ErrPrecondition: a conditional Put lost (the key exists for IfAbsent,
	// or its ETag differs from IfMatch).
	ErrPrecondition = errors.New("store: precondition failed")
)

// Info describes a stored object.
type Info struct {
	Key      string
	Size     int64
	ETag     string // opaque; changes whenever the object's content changes
	Modified time.Time
}

// PutOptions makes a Put conditional. At most one of the two is set.
type PutOptions struct {
	// IfAbsent: succeed only if no object exists at the key (atomic against
	// concurrent Puts of the same key; exactly one wins).
	IfAbsent bool
	// IfMatch: succeed only if the current object's ETag equals this.
	IfMatch string
}

// Blob is an open object: random access for metadata extraction and
// sequential reads for downloads.
type Blob interface {
	io.ReaderAt
	io.Reader
	io.Closer
	Size() int64
}

// Store is a flat key space of immutable-until-replaced objects. Keys are
// slash-separated relative paths of printable UTF-8 with no "." or ".."
// segments (callers validate them before they get here).
type Store interface {
	// Put writes exactly size bytes read from r (size -1: until EOF) at key.
	// The object becomes visible whole or not at all: a reader never sees a
	// partial object, and a failed Put (read error, short body, cancelled
	// ctx) leaves the previous state untouched.
	Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (Info, error)
	// Open opens the object at key, or returns ErrNotFound.
	Open(ctx context.Context, key string) (Blob, error)
	// Stat describes the object at key, or returns ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)
	// List returns up to limit keys starting with prefix in lexical order,
	// after cursor ("" for the first page), and the cursor of the next page
	// ("" when done).
	List(ctx context.Context, prefix, cursor string, limit int) (keys []Info, next string, err error)
	// Delete removes the objects; missing keys are not an error.
	Delete(ctx context.Context, keys ...string) error
}

// Mover is an optional capability of a Store that can rename an object
// without copying it (a filesystem rename). Use the Move function, which
// falls back to a streaming copy and a delete for stores without it (R2).
type Mover interface {
	// Move makes the object at from appear at to (replacing any object
	// there) and removes from; ErrNotFound if from is missing.
	Move(ctx context.Context, from, to string) error
}

// Move moves the object at from to to with s's Mover if it has one, else by
// copying it (streamed, never whole in memory) and deleting from.
func Move(ctx context.Context, s Store, from, to string) error {
	if m, ok := s.(Mover); ok {
		return m.Move(ctx, from, to)
	}
	b, err := s.Open(ctx, from)
	if err != nil {
		return err
	}
	_, err = s.Put(ctx, to, b, b.Size(), PutOptions{})
	b.Close()
	if err != nil {
		return err
	}
	return s.Delete(ctx, from)
}

// Chunked is an optional capability of a Store that writes one object in
// pieces sent over many requests (resumable uploads): the pieces are
// written in order, each durable when PutChunk returns, and the object
// appears at its key, whole, only at CompleteChunks. billystore writes the
// pieces into one hidden partial file and renames it into place; R2 uses a
// multipart upload (a part per piece). Use the Chunks function, which
// falls back to an object per piece and a streamed concatenation for
// stores without it.
//
// A handle names one chunked write; it is stored by the caller between
// requests (it survives a restart of the process) and is opaque.
type Chunked interface {
	// BeginChunks starts a chunked write of key and returns its handle.
	BeginChunks(ctx context.Context, key string) (handle string, err error)
	// PutChunk writes piece number part (1, 2, ...) of exactly size bytes
	// read from r, starting at byte offset of the object (the sum of the
	// earlier pieces' sizes). Writing a part again replaces it (a retry
	// after a cut request), and discards any part after it. A piece that
	// fails to arrive whole leaves the pieces before it intact.
	PutChunk(ctx context.Context, key, handle string, part int, offset int64, r io.Reader, size int64) (ChunkRef, error)
	// CompleteChunks makes the object at key the concatenation of parts
	// (every piece, in order), replacing any object there, and ends the
	// chunked write.
	CompleteChunks(ctx context.Context, key, handle string, parts []ChunkRef) (Info, error)
	// AbortChunks discards the pieces of a chunked write; a handle already
	// completed or aborted is not an error.
	AbortChunks(ctx context.Context, key, handle string) error
	// ChunkRules are the store's limits on the size of pieces.
	ChunkRules() ChunkRules
}

// Chunks returns s's own Chunked if it has one, else a fallback that
// stores each piece as an object under the private prefix
// "chunks/<handle>/" and, at CompleteChunks, Puts their concatenation at
// key (streamed, never whole in memory) and deletes them. Its handles are
// 32 lowercase hex characters and its ChunkRules are zero.
func Chunks(s Store) Chunked {
	if c, ok := s.(Chunked); ok {
		return c
	}
	return pieces{s}
}

// ChunkRef is a piece written by PutChunk, as CompleteChunks needs it.
type ChunkRef struct {
	Part int    `json:"part"`
	Size int64  `json:"size"`
	ETag string `json:"etag,omitempty"`
}

// ChunkRules are a Chunked store's limits on pieces. R2 (as S3) needs
// every piece but the last to be of one size and at least 5 MiB.
type ChunkRules struct {
	// MinSize is the smallest piece but the last (0: any).
	MinSize int64
	// Uniform: every piece but the last has the first piece's size.
	Uniform bool
}
