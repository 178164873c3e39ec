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
	if st.Key, err = dataKey(hash, id); err != nil {
		return err
	}
	if length == 0 {
		return m.completeEmpty(ctx, id, hash, &st)
	}
	if st.Handle, err = m.chunks.BeginChunks(ctx, st.Key); err != nil {
		return err
	}
	if err := m.putJSON(ctx, stateKey(id, hash), st, store.PutOptions{}); err != nil {
		m.chunks.AbortChunks(context.WithoutCancel(ctx), st.Key, st.Handle)
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
	// Hash as the bytes go by when this process has seen every earlier
	// byte; otherwise the blob is read again once complete.
	a := m.live.take(id, hash, offset)
	src := body
	if a != nil {
		src = io.TeeReader(body, a)
	}
	ref, err := m.chunks.PutChunk(ctx, st.Key, st.Handle, len(st.Parts)+1, offset, src, size)
	if errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
		return 0, m.recover(ctx, id, hash, &st) // the chunked write is gone
	}
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
	// Every byte is here: completing must not depend on the client staying
	// (a cut now would leave the chunked write completed but the state
	// saying otherwise).
	ctx = context.WithoutCancel(ctx)
	if _, err := m.chunks.CompleteChunks(ctx, st.Key, st.Handle, st.Parts); err != nil {
		return 0, err
	}
	if err := m.finish(ctx, id, hash, &st, a); err != nil {
		return 0, err
	}
	return st.Offset, nil
}

// finish verifies a blob whose bytes are all at st.Key, adds it to the
// pool and marks its state complete.
func (m *Manager) finish(ctx context.Context, id, hash string, st *blobState, a *describe.Analyzer) error {
	if err := m.verify(ctx, id, hash, st, a); err != nil {
		return err
	}
	st.Complete, st.Offset, st.Handle, st.Parts = true, st.Length, "", nil
	return m.putJSON(ctx, stateKey(id, hash), st, store.PutOptions{})
}

// recover handles a blob whose chunked write is gone while its state says
// it is under way: a crash between completing it and recording that (the
// bytes are all at st.Key: it is finished now), or pieces lost (it starts
// again from zero). Either way the client hears 409 and asks HEAD.
func (m *Manager) recover(ctx context.Context, id, hash string, st *blobState) error {
	ctx = context.WithoutCancel(ctx)
	m.live.drop(id, hash)
	if info, err := m.st.Stat(ctx, st.Key); err == nil && info.Size == st.Length {
		if err := m.finish(ctx, id, hash, st, nil); err != nil {
			return err
		}
		return errorf(repobuild.Conflict, "Blob %s is complete (%d bytes): nothing more to send", hash, st.Length)
	}
	handle, err := m.chunks.BeginChunks(ctx, st.Key)
	if err != nil {
		return err
	}
	*st = blobState{Key: st.Key, Length: st.Length, Handle: handle, Expires: st.Expires}
	if err := m.putJSON(ctx, stateKey(id, hash), st, store.PutOptions{}); err != nil {
		return err
	}
	return errorf(repobuild.Conflict, "The server lost the pieces of blob %s: send it again from offset 0 (HEAD says so)", hash)
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
	if a == nil {
		b, err := m.st.Open(ctx, st.Key)
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
		m.st.Delete(context.WithoutCancel(ctx), st.Key, stateKey(id, hash))
		return errorf(repobuild.Invalid, "Blob %s: the %d bytes received hash to %s, not to the announced %s; the blob was discarded (create it again)", hash, sum.Size, sum.Hash, hash)
	}
	return m.addToPool(ctx, hash, st.Key, sum)
}

// addToPool writes the blob's index if it has none; when another copy is
// in the pool already, this one (at key) is redundant and deleted.
func (m *Manager) addToPool(ctx context.Context, hash, key string, sum describe.Summary) error {
	err := m.putJSON(ctx, indexKey(hash), index{Key: key, Summary: sum}, store.PutOptions{IfAbsent: true})
	if !errors.Is(err, store.ErrPrecondition) {
		return err
	}
	var ix index
	if _, err := readJSON(ctx, m.st, indexKey(hash), maxSmallBytes, &ix); err != nil {
		return err
	}
	if ix.Key == key {
		return nil
	}
	return m.st.Delete(context.WithoutCancel(ctx), key)
}

// completeEmpty: a blob of no bytes is complete on creation.
func (m *Manager) completeEmpty(ctx context.Context, id, hash string, st *blobState) error {
	if _, err := m.st.Put(ctx, st.Key, strings.NewReader(""), 0, store.PutOptions{}); err != nil {
		return err
	}
	return m.finish(ctx, id, hash, st, describe.NewAnalyzer())
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
	if st.Handle != "" {
		if err := m.chunks.AbortChunks(ctx, st.Key, st.Handle); err != nil {
			return err
		}
	}
	var ix index
	if _, err := readJSON(ctx, m.st, indexKey(hash), maxSmallBytes, &ix); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	keys := []string{stateKey(id, hash)}
	if st.Key != "" && ix.Key != st.Key {
		keys = append(keys, st.Key)
	}
	return m.st.Delete(ctx, keys...)
}
