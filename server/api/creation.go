package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/oxdrop/oxdrop/core/describe"
	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/oxdrop/oxdrop/server/internal/payload"
	"github.com/oxdrop/oxdrop/server/store"
)

type commitModel = model.Commit

// treeRecord is data/<id>/tree/<path>: what serving the file needs, kept
// small (the metadata lives in the entries) so it always reads back.
type treeRecord struct {
	model.FileInfo
	CombinedHash string `json:"combined_hash"`
}

// creation builds one repository under its staging data prefix; see the
// layout comment. Not safe for concurrent use (one per request).
type creation struct {
	h        *handler
	ctx      context.Context
	id       string
	data     string
	started  time.Time
	written  []string // every key written, for abort
	nfiles   int
	hashes   map[string]string // content hash of each file received, by path
	entries  entrySpool
	pathset  repo.PathSet     // the paths so far, checked as the page checks them
	stored   map[string]bool  // content hashes stored under versions/
	manifest payload.Manifest // nil until a manifest part arrives
	uploads  int
	analyzer *describe.Analyzer

	namespace, name string
	author, email   string
	haveAuthor      bool
	haveEmail       bool
}

// newCreation writes the staging marker.
func (h *handler) newCreation(ctx context.Context) (*creation, error) {
	now := h.cfg.Now()
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	id := fmt.Sprintf("%016x%s", now.UnixNano(), hex.EncodeToString(rnd[:]))
	c := &creation{
		h: h, ctx: ctx, id: id, data: dataPrefix + id, started: now,
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

func (c *creation) putJSON(key string, v any, opts store.PutOptions) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.written = append(c.written, key)
	_, err = c.h.st.Put(c.ctx, key, bytes.NewReader(b), int64(len(b)), opts)
	return err
}

// abort deletes everything the creation wrote, even if the request's
// context is cancelled (client gone).
func (c *creation) abort() {
	ctx := detached(c.ctx)
	for i := 0; i < len(c.written); i += 1000 {
		keys := c.written[i:min(i+1000, len(c.written))]
		if err := c.h.st.Delete(ctx, keys...); err != nil {
			c.h.log.Error("abort: delete staging data", "id", c.id, "err", err)
			return // the sweep will finish the job
		}
	}
}

// setRepo records the namespace and name from RepoNew.
func (c *creation) setRepo(namespace, name string) error {
	if c.namespace != "" {
		return errorf(http.StatusBadRequest, "More than one new_repo part")
	}
	c.namespace, c.name = namespace, name
	return c.h.checkAbsent(c.ctx, namespace, name)
}

// checkPath validates a file path and its place among the others, with
// the rules the page applies too (repo.PathSet).
func (c *creation) checkPath(p string) error {
	if c.nfiles >= c.h.cfg.MaxFiles {
		return errorf(http.StatusRequestEntityTooLarge, "Too many files: the limit is %d per repository", c.h.cfg.MaxFiles)
	}
	if err := c.pathset.Add(p); err != nil {
		return errorf(http.StatusBadRequest, "%s", err)
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
	r     io.Reader
	a     io.Writer
	n     int64
	limit int64
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
	if len(p) >= overlapMin {
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

// overlapMin is the chunk size from which teeWriter analyzes in parallel
// with the store's write (below it, starting a goroutine costs more than it
// saves). A variable so the benchmark can compare both ways.
var overlapMin = 256 << 10

// addFile streams one file into the store while the analyzer hashes it,
// then describes it from the stored blob.
func (c *creation) addFile(p string, body io.Reader) error {
	if err := c.checkPath(p); err != nil {
		return err
	}
	a := c.analyzer
	a.Begin(p) // the name Finish gets: lets it skip counting binary files
	tee := &limitTee{r: body, a: a, limit: c.h.cfg.MaxFileBytes}
	expected, known := c.manifest[p]
	if c.manifest != nil && !known {
		return errorf(http.StatusBadRequest, "File %q is not listed in the manifest", p)
	}
	var key string
	switch {
	case known && c.stored[expected]:
		// Same content as a file already stored: verify it, store nothing.
		if _, err := io.Copy(io.Discard, tee); err != nil {
			return c.bodyError(p, err)
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
		if _, err := c.h.st.Put(c.ctx, key, tee, -1, store.PutOptions{}); err != nil {
			return c.bodyError(p, err)
		}
	}
	blob, err := c.h.st.Open(c.ctx, key)
	if err != nil {
		return err
	}
	info, err := a.Finish(p, blob, tee.n)
	blob.Close()
	if err != nil {
		return describeError(p, err)
	}
	if known && info.Hash != expected {
		return errorf(http.StatusBadRequest, "File %q has hash %s but the manifest says %s", p, info.Hash, expected)
	}
	if !known {
		final := versionKey(c.data, info.Hash)
		if c.stored[info.Hash] {
			if err := c.h.st.Delete(c.ctx, key); err != nil {
				return err
			}
		} else {
			c.written = append(c.written, final)
			if err := store.Move(c.ctx, c.h.st, key, final); err != nil {
				return err
			}
		}
	}
	c.stored[info.Hash] = true
	return c.record(p, info)
}

// addBytes stores one file given whole (JSON bodies).
func (c *creation) addBytes(p string, b []byte) error {
	if err := c.checkPath(p); err != nil {
		return err
	}
	if int64(len(b)) > c.h.cfg.MaxFileBytes {
		return errorf(http.StatusRequestEntityTooLarge, "File %q is %d bytes, over the limit of %d bytes", p, len(b), c.h.cfg.MaxFileBytes)
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
		if _, err := c.h.st.Put(c.ctx, key, bytes.NewReader(b), int64(len(b)), store.PutOptions{}); err != nil {
			return err
		}
		c.stored[info.Hash] = true
	}
	return c.record(p, info)
}

// record writes the file's tree record and spools its entry; nothing of
// it stays in memory but its path and hash.
func (c *creation) record(p string, info model.FileInfo) error {
	content, err := parseHash(info.Hash)
	if err != nil {
		return err
	}
	combined, err := model.CombinedHash(content, info.Metadata)
	if err != nil {
		return err
	}
	small := info
	small.Metadata = nil
	if err := c.putJSON(treeKey(c.data, p), treeRecord{small, hexHash(combined)}, store.PutOptions{}); err != nil {
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
		return errorf(http.StatusRequestEntityTooLarge, "%s", le)
	}
	return fmt.Errorf("describe %q: %w", p, err)
}

// bodyError maps a failed read of a file's body to a precise answer.
func (c *creation) bodyError(p string, err error) error {
	var tooLarge errFileTooLarge
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errorf(http.StatusRequestEntityTooLarge, "File %q is over the limit of %d bytes", p, tooLarge.limit)
	case errors.As(err, &mbe):
		return err
	case isTruncated(err):
		return errorf(http.StatusBadRequest, "The request body ended inside file %q (client disconnected?)", p)
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.Canceled):
		// The read timeout freed a stalled client (net/http cancels the
		// request's context first) or the client went away: not our fault.
		return errorf(http.StatusRequestTimeout, "The request body stopped arriving inside file %q (read timeout or client gone)", p)
	}
	return err
}

// setManifest checks the files received so far and keeps the manifest for
// the ones to come.
func (c *creation) setManifest(m payload.Manifest) error {
	if c.manifest != nil {
		return errorf(http.StatusBadRequest, "More than one manifest part")
	}
	for p, hash := range c.hashes {
		want, ok := m[p]
		if !ok {
			return errorf(http.StatusBadRequest, "File %q is not listed in the manifest", p)
		}
		if want != hash {
			return errorf(http.StatusBadRequest, "File %q has hash %s but the manifest says %s", p, hash, want)
		}
	}
	c.manifest = m
	return nil
}

type repositoryView struct {
	Namespace    string        `json:"namespace"`
	Name         string        `json:"name"`
	LatestCommit *model.Commit `json:"latest_commit"`
	MinVersion   string        `json:"min_version"`
}

// publish writes the last entries, the commit and the ref, then the
// repository record (the one atomic step), and returns the record.
func (c *creation) publish(requireAuthor bool) (*record, error) {
	if c.namespace == "" {
		return nil, errorf(http.StatusBadRequest, "Missing new_repo field: send a new_repo part with {\"namespace\": ..., \"name\": ...}")
	}
	if c.manifest != nil {
		for p := range c.manifest {
			if _, ok := c.hashes[p]; !ok {
				return nil, errorf(http.StatusBadRequest, "The manifest lists %q but no file part has that path", p)
			}
		}
	}
	rec := &record{Namespace: c.namespace, Name: c.name, Data: c.data, EntryChunks: new(int)}
	if c.nfiles > 0 {
		if requireAuthor && !c.haveAuthor {
			return nil, errorf(http.StatusBadRequest, "Name is required: send a name part (the commit author) with the files")
		}
		if requireAuthor && !c.haveEmail {
			return nil, errorf(http.StatusBadRequest, "Email is required: send an email part (the commit author's email) with the files")
		}
		if err := repo.ValidateAuthor(c.author, c.email); err != nil {
			return nil, errorf(http.StatusBadRequest, "%s", err)
		}
		if err := c.flushEntries(); err != nil {
			return nil, err
		}
		*rec.EntryChunks = c.entries.chunks
		commit := repo.NewCommit(c.author, c.email, c.h.cfg.Now())
		rec.LatestCommit = &commit
		if err := c.putJSON(c.data+"/commits/"+commit.ID, commit, store.PutOptions{}); err != nil {
			return nil, err
		}
		key := c.data + "/refs/heads/main"
		c.written = append(c.written, key)
		if _, err := c.h.st.Put(c.ctx, key, strings.NewReader(commit.ID), int64(len(commit.ID)), store.PutOptions{}); err != nil {
			return nil, err
		}
	}
	if age := c.h.cfg.Now().Sub(c.started); age > c.h.cfg.StagingTTL {
		return nil, errorf(http.StatusRequestTimeout, "The upload took %s, longer than the %s a creation may take", age.Round(time.Second), c.h.cfg.StagingTTL)
	}
	m := marker{Started: c.started.UTC().Format(time.RFC3339Nano), Namespace: c.namespace, Name: c.name}
	if err := c.putJSON(markerKey(c.id), m, store.PutOptions{}); err != nil {
		return nil, err
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	_, err = c.h.st.Put(c.ctx, recordKey(c.namespace, c.name), bytes.NewReader(b), int64(len(b)), store.PutOptions{IfAbsent: true})
	if errors.Is(err, store.ErrPrecondition) {
		return nil, errExists
	}
	if err != nil {
		return nil, err
	}
	// Published: the marker is no longer needed (the sweep would keep a
	// published creation anyway, so a failure here is harmless).
	if err := c.h.st.Delete(detached(c.ctx), markerKey(c.id)); err != nil {
		c.h.log.Warn("delete staging marker", "id", c.id, "err", err)
	}
	return rec, nil
}

var errExists = &apiError{http.StatusConflict, "Repo already exists."}

// checkAbsent is the cheap early 409.
func (h *handler) checkAbsent(ctx context.Context, namespace, name string) error {
	_, err := h.st.Stat(ctx, recordKey(namespace, name))
	switch {
	case err == nil:
		return errExists
	case errors.Is(err, store.ErrNotFound):
		return nil
	}
	return err
}
