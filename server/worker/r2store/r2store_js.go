//go:build js && wasm

package r2store

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// putStream streams exactly size bytes through a FixedLengthStream, which
// gives R2 the length it needs up front. Each chunk is awaited before the
// next is read, so at most a couple of chunks are in memory.
func (s *Store) putStream(ctx context.Context, key string, r io.Reader, size int64, opts store.PutOptions) (store.Info, error) {
	if size <= chunkSize {
		b, err := io.ReadAll(r)
		if err != nil {
			return store.Info{}, fmt.Errorf("r2store: put %s: reading body: %w", key, err)
		}
		return s.putValue(ctx, key, toUint8Array(b), opts)
	}
	readable, w, err := jsutil.NewFixedLengthStream(size, 1)
	if err != nil {
		return store.Info{}, fmt.Errorf("r2store: put %s: %w", key, err)
	}
	putPromise, err := jsutil.Call(s.bucket, "put", key, readable, putOptions(opts))
	if err != nil {
		return putResult(key, js.Null(), err)
	}
	// Watch the put: if R2 rejects early (say, a failed condition), stop
	// reading the body instead of pushing the rest into a dead stream.
	type outcome struct {
		v   js.Value
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		v, err := jsutil.Await(putPromise)
		done <- outcome{v, err}
	}()
	// Each chunk is awaited before the next is read; a failure aborts the
	// stream, which errors the put's side too, so R2 stores nothing.
	if pumpErr := w.CopyFrom(ctx, r, make([]byte, chunkSize)); pumpErr != nil {
		o := <-done
		if o.err != nil && isPrecondition(o.err) || o.err == nil && o.v.IsNull() {
			return store.Info{}, store.ErrPrecondition
		}
		return store.Info{}, fmt.Errorf("r2store: put %s: %w", key, pumpErr)
	}
	o := <-done
	return putResult(key, o.v, o.err)
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
