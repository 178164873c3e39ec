package uploads

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/oxdrop/oxdrop/server/repobuild"
	"github.com/oxdrop/oxdrop/server/store"
)

// File is one file of a plan.
type File struct {
	Path string `json:"path"`
	Hash string `json:"hash"`
	Size int64  `json:"size"`
}

// Plan is what a client plans to commit.
type Plan struct {
	Namespace, Name string
	Files           []File
}

// Upload is a planned upload as the client hears it.
type Upload struct {
	ID      string
	Expires time.Time
	// Missing are the distinct hashes the server lacks, in plan order.
	Missing []string
	// Offsets are how much of each blob being received the server has
	// (Status only).
	Offsets map[string]int64
	// Resumed: the same plan was already live, and this is its upload.
	Resumed bool
}

// Check validates a plan the way POST /api/repos validates a creation:
// names, then file count, paths, hashes and sizes.
func (m *Manager) Check(p Plan) error {
	for _, s := range []string{p.Name, p.Namespace} { // Oxen checks the name first
		if err := repo.ValidateName(s); err != nil {
			return errorf(repobuild.Invalid, "%s", err)
		}
	}
	if len(p.Files) > m.cfg.MaxFiles {
		return errorf(repobuild.TooLarge, "Too many files: %d, the limit is %d per repository", len(p.Files), m.cfg.MaxFiles)
	}
	var paths repo.PathSet
	for i, f := range p.Files {
		if err := paths.Add(f.Path); err != nil {
			return errorf(repobuild.Invalid, "%s", err)
		}
		if err := CheckHash(f.Hash); err != nil {
			return errorf(repobuild.Invalid, "files[%d] (%q): %s", i, f.Path, err)
		}
		if f.Size < 0 {
			return errorf(repobuild.Invalid, "files[%d] (%q): size %d is negative", i, f.Path, f.Size)
		}
		if f.Size > m.cfg.MaxFileBytes {
			return errorf(repobuild.TooLarge, "File %q is %d bytes, over the limit of %d bytes", f.Path, f.Size, m.cfg.MaxFileBytes)
		}
		// Pieces capped below the store's smallest piece (a Worker whose
		// body cap is under R2's 5 MiB part) can carry only one-piece files.
		if piece, least := m.cfg.MaxChunkBytes, m.MinChunkBytes(); piece < least && f.Size > piece {
			return errorf(repobuild.TooLarge, "File %q is %d bytes, but this server takes only files of one piece, at most %d bytes: its pieces (max_chunk_bytes) are smaller than its storage's smallest piece but the last (%d bytes); raise OXDROP_MAX_CHUNK and OXDROP_MAX_BODY", f.Path, f.Size, piece, least)
		}
	}
	return nil
}

// digest identifies a plan: namespace, name and the files in path order.
func digest(p Plan) string {
	files := slices.Clone(p.Files)
	slices.SortFunc(files, func(a, b File) int {
		switch {
		case a.Path < b.Path:
			return -1
		case a.Path > b.Path:
			return 1
		}
		return 0
	})
	h := sha256.New()
	fmt.Fprintf(h, "%q %q %d\n", p.Namespace, p.Name, len(files))
	for _, f := range files {
		fmt.Fprintf(h, "%q %s %d\n", f.Path, f.Hash, f.Size)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Start checks a plan, holds its name and records the upload, or answers
// the live upload of the same plan. A published repository of that name, or
// a live hold of another plan, is a Conflict.
func (m *Manager) Start(ctx context.Context, p Plan) (*Upload, error) {
	if err := m.Check(p); err != nil {
		return nil, err
	}
	if err := m.cfg.Builds.CheckAbsent(ctx, p.Namespace, p.Name); err != nil {
		return nil, err
	}
	now := m.cfg.Now()
	id, err := newID(now)
	if err != nil {
		return nil, err
	}
	rec := &record{
		ID: id, Namespace: p.Namespace, Name: p.Name, Created: now.UTC(), Expires: now.Add(m.cfg.TTL).UTC(),
		Digest: digest(p), Blobs: map[string]int64{},
	}
	for _, f := range p.Files {
		rec.Blobs[f.Hash] = f.Size
	}
	// The record first: a hold always names an upload that was recorded
	// (a crash between the two leaves a record the sweep deletes).
	if err := m.putJSON(ctx, recordKey(id), rec, store.PutOptions{}); err != nil {
		return nil, err
	}
	held, err := m.hold(ctx, rec)
	if err != nil || held.ID != id {
		m.st.Delete(context.WithoutCancel(ctx), recordKey(id))
		if err != nil {
			return nil, err
		}
	}
	held.Missing, err = m.missing(ctx, held.ID, p.Files)
	if err != nil {
		return nil, err
	}
	return held, nil
}

// hold takes the name for rec: put-if-absent of the hold. When a hold is
// there: the same plan's live upload is answered instead (resumed); an
// expired one's upload is cleaned up and the name taken; another live
// one is a Conflict.
func (m *Manager) hold(ctx context.Context, rec *record) (*Upload, error) {
	key := holdKey(rec.Namespace, rec.Name)
	mine := hold{Upload: rec.ID, Digest: rec.Digest, Expires: rec.Expires}
	for try := 0; try < 3; try++ {
		err := m.putJSON(ctx, key, mine, store.PutOptions{IfAbsent: true})
		if err == nil {
			m.mu.Lock()
			m.records[rec.ID] = rec
			m.mu.Unlock()
			return &Upload{ID: rec.ID, Expires: rec.Expires}, nil
		}
		if !errors.Is(err, store.ErrPrecondition) {
			return nil, err
		}
		var h hold
		if _, err := readJSON(ctx, m.st, key, maxSmallBytes, &h); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				continue // released meanwhile
			}
			return nil, err
		}
		if m.cfg.Now().Before(h.Expires) {
			if h.Digest == rec.Digest {
				if _, err := m.loadRecord(ctx, h.Upload); err == nil {
					return &Upload{ID: h.Upload, Expires: h.Expires, Resumed: true}, nil
				}
			}
			return nil, errorf(repobuild.Conflict, "The name %s/%s is held by another upload in progress until %s", rec.Namespace, rec.Name, h.Expires.UTC().Format(time.RFC3339))
		}
		// Expired: clean that upload up (which releases its hold), then
		// try again.
		if err := m.end(ctx, h.Upload); err != nil {
			return nil, err
		}
		m.releaseHold(ctx, rec.Namespace, rec.Name, h.Upload)
	}
	return nil, errorf(repobuild.Conflict, "The name %s/%s is being planned by another upload at this moment; try again", rec.Namespace, rec.Name)
}

// missing lists the distinct hashes of files the server lacks for upload id.
func (m *Manager) missing(ctx context.Context, id string, files []File) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.Hash] {
			continue
		}
		seen[f.Hash] = true
		have, err := m.has(ctx, id, f.Hash)
		if err != nil {
			return nil, err
		}
		if !have {
			out = append(out, f.Hash)
		}
	}
	return out, nil
}

// has reports whether upload id may commit blob hash without sending it:
// the pool has it (with dedup), or this upload sent it.
func (m *Manager) has(ctx context.Context, id, hash string) (bool, error) {
	if m.cfg.NoDedup {
		var st blobState
		_, err := readJSON(ctx, m.st, stateKey(id, hash), maxSmallBytes, &st)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil && st.Complete, err
	}
	_, err := m.st.Stat(ctx, indexKey(hash))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Status answers upload id as its plan did, with missing recomputed and
// the offsets of blobs being received.
func (m *Manager) Status(ctx context.Context, id string) (*Upload, error) {
	rec, err := m.loadRecord(ctx, id)
	if err != nil {
		return nil, err
	}
	u := &Upload{ID: id, Expires: rec.Expires, Offsets: map[string]int64{}, Missing: []string{}}
	hashes := make([]string, 0, len(rec.Blobs))
	for h := range rec.Blobs {
		hashes = append(hashes, h)
	}
	slices.Sort(hashes)
	for _, h := range hashes {
		have, err := m.has(ctx, id, h)
		if err != nil {
			return nil, err
		}
		if have {
			continue
		}
		u.Missing = append(u.Missing, h)
		var st blobState
		if _, err := readJSON(ctx, m.st, stateKey(id, h), maxSmallBytes, &st); err == nil {
			u.Offsets[h] = st.Offset
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return u, nil
}

// CheckHold is a creation's early check of a name: Conflict while an
// upload other than except holds it (the hold is advisory: the
// repository record's put-if-absent settles races for good).
func (m *Manager) CheckHold(ctx context.Context, namespace, name, except string) error {
	var h hold
	_, err := readJSON(ctx, m.st, holdKey(namespace, name), maxSmallBytes, &h)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case h.Upload == except || !m.cfg.Now().Before(h.Expires):
		return nil
	}
	return errorf(repobuild.Conflict, "The name %s/%s is held by an upload in progress until %s", namespace, name, h.Expires.UTC().Format(time.RFC3339))
}

// Cancel ends upload id: its partial blobs are deleted and its name is
// free again.
func (m *Manager) Cancel(ctx context.Context, id string) error {
	rec, err := m.loadRecord(ctx, id)
	if err != nil {
		return err
	}
	if err := m.end(ctx, id); err != nil {
		return err
	}
	m.releaseHold(ctx, rec.Namespace, rec.Name, id)
	return nil
}

// releaseHold deletes the hold on a name if upload id has it. (A plan that
// takes an expired hold in between loses it here; the repository record's
// put-if-absent still keeps its commit safe.)
func (m *Manager) releaseHold(ctx context.Context, namespace, name, id string) {
	ctx = context.WithoutCancel(ctx)
	var h hold
	if _, err := readJSON(ctx, m.st, holdKey(namespace, name), maxSmallBytes, &h); err != nil || h.Upload != id {
		return
	}
	if err := m.st.Delete(ctx, holdKey(namespace, name)); err != nil {
		m.log.Warn("release hold", "upload", id, "err", err)
	}
}

// end deletes what upload id keeps besides the pool: the blobs being
// received (their pieces), the copies of blobs that lost to another
// upload's, the states and the record. The hold is released by the caller.
func (m *Manager) end(ctx context.Context, id string) error {
	ctx = context.WithoutCancel(ctx)
	var rec record
	if _, err := readJSON(ctx, m.st, recordKey(id), maxRecordBytes, &rec); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	for hash := range rec.Blobs {
		if err := m.dropBlob(ctx, id, hash); err != nil {
			return err
		}
	}
	m.forget(id)
	return m.st.Delete(ctx, recordKey(id))
}
