//go:build js && wasm

package r2store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall/js"
	"time"

	"github.com/oxdrop/oxdrop/internal/jsutil"
	"github.com/oxdrop/oxdrop/server/store"
)

// Store is a store.Store over one R2 bucket binding.
type Store struct {
	bucket js.Value
}

var _ store.Store = (*Store)(nil)

// New wraps an R2 bucket binding (env.<NAME> in the Worker).
func New(bucket js.Value) (*Store, error) {
	if bucket.IsUndefined() || bucket.IsNull() {
		return nil, errors.New("r2store: the R2 bucket binding is missing; bind one in wrangler.jsonc")
	}
	return &Store{bucket: bucket}, nil
}

// Put implements store.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts store.PutOptions) (store.Info, error) {
	if size < 0 {
		if n, ok := knownLength(r); ok {
			size = n
		}
	}
	if size >= 0 {
		return s.putStream(ctx, key, &exactReader{r: r, left: size}, size, opts)
	}
	// Unknown size: read up to one part; a body that fits is one atomic
	// put, a larger one becomes a multipart upload that reuses the buffer.
	buf := make([]byte, partSize)
	n, err := io.ReadFull(r, buf)
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		return s.putValue(ctx, key, toUint8Array(buf[:n]), opts)
	case nil:
		return s.putMultipart(ctx, key, buf, r, opts)
	default:
		return store.Info{}, fmt.Errorf("r2store: put %s: reading body: %w", key, err)
	}
}

// putOptions builds R2's put options: onlyIf for the conditions.
func putOptions(opts store.PutOptions) js.Value {
	o := newObject()
	switch {
	case opts.IfAbsent:
		cond := newObject()
		cond.Set("etagDoesNotMatch", "*")
		o.Set("onlyIf", cond)
	case opts.IfMatch != "":
		cond := newObject()
		cond.Set("etagMatches", opts.IfMatch)
		o.Set("onlyIf", cond)
	}
	return o
}

// putValue puts an in-memory value in one call.
func (s *Store) putValue(ctx context.Context, key string, value js.Value, opts store.PutOptions) (store.Info, error) {
	if err := ctx.Err(); err != nil {
		return store.Info{}, err
	}
	v, err := jsutil.CallAwait(s.bucket, "put", key, value, putOptions(opts))
	return putResult(key, v, err)
}

func putResult(key string, v js.Value, err error) (store.Info, error) {
	if err != nil {
		if isPrecondition(err) {
			return store.Info{}, store.ErrPrecondition
		}
		return store.Info{}, fmt.Errorf("r2store: put %s: %w", key, err)
	}
	if v.IsNull() || v.IsUndefined() {
		return store.Info{}, store.ErrPrecondition // R2's answer when onlyIf fails
	}
	return toInfo(v), nil
}

// putStream puts exactly size bytes of r through sendBody.
func (s *Store) putStream(ctx context.Context, key string, r io.Reader, size int64, opts store.PutOptions) (store.Info, error) {
	o, pumpErr := sendBody(ctx, r, size, func(body js.Value) (js.Value, error) {
		return jsutil.Call(s.bucket, "put", key, body, putOptions(opts))
	})
	if pumpErr != nil {
		// R2 may have rejected early (a failed condition), which ended the
		// body's stream: report the rejection, not the broken stream.
		if o.err != nil && isPrecondition(o.err) || o.err == nil && o.v.IsNull() {
			return store.Info{}, store.ErrPrecondition
		}
		return store.Info{}, fmt.Errorf("r2store: put %s: %w", key, pumpErr)
	}
	return putResult(key, o.v, o.err)
}

// outcome is a settled R2 call.
type outcome struct {
	v   js.Value
	err error
}

// sendBody hands exactly size bytes of r to the R2 call that start begins
// with them as its body (start returns the call's promise), and waits for
// it. A body up to chunkSize goes as one Uint8Array; a larger one streams
// through a FixedLengthStream (R2 needs the length up front), each chunk
// awaited before the next is read, so memory holds a chunk or two whatever
// the size. If the body fails (r's error, a short body, ctx), the stream is
// aborted, which fails the call too, so R2 stores nothing: pumpErr says
// why, and o is the call's own outcome.
func sendBody(ctx context.Context, r io.Reader, size int64, start func(body js.Value) (js.Value, error)) (o outcome, pumpErr error) {
	if size <= chunkSize {
		b, err := io.ReadAll(r)
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return outcome{}, fmt.Errorf("reading body: %w", err)
		}
		p, err := start(toUint8Array(b))
		if err != nil {
			return outcome{err: err}, nil
		}
		v, err := jsutil.Await(p)
		return outcome{v, err}, nil
	}
	readable, w, err := jsutil.NewFixedLengthStream(size, 1)
	if err != nil {
		return outcome{}, err
	}
	p, err := start(readable)
	if err != nil {
		return outcome{err: err}, nil
	}
	// Watch the call: if R2 rejects early, the stream fails and the pump
	// stops instead of pushing the rest into a dead stream.
	done := make(chan outcome, 1)
	go func() {
		v, err := jsutil.Await(p)
		done <- outcome{v, err}
	}()
	pumpErr = w.CopyFrom(ctx, r, make([]byte, chunkSize))
	return <-done, pumpErr
}

// putMultipart stores a body of unknown size over partSize as an R2
// multipart upload: first is the first part, already read into a buffer
// that is reused for the next parts, and one JS buffer is reused too (each
// part is awaited before the next is read), so memory stays at two parts.
// R2's multipart completion takes no onlyIf, so the conditions are checked
// just before completing; that is not atomic, and callers that need an
// atomic claim put small or known-size objects (which take the atomic path).
func (s *Store) putMultipart(ctx context.Context, key string, first []byte, r io.Reader, opts store.PutOptions) (store.Info, error) {
	upload, err := jsutil.CallAwait(s.bucket, "createMultipartUpload", key)
	if err != nil {
		return store.Info{}, fmt.Errorf("r2store: put %s: starting multipart upload: %w", key, err)
	}
	abort := func(cause error) (store.Info, error) {
		_, _ = jsutil.CallAwait(upload, "abort")
		return store.Info{}, cause
	}
	parts := array.New()
	buf := first
	jsBuf := uint8Array.New(len(buf))
	n := len(first)
	for number := 1; ; number++ {
		view := jsBuf
		if n < len(buf) {
			view = jsBuf.Call("subarray", 0, n)
		}
		js.CopyBytesToJS(view, buf[:n])
		part, err := jsutil.CallAwait(upload, "uploadPart", number, view)
		if err != nil {
			return abort(fmt.Errorf("r2store: put %s: uploading part %d: %w", key, number, err))
		}
		parts.Call("push", part)
		if n < len(buf) {
			break
		}
		if err := ctx.Err(); err != nil {
			return abort(err)
		}
		var rerr error
		n, rerr = io.ReadFull(r, buf)
		if rerr == io.EOF {
			break // the previous part ended the body exactly
		}
		if rerr != nil && rerr != io.ErrUnexpectedEOF {
			return abort(fmt.Errorf("r2store: put %s: reading body: %w", key, rerr))
		}
	}
	switch {
	case opts.IfAbsent:
		if _, err := s.Stat(ctx, key); err == nil {
			return abort(store.ErrPrecondition)
		} else if !errors.Is(err, store.ErrNotFound) {
			return abort(err)
		}
	case opts.IfMatch != "":
		info, err := s.Stat(ctx, key)
		if errors.Is(err, store.ErrNotFound) || err == nil && info.ETag != opts.IfMatch {
			return abort(store.ErrPrecondition)
		} else if err != nil {
			return abort(err)
		}
	}
	v, err := jsutil.CallAwait(upload, "complete", parts)
	if err != nil {
		return store.Info{}, fmt.Errorf("r2store: put %s: completing multipart upload: %w", key, err)
	}
	return toInfo(v), nil
}

// Stat implements store.Store.
func (s *Store) Stat(ctx context.Context, key string) (store.Info, error) {
	if err := ctx.Err(); err != nil {
		return store.Info{}, err
	}
	v, err := jsutil.CallAwait(s.bucket, "head", key)
	if err != nil {
		return store.Info{}, fmt.Errorf("r2store: head %s: %w", key, err)
	}
	if v.IsNull() || v.IsUndefined() {
		return store.Info{}, store.ErrNotFound
	}
	return toInfo(v), nil
}

// Open implements store.Store.
func (s *Store) Open(ctx context.Context, key string) (store.Blob, error) {
	info, err := s.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	b := &blob{s: s, ctx: ctx, info: info}
	b.win = newWindow(info.Size, b.fetch)
	return b, nil
}

// List implements store.Store. The cursor is the last key of the previous
// page, given to R2 as startAfter.
func (s *Store) List(ctx context.Context, prefix, cursor string, limit int) ([]store.Info, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	o := newObject()
	o.Set("prefix", prefix)
	o.Set("limit", listLimit(limit))
	if cursor != "" {
		o.Set("startAfter", cursor)
	}
	v, err := jsutil.CallAwait(s.bucket, "list", o)
	if err != nil {
		return nil, "", fmt.Errorf("r2store: list %q: %w", prefix, err)
	}
	objs := v.Get("objects")
	out := make([]store.Info, objs.Length())
	for i := range out {
		out[i] = toInfo(objs.Index(i))
	}
	next := ""
	if v.Get("truncated").Truthy() && len(out) > 0 {
		next = out[len(out)-1].Key
	}
	return out, next, nil
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	for _, batch := range batches(keys, maxDeleteBatch) {
		if err := ctx.Err(); err != nil {
			return err
		}
		arr := array.New()
		for _, k := range batch {
			arr.Call("push", k)
		}
		if _, err := jsutil.CallAwait(s.bucket, "delete", arr); err != nil {
			return fmt.Errorf("r2store: delete %d keys from %q: %w", len(batch), batch[0], err)
		}
	}
	return nil
}

func toInfo(v js.Value) store.Info {
	info := store.Info{
		Key:  v.Get("key").String(),
		Size: int64(v.Get("size").Float()),
		ETag: v.Get("etag").String(),
	}
	if up := v.Get("uploaded"); up.Truthy() {
		info.Modified = time.UnixMilli(int64(up.Call("getTime").Float())).UTC()
	}
	return info
}

// blob is an open R2 object, pinned to the etag seen at Open: ReadAt goes
// through ranged gets and a window; Read streams one get from the read
// position (a download is one request, not one per window).
type blob struct {
	s      *Store
	ctx    context.Context
	info   store.Info
	win    *window
	pos    int64         // sequential read position
	stream io.ReadCloser // body of the get serving Read, once started
}

func (b *blob) Size() int64 { return b.info.Size }

func (b *blob) ReadAt(p []byte, off int64) (int, error) { return b.win.ReadAt(p, off) }

// Read reads sequentially from one streamed get that starts at the first
// Read's position; if the body is not a byte stream it falls back to the
// window.
func (b *blob) Read(p []byte) (int, error) {
	if b.pos >= b.info.Size {
		return 0, io.EOF
	}
	if b.stream == nil {
		if err := b.openStream(); err != nil {
			return 0, err
		}
	}
	if rest := b.info.Size - b.pos; int64(len(p)) > rest {
		p = p[:rest]
	}
	var n int
	var err error
	if b.stream != nil {
		n, err = b.stream.Read(p)
		if err == io.EOF && b.pos+int64(n) < b.info.Size {
			err = fmt.Errorf("r2store: get %s: body ended at %d of %d bytes", b.info.Key, b.pos+int64(n), b.info.Size)
		}
	} else {
		n, err = b.win.ReadAt(p, b.pos)
	}
	b.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// openStream starts the get that serves Read; b.stream stays nil (use the
// window) when the body cannot be read as a byte stream.
func (b *blob) openStream() error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	o := newObject()
	cond := newObject()
	cond.Set("etagMatches", b.info.ETag)
	o.Set("onlyIf", cond)
	if b.pos > 0 {
		rng := newObject()
		rng.Set("offset", float64(b.pos))
		o.Set("range", rng)
	}
	v, err := jsutil.CallAwait(b.s.bucket, "get", b.info.Key, o)
	if err != nil {
		return fmt.Errorf("r2store: get %s: %w", b.info.Key, err)
	}
	if v.IsNull() || v.IsUndefined() {
		return fmt.Errorf("r2store: get %s: %w", b.info.Key, store.ErrNotFound)
	}
	body := v.Get("body")
	if body.IsUndefined() {
		return fmt.Errorf("r2store: %s changed since it was opened", b.info.Key)
	}
	rc, err := jsutil.NewStreamReader(body)
	if err != nil {
		_, _ = jsutil.Call(body, "cancel")
		return nil // not a byte stream: Read uses the window
	}
	b.stream = rc
	return nil
}

func (b *blob) Close() error {
	if b.stream != nil {
		return b.stream.Close()
	}
	return nil
}

func (b *blob) fetch(off int64, length int) ([]byte, error) {
	if err := b.ctx.Err(); err != nil {
		return nil, err
	}
	rng := newObject()
	rng.Set("offset", float64(off))
	rng.Set("length", length)
	cond := newObject()
	cond.Set("etagMatches", b.info.ETag)
	o := newObject()
	o.Set("range", rng)
	o.Set("onlyIf", cond)
	v, err := jsutil.CallAwait(b.s.bucket, "get", b.info.Key, o)
	if err != nil {
		return nil, fmt.Errorf("r2store: get %s [%d, +%d): %w", b.info.Key, off, length, err)
	}
	if v.IsNull() || v.IsUndefined() {
		return nil, fmt.Errorf("r2store: get %s: %w", b.info.Key, store.ErrNotFound)
	}
	if v.Get("body").IsUndefined() {
		return nil, fmt.Errorf("r2store: %s changed since it was opened", b.info.Key)
	}
	ab, err := jsutil.CallAwait(v, "arrayBuffer")
	if err != nil {
		return nil, fmt.Errorf("r2store: get %s: reading body: %w", b.info.Key, err)
	}
	u := uint8Array.New(ab)
	out := make([]byte, u.Length())
	js.CopyBytesToGo(out, u)
	return out, nil
}

var _ store.Mover = (*Store)(nil)

// Move implements store.Mover: R2 has no rename, but a put can take a get's
// body stream (known length) directly, so the bytes go from R2 to R2 inside
// the runtime without a trip through Go; then the source is deleted.
func (s *Store) Move(ctx context.Context, from, to string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	src, err := jsutil.CallAwait(s.bucket, "get", from)
	if err != nil {
		return fmt.Errorf("r2store: move %s: get: %w", from, err)
	}
	if src.IsNull() || src.IsUndefined() {
		return fmt.Errorf("r2store: move %s: %w", from, store.ErrNotFound)
	}
	if _, err := jsutil.CallAwait(s.bucket, "put", to, src.Get("body")); err != nil {
		return fmt.Errorf("r2store: move %s to %s: put: %w", from, to, err)
	}
	return s.Delete(ctx, from)
}

var _ store.Chunked = (*Store)(nil)

// A chunked write is an R2 multipart upload: the handle is its uploadId,
// a piece is a part (uploaded again, it replaces the part), and the object
// appears at complete. R2 keeps an upload's parts until it is completed or
// aborted (or, unattended, for about a week).

// BeginChunks implements store.Chunked: it creates the multipart upload.
func (s *Store) BeginChunks(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	upload, err := jsutil.CallAwait(s.bucket, "createMultipartUpload", key)
	if err != nil {
		return "", fmt.Errorf("r2store: begin chunks of %s: %w", key, err)
	}
	return upload.Get("uploadId").String(), nil
}

// upload is the multipart upload of handle (resuming one makes no request).
func (s *Store) upload(key, handle string) (js.Value, error) {
	if handle == "" {
		return js.Value{}, errors.New("r2store: empty chunked-write handle")
	}
	return jsutil.Call(s.bucket, "resumeMultipartUpload", key, handle)
}

// noUpload wraps R2's error for an upload that does not exist (completed,
// aborted, expired or never begun) in store.ErrNotFound.
func noUpload(err error) error {
	if strings.Contains(strings.ToLower(err.Error()), "multipart upload does not exist") {
		return fmt.Errorf("%w: %w", store.ErrNotFound, err)
	}
	return err
}

// PutChunk implements store.Chunked: the piece streams into uploadPart
// through sendBody, so memory holds a chunk or two, not the piece.
func (s *Store) PutChunk(ctx context.Context, key, handle string, part int, offset int64, r io.Reader, size int64) (store.ChunkRef, error) {
	upload, err := s.upload(key, handle)
	if err != nil {
		return store.ChunkRef{}, err
	}
	// Exactly size bytes of r, failing if r ends before (the limit lets r
	// go on: only this piece is read from it).
	body := &exactReader{r: io.LimitReader(r, size), left: size}
	o, pumpErr := sendBody(ctx, body, size, func(b js.Value) (js.Value, error) {
		return jsutil.Call(upload, "uploadPart", part, b)
	})
	if err = pumpErr; err == nil {
		err = o.err
	}
	if err != nil {
		return store.ChunkRef{}, fmt.Errorf("r2store: part %d of %s: %w", part, key, noUpload(err))
	}
	return store.ChunkRef{Part: part, Size: size, ETag: o.v.Get("etag").String()}, nil
}

// CompleteChunks implements store.Chunked. R2 cannot complete an upload of
// no parts: that one is aborted and an empty object put instead.
func (s *Store) CompleteChunks(ctx context.Context, key, handle string, parts []store.ChunkRef) (store.Info, error) {
	upload, err := s.upload(key, handle)
	if err != nil {
		return store.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Info{}, err
	}
	if len(parts) == 0 {
		if err := s.AbortChunks(ctx, key, handle); err != nil {
			return store.Info{}, err
		}
		return s.putValue(ctx, key, uint8Array.New(0), store.PutOptions{})
	}
	arr := array.New()
	for _, p := range parts {
		o := newObject()
		o.Set("partNumber", p.Part)
		o.Set("etag", p.ETag)
		arr.Call("push", o)
	}
	v, err := jsutil.CallAwait(upload, "complete", arr)
	if err != nil {
		return store.Info{}, fmt.Errorf("r2store: complete chunks of %s: %w", key, noUpload(err))
	}
	return toInfo(v), nil
}

// AbortChunks implements store.Chunked; an upload R2 no longer knows is
// already gone.
func (s *Store) AbortChunks(ctx context.Context, key, handle string) error {
	upload, err := s.upload(key, handle)
	if err == nil {
		_, err = jsutil.CallAwait(upload, "abort")
	}
	if err != nil && !errors.Is(noUpload(err), store.ErrNotFound) {
		return fmt.Errorf("r2store: abort chunks of %s: %w", key, err)
	}
	return nil
}

// ChunkRules implements store.Chunked: R2's rules for multipart parts.
func (s *Store) ChunkRules() store.ChunkRules {
	return store.ChunkRules{MinSize: 5 << 20, Uniform: true}
}
