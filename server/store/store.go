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
