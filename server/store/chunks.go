package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// pieces is Chunks' fallback for a Store without Chunked: each piece is an
// object of its own, so it is durable and replaced whole like any Put, and
// the object is their concatenation, made by one Put at CompleteChunks.
type pieces struct{ s Store }

// piecePrefix is where the pieces of handle live; handle must be valid.
func piecePrefix(handle string) string { return "chunks/" + handle + "/" }

// checkHandle accepts only handles BeginChunks makes, so a handle cannot
// make piece keys outside its prefix ("../x").
func checkHandle(handle string) error {
	if len(handle) != 32 || strings.Trim(handle, "0123456789abcdef") != "" {
		return fmt.Errorf("store: invalid chunked-write handle %q", handle)
	}
	return nil
}

// BeginChunks writes nothing: the first piece makes the prefix.
func (p pieces) BeginChunks(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(id[:]), nil
}

// PutChunk Puts the piece at its own key, replacing an earlier attempt.
// Later parts of an earlier attempt stay until the end; CompleteChunks
// uses only the parts it is given.
func (p pieces) PutChunk(ctx context.Context, key, handle string, part int, offset int64, r io.Reader, size int64) (ChunkRef, error) {
	if err := checkHandle(handle); err != nil {
		return ChunkRef{}, err
	}
	if part < 1 || size < 0 {
		return ChunkRef{}, fmt.Errorf("store: invalid piece %d of %d bytes", part, size)
	}
	info, err := p.s.Put(ctx, fmt.Sprintf("%s%d", piecePrefix(handle), part), r, size, PutOptions{})
	if err != nil {
		return ChunkRef{}, err
	}
	return ChunkRef{Part: part, Size: info.Size, ETag: info.ETag}, nil
}

// CompleteChunks opens every piece, checks its size, and Puts them at key
// through one io.MultiReader; then it deletes the pieces. A piece missing
// (aborted, or never written) fails with ErrNotFound.
func (p pieces) CompleteChunks(ctx context.Context, key, handle string, parts []ChunkRef) (Info, error) {
	if err := checkHandle(handle); err != nil {
		return Info{}, err
	}
	blobs := make([]io.Reader, 0, len(parts))
	defer func() {
		for _, b := range blobs {
			b.(Blob).Close()
		}
	}()
	var size int64
	for _, ref := range parts {
		b, err := p.s.Open(ctx, fmt.Sprintf("%s%d", piecePrefix(handle), ref.Part))
		if err != nil {
			return Info{}, fmt.Errorf("store: chunked write %s: part %d: %w", handle, ref.Part, err)
		}
		blobs = append(blobs, b)
		if b.Size() != ref.Size {
			return Info{}, fmt.Errorf("store: chunked write %s: part %d holds %d bytes, not %d", handle, ref.Part, b.Size(), ref.Size)
		}
		size += ref.Size
	}
	info, err := p.s.Put(ctx, key, io.MultiReader(blobs...), size, PutOptions{})
	if err != nil {
		return Info{}, err
	}
	// The object is whole: a failed clean-up only leaves garbage under the
	// private prefix, and failing here would make the caller retry a
	// write whose pieces may be gone.
	_ = p.AbortChunks(context.WithoutCancel(ctx), key, handle)
	return info, nil
}

// AbortChunks deletes every piece under the handle's prefix.
func (p pieces) AbortChunks(ctx context.Context, key, handle string) error {
	if err := checkHandle(handle); err != nil {
		return err
	}
	cursor := ""
	for {
		page, next, err := p.s.List(ctx, piecePrefix(handle), cursor, 1000)
		if err != nil {
			return err
		}
		keys := make([]string, len(page))
		for i, info := range page {
			keys[i] = info.Key
		}
		if err := p.s.Delete(ctx, keys...); err != nil || next == "" {
			return err
		}
		cursor = next
	}
}

// ChunkRules: pieces are plain objects, of any size.
func (p pieces) ChunkRules() ChunkRules { return ChunkRules{} }
