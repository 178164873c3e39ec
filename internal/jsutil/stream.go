//go:build js && wasm

package jsutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall/js"
)

var (
	uint8Array        = js.Global().Get("Uint8Array")
	object            = js.Global().Get("Object")
	fixedLengthStream = js.Global().Get("FixedLengthStream")
)

const (
	// viewSize is the JS buffer a BYOB read fills; minRead is how much a
	// read waits for (unless the stream ends first): every JS→Go hop costs
	// a trip through the Go scheduler, and a network stream arrives in
	// pieces of a few KiB.
	viewSize = 1 << 20
	minRead  = 256 << 10
)

// ErrNotByteStream is NewStreamReader's answer for a stream that has no
// BYOB reader (not a byte stream, or already locked).
var ErrNotByteStream = errors.New("jsutil: not a readable byte stream")

// NewStreamReader reads a ReadableStream of bytes (a request body, an R2
// object body) through a BYOB reader into one reused JS buffer, at least
// 256 KiB per round trip into Go (readAtLeast, a Workers extension) or,
// where that is missing, whatever each read gives. Close cancels the
// stream if it was not read to its end.
func NewStreamReader(stream js.Value) (io.ReadCloser, error) {
	opts := object.New()
	opts.Set("mode", "byob")
	reader, err := Call(stream, "getReader", opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotByteStream, err)
	}
	return &streamReader{reader: reader}, nil
}

// streamReader is an io.ReadCloser over a ReadableStreamBYOBReader.
type streamReader struct {
	reader js.Value
	view   js.Value // reusable JS buffer (transferred back by each read)
	buf    []byte   // Go copy of the last read
	off    int
	done   bool
	err    error
}

func (s *streamReader) Read(p []byte) (int, error) {
	for s.off == len(s.buf) {
		if s.err != nil {
			return 0, s.err
		}
		if s.done {
			return 0, io.EOF
		}
		s.fill()
	}
	n := copy(p, s.buf[s.off:])
	s.off += n
	return n, nil
}

func (s *streamReader) fill() {
	if s.view.IsUndefined() {
		s.view = uint8Array.New(viewSize)
	}
	var res js.Value
	var err error
	if s.reader.Get("readAtLeast").Type() == js.TypeFunction {
		res, err = CallAwait(s.reader, "readAtLeast", minRead, s.view)
	} else {
		res, err = CallAwait(s.reader, "read", s.view)
	}
	if err != nil {
		s.err = fmt.Errorf("reading a JS stream: %w", err)
		return
	}
	value := res.Get("value")
	if res.Get("done").Bool() {
		s.done = true
	}
	if value.IsUndefined() || value.IsNull() {
		s.buf, s.off = s.buf[:0], 0
		return
	}
	n := value.Get("byteLength").Int()
	if cap(s.buf) < n {
		s.buf = make([]byte, n, viewSize)
	}
	s.buf, s.off = s.buf[:n], 0
	js.CopyBytesToGo(s.buf, value)
	// The read transferred our buffer into value; reuse it for the next.
	s.view = uint8Array.New(value.Get("buffer"))
}

func (s *streamReader) Close() error {
	if !s.done && s.err == nil {
		_, _ = Call(s.reader, "cancel")
		s.done = true
	}
	return nil
}

// Writer writes Go bytes into a WritableStream: each Write copies its bytes
// into a new Uint8Array and hands it to the stream's writer, and waits for
// the oldest write once inFlight writes are unsettled. With inFlight 1
// every write is awaited before the next (one piece in memory); more lets
// a consumer with per-piece latency keep up, still in bounded memory.
type Writer struct {
	w        js.Value // WritableStreamDefaultWriter
	inFlight int
	pending  []js.Value // write promises not yet settled, oldest first
	err      error
}

// NewWriter locks writable (a WritableStream) and returns a Writer with at
// most inFlight (at least 1) writes unsettled.
func NewWriter(writable js.Value, inFlight int) (*Writer, error) {
	w, err := Call(writable, "getWriter")
	if err != nil {
		return nil, err
	}
	return &Writer{w: w, inFlight: max(inFlight, 1)}, nil
}

// ErrNoFixedLengthStream: the runtime is not Cloudflare Workers.
var ErrNoFixedLengthStream = errors.New("jsutil: FixedLengthStream is not available in this runtime")

// NewFixedLengthStream makes a Workers FixedLengthStream of size bytes:
// readable is its readable side (for a Response body or an R2 put, which
// learn the length up front), w writes exactly size bytes into it.
func NewFixedLengthStream(size int64, inFlight int) (readable js.Value, w *Writer, err error) {
	if fixedLengthStream.Type() != js.TypeFunction {
		return js.Undefined(), nil, ErrNoFixedLengthStream
	}
	stream := fixedLengthStream.New(float64(size))
	if w, err = NewWriter(stream.Get("writable"), inFlight); err != nil {
		return js.Undefined(), nil, err
	}
	return stream.Get("readable"), w, nil
}

// Write implements io.Writer. An error of an earlier write (the consumer
// went away, say) is returned by every later call.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	u := uint8Array.New(len(p))
	js.CopyBytesToJS(u, p)
	pr, err := Call(w.w, "write", u)
	if err != nil {
		w.err = err
		return 0, err
	}
	w.pending = append(w.pending, pr)
	for len(w.pending) >= w.inFlight && w.err == nil {
		w.settleOldest()
	}
	return len(p), w.err
}

func (w *Writer) settleOldest() {
	p := w.pending[0]
	w.pending = w.pending[1:]
	if _, err := Await(p); err != nil && w.err == nil {
		w.err = err
		w.drop()
	}
}

// ignore is a no-op rejection handler.
var ignore = js.FuncOf(func(js.Value, []js.Value) any { return nil })

// drop forgets the queued writes; they reject once the stream has failed,
// and an unhandled rejection is logged by the runtime (Node exits), so
// each gets a handler.
func (w *Writer) drop() {
	for _, p := range w.pending {
		_, _ = Call(p, "catch", ignore)
	}
	w.pending = nil
}

// Wait blocks until every write so far has settled, and returns the first
// failure.
func (w *Writer) Wait() error {
	for len(w.pending) > 0 && w.err == nil {
		w.settleOldest()
	}
	return w.err
}

// Close waits for the writes, then closes the stream (the consumer sees its
// end).
func (w *Writer) Close() error {
	if err := w.Wait(); err != nil {
		return err
	}
	_, err := CallAwait(w.w, "close")
	return err
}

// Abort errors the stream with reason (the consumer sees a failure, never a
// short body) and drops the writes still queued.
func (w *Writer) Abort(reason string) error {
	w.drop()
	_, err := CallAwait(w.w, "abort", reason)
	return err
}

// CopyFrom streams r into the stream through buf (one piece per Write,
// ctx checked before each read) and closes it at r's end. On any failure,
// ctx's, r's or the stream's, it aborts the stream with the error's text
// and returns the error.
func (w *Writer) CopyFrom(ctx context.Context, r io.Reader, buf []byte) error {
	err := func() error {
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			n, rerr := r.Read(buf)
			if n > 0 {
				if _, err := w.Write(buf[:n]); err != nil {
					return err
				}
			}
			if rerr == io.EOF {
				return w.Close()
			}
			if rerr != nil {
				return rerr
			}
		}
	}()
	if err != nil {
		_ = w.Abort(err.Error())
	}
	return err
}
