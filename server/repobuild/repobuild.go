// Package repobuild builds oxdrop's repositories in an object store and reads
// them back: a Creation stores files while describing them, spools their
// metadata entries and publishes the repository in one atomic step; a Repo
// is a published repository, its entries streamed and its files opened; the
// sweep removes what a crash left. It knows the storage layout (layout.go)
// and nothing of HTTP: its failures are *Error values with a Kind (the
// client's input was invalid, too large, a name is taken, ...) and a message
// safe to show, a *FileError when reading a file's bytes failed, or plain
// errors of the store (the server's problem). server/api maps them to
// answers.
//
// It imports nothing that does not build for js/wasm: the same code runs
// in oxdrop serve and on Cloudflare Workers.
package repobuild

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/oxdrop/oxdrop/server/store"
)

// Defaults for zero Config fields.
const (
	DefaultMaxFiles   = 10_000
	DefaultStagingTTL = 2 * time.Hour
	// DefaultEntryChunkBytes is when an entries chunk is written out.
	DefaultEntryChunkBytes = 1 << 20
	// DefaultOverlapBytes is the write size from which a file's bytes are
	// hashed while the store writes them (below it, starting a goroutine
	// costs more than it saves).
	DefaultOverlapBytes = 256 << 10
)

// Config configures a Builder. Only Store is required.
type Config struct {
	Store store.Store
	// MaxFiles caps the files of one creation (0: DefaultMaxFiles);
	// MaxFileBytes one file (0: no cap).
	MaxFiles     int
	MaxFileBytes int64
	// StagingTTL is how long a creation may take; staging data older than
	// it (plus a margin) is swept as garbage (0: DefaultStagingTTL).
	StagingTTL time.Duration
	// EntryChunkBytes is when a chunk of metadata entries is written out; a
	// single entry larger than it (a wide table's schema) makes a chunk of
	// its own (0: DefaultEntryChunkBytes; tests make it small to get many
	// chunks from a few files).
	EntryChunkBytes int
	// OverlapBytes: a write of at least this many bytes is hashed while the
	// store writes it (0: DefaultOverlapBytes; negative: never, which
	// benchmarks compare).
	OverlapBytes int
	Now          func() time.Time
	Logger       *slog.Logger
}

// Builder creates repositories in its store and opens published ones. It
// keeps no state between calls: races are settled by the store.
type Builder struct {
	cfg Config
	st  store.Store
	log *slog.Logger
}

// New returns a Builder.
func New(cfg Config) *Builder {
	if cfg.Store == nil {
		panic("repobuild: Config.Store is nil")
	}
	if cfg.MaxFiles <= 0 {
		cfg.MaxFiles = DefaultMaxFiles
	}
	if cfg.MaxFileBytes <= 0 {
		cfg.MaxFileBytes = math.MaxInt64
	}
	if cfg.StagingTTL <= 0 {
		cfg.StagingTTL = DefaultStagingTTL
	}
	if cfg.EntryChunkBytes <= 0 {
		cfg.EntryChunkBytes = DefaultEntryChunkBytes
	}
	switch {
	case cfg.OverlapBytes == 0:
		cfg.OverlapBytes = DefaultOverlapBytes
	case cfg.OverlapBytes < 0:
		cfg.OverlapBytes = math.MaxInt
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Builder{cfg: cfg, st: cfg.Store, log: cfg.Logger}
}

// Kind is what went wrong, as the client should hear it.
type Kind uint8

const (
	// Invalid: the input breaks a rule (a path, a duplicate, a hash that
	// differs from the announced one, a missing author).
	Invalid Kind = iota + 1
	// TooLarge: a file, a file count or a file's description is over a limit.
	TooLarge
	// Conflict: the repository's name is taken.
	Conflict
	// Timeout: the creation took longer than the staging TTL.
	Timeout
	// NotFound: no such repository or file.
	NotFound
)

// Error is a failure caused by the input, with a message for the client:
// what the API answers, so some name the multipart fields that set what is
// missing or repeated (new_repo, name, email, manifest).
type Error struct {
	Kind Kind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

func errorf(kind Kind, format string, args ...any) *Error {
	return &Error{kind, fmt.Sprintf(format, args...)}
}

// ErrExists is the Conflict of a name already taken.
var ErrExists = &Error{Conflict, "Repo already exists."}

// FileError is a failure to read or store a file's bytes (AddFile): Err is
// the reader's error (a body cut or stalled, a deadline, a cancelled
// request) or the store's, for the caller to tell apart.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("file %q: %v", e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// detached keeps a context's values but not its cancellation, for cleanup
// after the client has gone.
func detached(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
