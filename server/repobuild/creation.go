package repobuild

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/oxdrop/oxdrop/core/describe"
	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/oxhash"
	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/oxdrop/oxdrop/server/store"
)

// Creation builds one repository under its staging data prefix (see the
// layout comment): files are added, then Publish makes the repository
// visible in one step, or Abort deletes all that was written. A failed
// method leaves the creation to be aborted. Not safe for concurrent use
// (one per request).
type Creation struct {
	b        *Builder
	ctx      context.Context
	id       string
	data     string
	started  time.Time
	written  []string // every key written, for abort
	nfiles   int
	hashes   map[string]string // content hash of each file received, by path
	entries  entrySpool
	pathset  repo.PathSet      // the paths so far, checked as the page checks them
	stored   map[string]bool   // content hashes stored under versions/
	manifest map[string]string // nil until SetManifest
	uploads  int
	analyzer *describe.Analyzer
	win      windows // the head and tail of the file being added (windows.go)
	reopened int     // files whose describers had to read the stored blob again
	blobKey  string  // set by AddBlob for record: where the file's bytes are
	lastInfo model.FileInfo

	namespace, name string
	author, email   string
	haveAuthor      bool
	haveEmail       bool
}

// Begin starts a creation: it writes the staging marker. The creation's
// store calls use ctx; Abort's use it without its cancellation.
func (b *Builder) Begin(ctx context.Context) (*Creation, error) {
	now := b.cfg.Now()
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	id := fmt.Sprintf("%016x%s", now.UnixNano(), hex.EncodeToString(rnd[:]))
	c := &Creation{
		b: b, ctx: ctx, id: id, data: dataPrefix + id, started: now,
		hashes: map[string]string{}, stored: map[string]bool{},
		analyzer: describe.NewAnalyzer(),
	}
	// IfAbsent (the id is unique, so it always holds) makes this Put a
	// commit point for stores that sync at those (billystore): the marker
	// is durable before any of the creation's data, so after a power cut
	// the sweep still finds what to delete.
	if err := c.putJSON(markerKey(id), marker{Started: now.UTC().Format(time.RFC3339Nano)}, store.PutOptions{IfAbsent: true}); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Creation) putJSON(key string, v any, opts store.PutOptions) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.written = append(c.written, key)
	_, err = c.b.st.Put(c.ctx, key, bytes.NewReader(b), int64(len(b)), opts)
	return err
}

// Abort deletes everything the creation wrote, even if its context is
// cancelled (client gone). What it cannot delete, the sweep will.
func (c *Creation) Abort() {
	ctx := detached(c.ctx)
	for i := 0; i < len(c.written); i += 1000 {
		keys := c.written[i:min(i+1000, len(c.written))]
		if err := c.b.st.Delete(ctx, keys...); err != nil {
			c.b.log.Error("abort: delete staging data", "id", c.id, "err", err)
			return // the sweep will finish the job
		}
	}
}

// SetRepo names the repository, once. Whether the name is free is decided
// by Publish; Builder.CheckAbsent answers early.
func (c *Creation) SetRepo(namespace, name string) error {
	if c.namespace != "" {
		return errorf(Invalid, "More than one new_repo part")
	}
	// Oxen checks the name first, then the namespace.
	for _, s := range []string{name, namespace} {
		if err := repo.ValidateName(s); err != nil {
			return errorf(Invalid, "%s", err)
		}
	}
	c.namespace, c.name = namespace, name
	return nil
}

// SetAuthor sets the commit's author and email (checked by Publish).
func (c *Creation) SetAuthor(name, email string) {
	c.SetAuthorName(name)
	c.SetAuthorEmail(email)
}

// SetAuthorName sets the commit's author; a creation with files needs it.
func (c *Creation) SetAuthorName(name string) { c.author, c.haveAuthor = name, true }

// SetAuthorEmail sets the author's email; a creation with files needs it.
func (c *Creation) SetAuthorEmail(email string) { c.email, c.haveEmail = email, true }

// Has reports whether a file of path p was added.
func (c *Creation) Has(p string) bool {
	_, ok := c.hashes[p]
	return ok
}

// Manifest is what SetManifest set, or nil.
func (c *Creation) Manifest() map[string]string { return c.manifest }

// checkPath validates a file path and its place among the others, with
// the rules the page applies too (repo.PathSet).
func (c *Creation) checkPath(p string) error {
	if c.nfiles >= c.b.cfg.MaxFiles {
		return errorf(TooLarge, "Too many files: the limit is %d per repository", c.b.cfg.MaxFiles)
	}
	if err := c.pathset.Add(p); err != nil {
		return errorf(Invalid, "%s", err)
	}
	return nil
}

// errFileTooLarge is returned by limitTee when a file passes MaxFileBytes.
type errFileTooLarge struct{ limit int64 }

func (e errFileTooLarge) Error() string {
	return fmt.Sprintf("a file is over the limit of %d bytes", e.limit)
}

// limitTee passes a file's bytes to the analyzer as the store reads them,
// and stops at the per-file limit.
type limitTee struct {
	r       io.Reader
	a       io.Writer
	n       int64
	limit   int64
	overlap int // Config.OverlapBytes
}

func (t *limitTee) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		if t.n += int64(n); t.n > t.limit {
			return 0, errFileTooLarge{t.limit}
		}
		t.a.Write(p[:n])
	}
	return n, err
}

// WriteTo keeps the source's fast path (formstream hands out its buffer).
func (t *limitTee) WriteTo(w io.Writer) (int64, error) {
	wt, ok := t.r.(io.WriterTo)
	if !ok {
		return io.CopyBuffer(w, struct{ io.Reader }{t}, make([]byte, 256<<10))
	}
	return wt.WriteTo(&teeWriter{t: t, w: w})
}

type teeWriter struct {
	t    *limitTee
	w    io.Writer
	done chan struct{}
}

func (tw *teeWriter) Write(p []byte) (int, error) {
	if tw.t.n+int64(len(p)) > tw.t.limit {
		return 0, errFileTooLarge{tw.t.limit}
	}
	if len(p) >= tw.t.overlap {
		// Hash and count while the store writes the same bytes: on a
		// multi-core machine the analyzer's work then costs no wall time.
		if tw.done == nil {
			tw.done = make(chan struct{}, 1)
		}
		go func() {
			tw.t.a.Write(p)
			tw.done <- struct{}{}
		}()
		n, err := tw.w.Write(p)
		<-tw.done
		if n != len(p) && err == nil {
			err = io.ErrShortWrite
		}
		tw.t.n += int64(n)
		return n, err // on error the creation fails, so the analyzer's extra bytes never matter
	}
	n, err := tw.w.Write(p)
	tw.t.n += int64(n)
	tw.t.a.Write(p[:n])
	return n, err
}

// AddFile streams one file from body into the store while the analyzer
// hashes it, then describes it from the stored blob. With a manifest, the
// file must be listed there with its hash; a failure to read body (or to
// store what it gave) is a *FileError.
func (c *Creation) AddFile(p string, body io.Reader) error {
	if err := c.checkPath(p); err != nil {
		return err
	}
	expected, known := c.manifest[p]
	if c.manifest != nil && !known {
		return errorf(Invalid, "File %q is not listed in the manifest", p)
	}
	return c.addStream(p, body, expected, known, "the manifest")
}

// AddBlob adds a file whose bytes are a blob stored earlier at key, outside
// the creation (a blob uploaded in pieces, verified when its last piece
// arrived, and summarized then: s). Nothing is copied: the file's tree
// record points at key, and the blob is described for path p from s and
// ranged reads of its head and metadata. A key that holds nothing, or
// other than s.Size bytes, is Invalid.
func (c *Creation) AddBlob(p, key string, s describe.Summary) error {
	if err := c.checkPath(p); err != nil {
		return err
	}
	blob, err := c.b.st.Open(c.ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return errorf(Invalid, "File %q is blob %s, which the server does not hold", p, s.Hash)
	}
	if err != nil {
		return err
	}
	defer blob.Close()
	if blob.Size() != s.Size {
		return errorf(Invalid, "File %q is blob %s of %d bytes, but the server holds %d bytes for it", p, s.Hash, s.Size, blob.Size())
	}
	info, err := describe.Describe(p, s, blob)
	if err != nil {
		return describeError(p, err)
	}
	c.blobKey = key
	defer func() { c.blobKey = "" }()
	return c.record(p, info)
}

// addStream stores a file read from body and records it. When its hash is
// known (expected, as who claims), the bytes go straight to that content
// address (or, if it is stored already, are only verified) and must have
// that hash; otherwise they go under uploads/ and are moved once hashed.
func (c *Creation) addStream(p string, body io.Reader, expected string, known bool, who string) error {
	a := c.analyzer
	a.Begin(p) // the name Finish gets: lets it skip counting binary files
	c.win.reset()
	tee := &limitTee{r: body, a: io.MultiWriter(a, &c.win), limit: c.b.cfg.MaxFileBytes, overlap: c.b.cfg.OverlapBytes}
	var key string
	switch {
	case known && c.stored[expected]:
		// Same content as a file already stored: verify it, store nothing.
		if _, err := io.Copy(io.Discard, tee); err != nil {
			return fileError(p, err)
		}
		key = versionKey(c.data, expected)
	case known:
		key = versionKey(c.data, expected)
	default:
		c.uploads++
		key = fmt.Sprintf("%s/uploads/%d", c.data, c.uploads)
	}
	if !(known && c.stored[expected]) {
		c.written = append(c.written, key)
		if _, err := c.b.st.Put(c.ctx, key, tee, -1, store.PutOptions{}); err != nil {
			return fileError(p, err)
		}
	}
	// Described from the windows kept while the bytes went by; the stored
	// blob is opened only for a read outside them.
	blob := c.win.reader(func() (io.ReaderAt, io.Closer, error) {
		b, err := c.b.st.Open(c.ctx, key)
		return b, b, err
	})
	info, err := a.Finish(p, blob, tee.n)
	blob.Close()
	if blob.opened {
		c.reopened++
	}
	if err != nil {
		return describeError(p, err)
	}
	if known && info.Hash != expected {
		return errorf(Invalid, "File %q has hash %s but %s says %s", p, info.Hash, who, expected)
	}
	if !known {
		final := versionKey(c.data, info.Hash)
		if c.stored[info.Hash] {
			if err := c.b.st.Delete(c.ctx, key); err != nil {
				return err
			}
		} else {
			c.written = append(c.written, final)
			if err := store.Move(c.ctx, c.b.st, key, final); err != nil {
				return err
			}
		}
	}
	c.stored[info.Hash] = true
	return c.record(p, info)
}

// AddBytes stores one file given whole (JSON bodies); the manifest is not
// consulted.
func (c *Creation) AddBytes(p string, b []byte) error {
	if err := c.checkPath(p); err != nil {
		return err
	}
	if int64(len(b)) > c.b.cfg.MaxFileBytes {
		return errorf(TooLarge, "File %q is %d bytes, over the limit of %d bytes", p, len(b), c.b.cfg.MaxFileBytes)
	}
	a := c.analyzer
	a.Begin(p) // the name Finish gets: lets it skip counting binary files
	a.Write(b)
	info, err := a.Finish(p, bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return describeError(p, err)
	}
	if !c.stored[info.Hash] {
		key := versionKey(c.data, info.Hash)
		c.written = append(c.written, key)
		if _, err := c.b.st.Put(c.ctx, key, bytes.NewReader(b), int64(len(b)), store.PutOptions{}); err != nil {
			return err
		}
		c.stored[info.Hash] = true
	}
	return c.record(p, info)
}

// record writes the file's tree record and spools its entry; nothing of
// it stays in memory but its path and hash.
func (c *Creation) record(p string, info model.FileInfo) error {
	c.lastInfo = info
	content, err := oxhash.ParseHex(info.Hash)
	if err != nil {
		return err
	}
	combined, err := model.CombinedHash(content, info.Metadata)
	if err != nil {
		return err
	}
	small := info
	small.Metadata = nil
	if err := c.putJSON(treeKey(c.data, p), treeRecord{small, oxhash.Hex(combined), c.blobKey}, store.PutOptions{}); err != nil {
		return err
	}
	if err := c.addEntry(p, info); err != nil {
		return err
	}
	c.hashes[p] = info.Hash
	c.nfiles++
	return nil
}

// describeError maps a failure to describe a stored file: a file past the
// describers' hard caps (a table of too many columns) is the client's 413,
// anything else is ours.
func describeError(p string, err error) error {
	var le *describe.LimitError
	if errors.As(err, &le) {
		return errorf(TooLarge, "%s", le)
	}
	return fmt.Errorf("describe %q: %w", p, err)
}

// fileError is AddFile's error when reading or storing the file's bytes
// failed: past the file limit, TooLarge; else the reader's or the store's
// error with the file's path.
func fileError(p string, err error) error {
	var tooLarge errFileTooLarge
	if errors.As(err, &tooLarge) {
		return errorf(TooLarge, "File %q is over the limit of %d bytes", p, tooLarge.limit)
	}
	return &FileError{p, err}
}

// SetManifest checks the files added so far against m, the content hash
// of every file to come by path, and keeps it: AddFile then stores each
// file straight at its content address and refuses one that is not listed
// or has another hash, and Publish one that never came.
func (c *Creation) SetManifest(m map[string]string) error {
	if c.manifest != nil {
		return errorf(Invalid, "More than one manifest part")
	}
	for p, hash := range c.hashes {
		want, ok := m[p]
		if !ok {
			return errorf(Invalid, "File %q is not listed in the manifest", p)
		}
		if want != hash {
			return errorf(Invalid, "File %q has hash %s but the manifest says %s", p, hash, want)
		}
	}
	c.manifest = m
	return nil
}

// Publish writes the last entries, the commit and the ref, then the
// repository record (the one atomic step), and returns the repository. A
// creation needs a name (SetRepo) and, with files, an author
// (SetAuthorName and SetAuthorEmail); a name published meanwhile is
// ErrExists.
func (c *Creation) Publish() (*Repo, error) {
	if c.namespace == "" {
		return nil, errorf(Invalid, "Missing new_repo field: send a new_repo part with {\"namespace\": ..., \"name\": ...}")
	}
	if c.manifest != nil {
		for p := range c.manifest {
			if _, ok := c.hashes[p]; !ok {
				return nil, errorf(Invalid, "The manifest lists %q but no file part has that path", p)
			}
		}
	}
	rec := &record{Namespace: c.namespace, Name: c.name, Data: c.data, EntryChunks: new(int)}
	if c.nfiles > 0 {
		if !c.haveAuthor {
			return nil, errorf(Invalid, "Name is required: send a name part (the commit author) with the files")
		}
		if !c.haveEmail {
			return nil, errorf(Invalid, "Email is required: send an email part (the commit author's email) with the files")
		}
		if err := repo.ValidateAuthor(c.author, c.email); err != nil {
			return nil, errorf(Invalid, "%s", err)
		}
		if err := c.flushEntries(); err != nil {
			return nil, err
		}
		*rec.EntryChunks = c.entries.chunks
		commit := repo.NewCommit(c.author, c.email, c.b.cfg.Now())
		rec.LatestCommit = &commit
		if err := c.putJSON(c.data+"/commits/"+commit.ID, commit, store.PutOptions{}); err != nil {
			return nil, err
		}
		key := c.data + "/refs/heads/main"
		c.written = append(c.written, key)
		if _, err := c.b.st.Put(c.ctx, key, strings.NewReader(commit.ID), int64(len(commit.ID)), store.PutOptions{}); err != nil {
			return nil, err
		}
	}
	if age := c.b.cfg.Now().Sub(c.started); age > c.b.cfg.StagingTTL {
		return nil, errorf(Timeout, "The upload took %s, longer than the %s a creation may take", age.Round(time.Second), c.b.cfg.StagingTTL)
	}
	m := marker{Started: c.started.UTC().Format(time.RFC3339Nano), Namespace: c.namespace, Name: c.name}
	if err := c.putJSON(markerKey(c.id), m, store.PutOptions{}); err != nil {
		return nil, err
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	_, err = c.b.st.Put(c.ctx, recordKey(c.namespace, c.name), bytes.NewReader(b), int64(len(b)), store.PutOptions{IfAbsent: true})
	if errors.Is(err, store.ErrPrecondition) {
		return nil, ErrExists
	}
	if err != nil {
		return nil, err
	}
	// Published: the marker is no longer needed (the sweep would keep a
	// published creation anyway, so a failure here is harmless).
	if err := c.b.st.Delete(detached(c.ctx), markerKey(c.id)); err != nil {
		c.b.log.Warn("delete staging marker", "id", c.id, "err", err)
	}
	return c.b.repo(rec), nil
}

// CheckAbsent is the cheap early Conflict: ErrExists if a repository of
// that name is published (Publish decides for good).
func (b *Builder) CheckAbsent(ctx context.Context, namespace, name string) error {
	_, err := b.st.Stat(ctx, recordKey(namespace, name))
	switch {
	case err == nil:
		return ErrExists
	case errors.Is(err, store.ErrNotFound):
		return nil
	}
	return err
}
