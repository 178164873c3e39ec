// Package uploads is oxdrop's resumable, deduplicated upload of a
// repository in three steps (docs/uploads.md): a plan holds the name and
// says which blobs the server lacks; each missing blob arrives in pieces
// over many requests (the tus protocol, spoken by server/api) and is
// verified against its announced hash when complete; a commit makes the
// repository from the blobs (a repobuild.Creation, given a Session). It
// knows nothing of HTTP: failures are *repobuild.Error values (Kind and a
// message for the client) or the store's errors.
//
// All state is in the store, so an upload survives a restart of the
// server and works the same on Workers, where requests may land in
// different isolates. The one thing kept in memory is an optimisation: the
// hash of a blob being received (live.go), so a blob whose pieces all
// reach one process is verified without reading it again.
//
// Layout in the store:
//
//	uploads/<id>                  the upload: name, expiry, each blob's planned size
//	holds/<namespace>/<name>      the hold on a name: which upload, until when
//	tus/<id>/<hash>               a blob of the upload being received: pieces so far
//	blobs/<h[:2]>/<h[2:]>/index   a stored, verified blob: its key and summary (the pool)
//	blobs/<h[:2]>/<h[2:]>/<id>.<n>  its bytes, as upload <id> sent them (the n-th creation of it)
//
// A blob becomes part of the pool when its index is written (put-if-absent:
// the first verified copy wins, a later one is deleted), and stays there:
// a repository's tree records name its key, and nothing deletes it.
package uploads

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/oxdrop/oxdrop/core/describe"
	"github.com/oxdrop/oxdrop/core/oxhash"
	"github.com/oxdrop/oxdrop/server/internal/keylock"
	"github.com/oxdrop/oxdrop/server/repobuild"
	"github.com/oxdrop/oxdrop/server/store"
)

// Defaults for zero Config fields.
const (
	DefaultTTL = 24 * time.Hour
	// DefaultMaxChunkBytes: well under Cloudflare's 100 MB request cap, and
	// at most one such piece per file is sent again after a cut.
	DefaultMaxChunkBytes = 64 << 20
	// maxRecordBytes bounds an upload's record (32 hex + a size per blob:
	// about 60 bytes each, 10,000 blobs in 600 KB).
	maxRecordBytes = 64 << 20
	// maxSmallBytes bounds the small objects (states, holds, indexes).
	maxSmallBytes = 1 << 20
)

// Config configures a Manager. Store and Builds are required.
type Config struct {
	Store  store.Store
	Builds *repobuild.Builder
	// TTL is how long an upload and its hold on a name live.
	TTL time.Duration
	// MaxFiles caps a plan's files; MaxFileBytes one file (0: no cap).
	MaxFiles     int
	MaxFileBytes int64
	// MaxChunkBytes caps a piece (one request's body).
	MaxChunkBytes int64
	// NoDedup: the plan reports every blob missing, and a commit may use
	// only blobs sent in its own upload (docs/uploads.md, Deduplication).
	NoDedup bool
	Now     func() time.Time
	Logger  *slog.Logger
}

// Manager runs uploads over a store.
type Manager struct {
	cfg    Config
	st     store.Store
	chunks store.Chunked
	log    *slog.Logger
	live   *liveHashes
	locks  keylock.Locks // serializes the requests of one blob within a process; across processes its state's IfMatch settles it
	// records caches upload records by id (they never change once written):
	// a blob's creation request needs its planned size without decoding the
	// whole record each time.
	mu        sync.Mutex
	records   map[string]*record
	lastSweep time.Time
}

// New returns a Manager.
func New(cfg Config) *Manager {
	if cfg.Store == nil || cfg.Builds == nil {
		panic("uploads: Config.Store and Config.Builds are required")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.MaxFiles <= 0 {
		cfg.MaxFiles = repobuild.DefaultMaxFiles
	}
	if cfg.MaxFileBytes <= 0 {
		cfg.MaxFileBytes = 1<<63 - 1
	}
	if cfg.MaxChunkBytes <= 0 {
		cfg.MaxChunkBytes = DefaultMaxChunkBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Manager{
		cfg: cfg, st: cfg.Store, chunks: store.Chunks(cfg.Store), log: cfg.Logger,
		live: newLiveHashes(64), records: map[string]*record{},
	}
}

// MaxChunkBytes is the largest piece a request may carry.
func (m *Manager) MaxChunkBytes() int64 { return m.cfg.MaxChunkBytes }

// MinChunkBytes is the smallest piece but a blob's last (the store's rule).
func (m *Manager) MinChunkBytes() int64 { return m.chunks.ChunkRules().MinSize }

// MaxFileBytes is the largest blob.
func (m *Manager) MaxFileBytes() int64 { return m.cfg.MaxFileBytes }

func errorf(kind repobuild.Kind, format string, args ...any) error {
	return &repobuild.Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// record is uploads/<id>.
type record struct {
	ID        string           `json:"id"`
	Namespace string           `json:"namespace"`
	Name      string           `json:"name"`
	Created   time.Time        `json:"created"`
	Expires   time.Time        `json:"expires_at"`
	Digest    string           `json:"digest"` // of the plan: the same plan again resumes this upload
	Blobs     map[string]int64 `json:"blobs"`  // planned size of each distinct hash
}

// hold is holds/<namespace>/<name>.
type hold struct {
	Upload  string    `json:"upload"`
	Digest  string    `json:"digest"`
	Expires time.Time `json:"expires_at"`
}

// blobState is tus/<id>/<hash>: a blob of the upload being received.
type blobState struct {
	// Key is where the blob's bytes go: a key of its own for each creation
	// of the blob, so a blob sent again never lands on a copy the pool
	// already uses.
	Key      string           `json:"key"`
	Length   int64            `json:"length"`
	Offset   int64            `json:"offset"`
	Handle   string           `json:"handle,omitempty"` // the store's chunked write
	Parts    []store.ChunkRef `json:"parts,omitempty"`
	Complete bool             `json:"complete,omitempty"`
	Expires  time.Time        `json:"expires_at"`
}

// index is blobs/<h[:2]>/<h[2:]>/index: a verified blob of the pool.
type index struct {
	Key     string           `json:"key"`
	Summary describe.Summary `json:"summary"`
}

func recordKey(id string) string            { return "uploads/" + id }
func holdKey(namespace, name string) string { return "holds/" + namespace + "/" + name }
func stateKey(id, hash string) string       { return "tus/" + id + "/" + hash }
func blobDir(hash string) string            { return "blobs/" + hash[:2] + "/" + hash[2:] }
func indexKey(hash string) string           { return blobDir(hash) + "/index" }

// dataKey is a new key for the bytes of blob hash sent by upload id,
// unique among the creations of one blob.
func dataKey(hash, id string) (string, error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	return blobDir(hash) + "/" + id + "." + hex.EncodeToString(rnd[:]), nil
}

// newID is 16 hex digits of the time (ids sort by age) and 16 random.
func newID(now time.Time) (string, error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	return fmt.Sprintf("%016x%s", now.UnixNano(), hex.EncodeToString(rnd[:])), nil
}

// ValidID reports whether id has the form of an upload id (32 lowercase
// hex digits), so it can go into a store key.
func ValidID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// CheckHash accepts an Oxen content hash as the app and oxdrop inspect
// write it: lowercase hex without leading zeros (so one blob has one key).
func CheckHash(h string) error {
	v, err := oxhash.ParseHex(h)
	if err != nil || oxhash.Hex(v) != h {
		return fmt.Errorf("%q is not an Oxen content hash: want XXH3-128 in lowercase hex without leading zeros, as oxdrop inspect prints it", h)
	}
	if len(h) < 3 {
		return fmt.Errorf("%q is not an Oxen content hash: too short to be a real one", h)
	}
	return nil
}

// readJSON reads the small JSON object at key into v and returns its ETag.
func readJSON(ctx context.Context, st store.Store, key string, limit int64, v any) (string, error) {
	b, err := st.Open(ctx, key)
	if err != nil {
		return "", err
	}
	defer b.Close()
	info, statErr := st.Stat(ctx, key) // the ETag of what is read (a replace in between fails the IfMatch that uses it)
	raw, err := io.ReadAll(io.LimitReader(b, limit+1))
	if err != nil {
		return "", err
	}
	if int64(len(raw)) > limit {
		return "", fmt.Errorf("uploads: %s is over %d bytes", key, limit)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return "", fmt.Errorf("uploads: %s: %w", key, err)
	}
	if statErr != nil {
		return "", statErr
	}
	return info.ETag, nil
}

// putJSON writes v at key.
func (m *Manager) putJSON(ctx context.Context, key string, v any, opts store.PutOptions) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = m.st.Put(ctx, key, strings.NewReader(string(b)), int64(len(b)), opts)
	return err
}

// loadRecord reads upload id's record (cached), NotFound when it is gone
// or expired.
func (m *Manager) loadRecord(ctx context.Context, id string) (*record, error) {
	if !ValidID(id) {
		return nil, errorf(repobuild.NotFound, "No upload %q: an upload id is 32 hex digits", id)
	}
	m.mu.Lock()
	rec := m.records[id]
	m.mu.Unlock()
	if rec != nil {
		// Cached, but maybe cancelled elsewhere (another isolate): a Stat
		// is far cheaper than decoding the record again.
		if _, err := m.st.Stat(ctx, recordKey(id)); err != nil {
			m.forget(id)
			if errors.Is(err, store.ErrNotFound) {
				return nil, gone(id)
			}
			return nil, err
		}
	} else {
		rec = &record{}
		if _, err := readJSON(ctx, m.st, recordKey(id), maxRecordBytes, rec); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, gone(id)
			}
			return nil, err
		}
		m.mu.Lock()
		if len(m.records) >= 256 {
			clear(m.records)
		}
		m.records[id] = rec
		m.mu.Unlock()
	}
	if !m.cfg.Now().Before(rec.Expires) {
		return nil, errorf(repobuild.NotFound, "Upload %s expired at %s: plan it again", id, rec.Expires.UTC().Format(time.RFC3339))
	}
	return rec, nil
}

func gone(id string) error {
	return errorf(repobuild.NotFound, "No upload %s: it was committed, cancelled or has expired", id)
}

func (m *Manager) forget(id string) {
	m.mu.Lock()
	delete(m.records, id)
	m.mu.Unlock()
}
