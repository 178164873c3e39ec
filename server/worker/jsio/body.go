//go:build js && wasm

package jsio

import (
	"errors"
	"io"
	"net/http"
	"syscall/js"
)

const (
	// viewSize is the JS buffer a BYOB read fills; minRead is how much a
	// read waits for (unless the stream ends first).
	viewSize = 1 << 20
	minRead  = 256 << 10
)

var uint8Array = js.Global().Get("Uint8Array")

// rawBody is syumai's request body, which can hand back its JS stream
// while it has not been read.
type rawBody interface {
	GetRawJSBody() js.Value
}

// RequestBody swaps r.Body for a BYOB reader over the same JS stream. It
// leaves r alone when the body is not a JS stream or not a byte stream.
func RequestBody(r *http.Request) {
	rb, ok := r.Body.(rawBody)
	if !ok {
		return
	}
	stream := rb.GetRawJSBody()
	if stream.IsUndefined() || stream.IsNull() {
		return
	}
	reader, err := byobReader(stream)
	if err != nil {
		return
	}
	r.Body = &byobBody{reader: reader}
}

// NewStreamReader reads a JS byte stream (an R2 object body, say) through
// a BYOB reader, at least minRead bytes per round trip into Go.
func NewStreamReader(stream js.Value) (io.ReadCloser, error) {
	reader, err := byobReader(stream)
	if err != nil {
		return nil, err
	}
	return &byobBody{reader: reader}, nil
}

func byobReader(stream js.Value) (reader js.Value, err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("jsio: not a byte stream")
		}
	}()
	opts := js.Global().Get("Object").New()
	opts.Set("mode", "byob")
	return stream.Call("getReader", opts), nil
}

// byobBody is an io.ReadCloser over a ReadableStreamBYOBReader.
type byobBody struct {
	reader js.Value
	view   js.Value // reusable JS buffer (transferred back by each read)
	buf    []byte   // Go copy of the last read
	off    int
	done   bool
	err    error
}

func (b *byobBody) Read(p []byte) (int, error) {
	for b.off == len(b.buf) {
		if b.err != nil {
			return 0, b.err
		}
		if b.done {
			return 0, io.EOF
		}
		b.fill()
	}
	n := copy(p, b.buf[b.off:])
	b.off += n
	return n, nil
}

// fill does one BYOB read of at least minRead bytes (readAtLeast, a
// Workers extension) or, where that is missing, whatever is available.
func (b *byobBody) fill() {
	if b.view.IsUndefined() {
		b.view = uint8Array.New(viewSize)
	}
	var p js.Value
	if fn := b.reader.Get("readAtLeast"); fn.Type() == js.TypeFunction {
		p = b.reader.Call("readAtLeast", minRead, b.view)
	} else {
		p = b.reader.Call("read", b.view)
	}
	res, err := await(p)
	if err != nil {
		b.err = err
		return
	}
	value := res.Get("value")
	if res.Get("done").Bool() {
		b.done = true
	}
	if value.IsUndefined() || value.IsNull() {
		b.buf, b.off = b.buf[:0], 0
		return
	}
	n := value.Get("byteLength").Int()
	if cap(b.buf) < n {
		b.buf = make([]byte, n, viewSize)
	}
	b.buf, b.off = b.buf[:n], 0
	js.CopyBytesToGo(b.buf, value)
	// The read transferred our buffer into value; reuse it for the next.
	b.view = uint8Array.New(value.Get("buffer"))
}

func (b *byobBody) Close() error {
	if !b.done && b.err == nil {
		b.reader.Call("cancel")
		b.done = true
	}
	return nil
}

// await blocks until p settles.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var then, catch js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "JavaScript error"
		if len(args) > 0 && args[0].Type() == js.TypeObject {
			msg = args[0].Call("toString").String()
		}
		ch <- result{err: errors.New("jsio: " + msg)}
		return nil
	})
	p.Call("then", then, catch)
	r := <-ch
	then.Release()
	catch.Release()
	return r.v, r.err
}
