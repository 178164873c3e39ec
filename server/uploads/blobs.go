package uploads

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/oxdrop/oxdrop/core/describe"
	"github.com/oxdrop/oxdrop/server/repobuild"
	"github.com/oxdrop/oxdrop/server/store"
)

// Create starts (or restarts from zero) the reception of blob hash of
// upload id, length bytes long: tus creation. The hash must be one of the
// plan's, with its planned size.
func (m *Manager) Create(ctx context.Context, id, hash string, length int64) error {
	if err := CheckHash(hash); err != nil {
		return errorf(repobuild.Invalid, "Upload-Metadata hash: %s", err)
	}
	rec, err := m.loadRecord(ctx, id)
	if err != nil {
		return err
	}
	planned, ok := rec.Blobs[hash]
	if !ok {
		return errorf(repobuild.Invalid, "Blob %s is not in upload %s's plan: plan it (POST /api/uploads) first", hash, id)
	}
	if length != planned {
		return errorf(repobuild.Invalid, "Blob %s is %d bytes in the plan but Upload-Length says %d", hash, planned, length)
	}
	unlock := m.locks.Lock(stateKey(id, hash))
	defer unlock()
	if err := m.dropBlob(ctx, id, hash); err != nil { // a creation again restarts the blob
		return err
	}
	st := blobState{Length: length, Expires: rec.Expires}
	if length == 0 {
		return m.completeEmpty(ctx, id, hash, &st)
	}
	if st.Handle, err = m.chunks.BeginChunks(ctx, dataKey(hash, id)); err != nil {
		return err
	}
	if err := m.putJSON(ctx, stateKey(id, hash), st, store.PutOptions{}); err != nil {
		m.chunks.AbortChunks(context.WithoutCancel(ctx), dataKey(hash, id), st.Handle)
		return err
	}
	return nil
}

// Offset is how much of blob hash upload id has received, durably, and
// the blob's length: tus HEAD.
func (m *Manager) Offset(ctx context.Context, id, hash string) (offset, length int64, err error) {
	if err := CheckHash(hash); err != nil {
		return 0, 0, errorf(repobuild.NotFound, "No blob %q in upload %s", hash, id)
	}
	if _, err := m.loadRecord(ctx, id); err != nil {
		return 0, 0, err
	}
	var st blobState
	if _, err := readJSON(ctx, m.st, stateKey(id, hash), maxSmallBytes, &st); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return 0, 0, errorf(repobuild.NotFound, "Blob %s was not created in upload %s: create it first (tus POST)", hash, id)
		}
		return 0, 0, err
	}
	return st.Offset, st.Length, nil
}

// Write stores the next piece of blob hash of upload id: size bytes of
// body, which must start at the server's offset: tus PATCH. It answers the
// new offset; when the piece is the last, the blob is verified against its
// hash and joins the pool before Write returns.
func (m *Manager) Write(ctx context.Context, id, hash string, offset int64, body io.Reader, size int64) (int64, error) {
	if err := CheckHash(hash); err != nil {
		return 0, errorf(repobuild.NotFound, "No blob %q in upload %s", hash, id)
	}
	if size > m.cfg.MaxChunkBytes {
		return 0, errorf(repobuild.TooLarge, "A piece of %d bytes is over the limit of %d bytes (max_chunk_bytes)", size, m.cfg.MaxChunkBytes)
	}
	unlock := m.locks.Lock(stateKey(id, hash))
	defer unlock()
	var st blobState
	etag, err := readJSON(ctx, m.st, stateKey(id, hash), maxSmallBytes, &st)
	if errors.Is(err, store.ErrNotFound) {
		return 0, errorf(repobuild.NotFound, "Blob %s was not created in upload %s (or the upload ended): create it first (tus POST)", hash, id)
	}
	if err != nil {
		return 0, err
	}
	if !m.cfg.Now().Before(st.Expires) {
		return 0, errorf(repobuild.NotFound, "Upload %s expired: plan it again", id)
	}
	switch {
	case st.Complete:
		return 0, errorf(repobuild.Conflict, "Blob %s is complete (%d bytes): nothing more to send", hash, st.Length)
	case offset != st.Offset:
		return 0, errorf(repobuild.Conflict, "Upload-Offset %d is not the server's offset %d for blob %s: ask with HEAD and resume from there", offset, st.Offset, hash)
	case offset+size > st.Length:
		return 0, errorf(repobuild.Invalid, "A piece of %d bytes at offset %d goes past the blob's Upload-Length of %d bytes", size, offset, st.Length)
	case size == 0:
		return offset, nil
	}
	final := offset+size == st.Length
	if rules := m.chunks.ChunkRules(); !final {
		if size < rules.MinSize {
			return 0, errorf(repobuild.Invalid, "A piece of %d bytes is under this server's minimum of %d bytes (min_chunk_bytes); only a blob's last piece may be smaller", size, rules.MinSize)
		}
		if rules.Uniform && len(st.Parts) > 0 && size != st.Parts[0].Size {
			return 0, errorf(repobuild.Invalid, "A piece of %d bytes differs from this blob's first piece of %d bytes: every piece but the last must have one size here", size, st.Parts[0].Size)
		}
	}
	key := dataKey(hash, id)
	// Hash as the bytes go by when this process has seen every earlier
	// byte; otherwise the blob is read again once complete.
	a := m.live.take(id, hash, offset)
	src := body
	if a != nil {
		src = io.TeeReader(body, a)
	}
	ref, err := m.chunks.PutChunk(ctx, key, st.Handle, len(st.Parts)+1, offset, src, size)
	if err != nil {
		return 0, pieceError(hash, err) // a is dropped: it saw part of a failed piece
	}
	st.Parts = append(st.Parts, ref)
	st.Offset += size
	if !final {
		if err := m.putJSON(ctx, stateKey(id, hash), st, store.PutOptions{IfMatch: etag}); err != nil {
			if errors.Is(err, store.ErrPrecondition) {
				return 0, errorf(repobuild.Conflict, "Blob %s was changed by another request meanwhile: ask with HEAD and resume", hash)
			}
			return 0, err
		}
		if a != nil {
			m.live.put(id, hash, st.Offset, a)
		}
		return st.Offset, nil
	}
	if _, err := m.chunks.CompleteChunks(ctx, key, st.Handle, st.Parts); err != nil {
		return 0, err
	}
	if err := m.verify(ctx, id, hash, &st, a); err != nil {
		return 0, err
	}
	st.Complete, st.Handle, st.Parts = true, "", nil
	if err := m.putJSON(ctx, stateKey(id, hash), st, store.PutOptions{}); err != nil {
		return 0, err
	}
	return st.Offset, nil
}

// Terminate discards blob hash of upload id (its pieces, or its copy if
// the pool does not use it): tus termination.
func (m *Manager) Terminate(ctx context.Context, id, hash string) error {
	if err := CheckHash(hash); err != nil {
		return errorf(repobuild.NotFound, "No blob %q in upload %s", hash, id)
	}
	if _, err := m.loadRecord(ctx, id); err != nil {
		return err
	}
	unlock := m.locks.Lock(stateKey(id, hash))
	defer unlock()
	return m.dropBlob(ctx, id, hash)
}

// PieceError is a piece that did not arrive whole: the client's read
// error (cut, stalled, cancelled), with the blob's hash.
type PieceError struct {
	Hash string
	Err  error
}

func (e *PieceError) Error() string { return "blob " + e.Hash + ": " + e.Err.Error() }
func (e *PieceError) Unwrap() error { return e.Err }

func pieceError(hash string, err error) error { return &PieceError{hash, err} }

// verify checks a complete blob against its hash (with the live hash a,
// else by reading it back) and adds it to the pool; a mismatch discards it
// and its state.
func (m *Manager) verify(ctx context.Context, id, hash string, st *blobState, a *describe.Analyzer) error {
	key := dataKey(hash, id)
	if a == nil {
		b, err := m.st.Open(ctx, key)
		if err != nil {
			return err
		}
		a = describe.NewAnalyzer()
		_, err = io.CopyBuffer(a, struct{ io.Reader }{b}, make([]byte, 256<<10))
		b.Close()
		if err != nil {
			return err
		}
	}
	sum, _ := a.Summary()
	if sum.Hash != hash || sum.Size != st.Length {
		ctx := context.WithoutCancel(ctx)
		m.st.Delete(ctx, key, stateKey(id, hash))
		return errorf(repobuild.Invalid, "Blob %s: the %d bytes received hash to %s, not to the announced %s; the blob was discarded (create it again)", hash, sum.Size, sum.Hash, hash)
	}
	return m.addToPool(ctx, hash, key, sum)
}

// addToPool writes the blob's index if it has none; a blob already in the
// pool (another upload's copy won) makes this copy redundant.
func (m *Manager) addToPool(ctx context.Context, hash, key string, sum describe.Summary) error {
	err := m.putJSON(ctx, indexKey(hash), index{Key: key, Summary: sum}, store.PutOptions{IfAbsent: true})
	if errors.Is(err, store.ErrPrecondition) {
		return m.st.Delete(context.WithoutCancel(ctx), key)
	}
	return err
}

// completeEmpty: a blob of no bytes is complete on creation.
func (m *Manager) completeEmpty(ctx context.Context, id, hash string, st *blobState) error {
	key := dataKey(hash, id)
	if _, err := m.st.Put(ctx, key, strings.NewReader(""), 0, store.PutOptions{}); err != nil {
		return err
	}
	if err := m.verify(ctx, id, hash, st, describe.NewAnalyzer()); err != nil {
		return err
	}
	st.Complete = true
	return m.putJSON(ctx, stateKey(id, hash), st, store.PutOptions{})
}

// dropBlob ends the reception of blob hash in upload id: its pieces and
// state are deleted, and so is its copy unless the pool's index names it.
func (m *Manager) dropBlob(ctx context.Context, id, hash string) error {
	ctx = context.WithoutCancel(ctx)
	m.live.drop(id, hash)
	var st blobState
	_, err := readJSON(ctx, m.st, stateKey(id, hash), maxSmallBytes, &st)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	key := dataKey(hash, id)
	if st.Handle != "" {
		if err := m.chunks.AbortChunks(ctx, key, st.Handle); err != nil {
			return err
		}
	}
	var ix index
	if _, err := readJSON(ctx, m.st, indexKey(hash), maxSmallBytes, &ix); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	keys := []string{stateKey(id, hash)}
	if ix.Key != key {
		keys = append(keys, key)
	}
	return m.st.Delete(ctx, keys...)
}
