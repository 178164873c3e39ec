package uploads

import (
	"context"
	"errors"

	"github.com/oxdrop/oxdrop/core/describe"
	"github.com/oxdrop/oxdrop/server/repobuild"
	"github.com/oxdrop/oxdrop/server/store"
)

// Session is an upload being committed.
type Session struct {
	m   *Manager
	rec *record
}

// Open opens upload id for its commit as namespace/name.
func (m *Manager) Open(ctx context.Context, id, namespace, name string) (*Session, error) {
	rec, err := m.loadRecord(ctx, id)
	if err != nil {
		if be := (*repobuild.Error)(nil); errors.As(err, &be) && be.Kind == repobuild.NotFound {
			return nil, errorf(repobuild.Invalid, "upload_id: %s", be.Msg) // the commit's body is what is wrong
		}
		return nil, err
	}
	if rec.Namespace != namespace || rec.Name != name {
		return nil, errorf(repobuild.Invalid, "upload_id: upload %s was planned for %s/%s, not %s/%s", id, rec.Namespace, rec.Name, namespace, name)
	}
	return &Session{m: m, rec: rec}, nil
}

// ID is the upload's id.
func (s *Session) ID() string { return s.rec.ID }

// Blob is where blob hash is stored and its summary, for the file at path:
// one of the plan's blobs, in the pool (with dedup) or sent in this upload.
func (s *Session) Blob(ctx context.Context, path, hash string) (key string, sum describe.Summary, err error) {
	if _, ok := s.rec.Blobs[hash]; !ok {
		return "", sum, errorf(repobuild.Invalid, "File %q is blob %s, which is not in upload %s's plan", path, hash, s.rec.ID)
	}
	have, err := s.m.has(ctx, s.rec.ID, hash)
	if err != nil {
		return "", sum, err
	}
	var ix index
	if have {
		_, err = readJSON(ctx, s.m.st, indexKey(hash), maxSmallBytes, &ix)
	}
	if !have || errors.Is(err, store.ErrNotFound) {
		return "", sum, errorf(repobuild.Invalid, "File %q is blob %s, which has not been uploaded: send it first (tus, at the plan's tus_endpoint)", path, hash)
	}
	if err != nil {
		return "", sum, err
	}
	return ix.Key, ix.Summary, nil
}

// Close ends the upload after its repository was published: its states and
// record are deleted and the hold released. A failure is only logged: the
// repository exists, and the sweep finishes the job at expiry.
func (s *Session) Close(ctx context.Context) {
	if err := s.m.end(ctx, s.rec.ID); err != nil {
		s.m.log.Warn("end committed upload", "upload", s.rec.ID, "err", err)
	}
	s.m.releaseHold(ctx, s.rec.Namespace, s.rec.Name, s.rec.ID)
}
