//go:build js && wasm

package jsutil

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"syscall/js"
	"testing"
	"testing/iotest"
)

// eval runs a JS expression (Node's globals) and returns its value.
func eval(t *testing.T, src string) js.Value {
	t.Helper()
	return js.Global().Get("Function").New("return (" + src + ");").Invoke()
}

func TestAwait(t *testing.T) {
	for _, tt := range []struct {
		name, src   string
		want        string // resolved value's text
		name_, msg_ string // rejection's Name and Message
		text        string // its Error()
	}{
		{name: "resolved", src: `Promise.resolve(42)`, want: "42"},
		{name: "resolved later", src: `new Promise((ok) => setTimeout(() => ok("late"), 5))`, want: "late"},
		{name: "not a promise", src: `"plain"`, want: "plain"},
		{name: "thenable", src: `{ then(ok) { ok(7); } }`, want: "7"},
		{name: "TypeError", src: `Promise.reject(new TypeError("x is not a function"))`,
			name_: "TypeError", msg_: "x is not a function", text: "TypeError: x is not a function"},
		{name: "DOMException", src: `Promise.reject(new DOMException("The file is gone", "NotFoundError"))`,
			name_: "NotFoundError", msg_: "The file is gone", text: "NotFoundError: The file is gone"},
		{name: "string reason", src: `Promise.reject("the reader worker failed")`,
			msg_: "the reader worker failed", text: "the reader worker failed"},
		{name: "object without message", src: `Promise.reject({ code: 5 })`, msg_: "[object Object]", text: "[object Object]"},
		{name: "no prototype", src: `Promise.reject(Object.create(null))`, msg_: "object", text: "object"},
		{name: "undefined", src: `Promise.reject()`, text: "unknown JavaScript error"},
		{name: "then throws", src: `{ then() { throw new RangeError("bad then"); } }`,
			name_: "RangeError", msg_: "bad then", text: "RangeError: bad then"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Await(eval(t, tt.src))
			if tt.text == "" {
				if err != nil || text(v) != tt.want {
					t.Fatalf("got %s, %v; want %s", text(v), err, tt.want)
				}
				return
			}
			var je *Error
			if !errors.As(err, &je) || je.Name != tt.name_ || je.Message != tt.msg_ || err.Error() != tt.text {
				t.Fatalf("error %#v (%v); want name %q, message %q, text %q", err, err, tt.name_, tt.msg_, tt.text)
			}
		})
	}
}

func TestCall(t *testing.T) {
	obj := eval(t, `{ boom() { throw new SyntaxError("no"); }, twice(x) { return Promise.resolve(2 * x); } }`)
	_, err := Call(obj, "boom")
	if je := (*Error)(nil); !errors.As(err, &je) || je.Name != "SyntaxError" || je.Message != "no" {
		t.Errorf("throw: %v", err)
	}
	if _, err := Call(obj, "missing"); err == nil {
		t.Error("calling a missing method: no error")
	}
	if v, err := CallAwait(obj, "twice", 21); err != nil || v.Int() != 42 {
		t.Errorf("CallAwait: %v, %v", v, err)
	}
}

// byteStream is a JS byte stream of n bytes (i % 251) in pieces of piece
// bytes; its cancel sets globalThis.cancelled.
func byteStream(t *testing.T, n, piece int) js.Value {
	return eval(t, `(() => { let off = 0; globalThis.cancelled = false;
		return new ReadableStream({ type: "bytes",
			pull(c) { const k = Math.min(`+itoa(piece)+`, `+itoa(n)+` - off);
				if (k <= 0) { c.close(); c.byobRequest?.respond(0); return; }
				const b = new Uint8Array(k); for (let i = 0; i < k; i++) b[i] = (off + i) % 251;
				off += k; c.enqueue(b); },
			cancel() { globalThis.cancelled = true; } }); })()`)
}

func itoa(n int) string { return strconv.Itoa(n) }

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

func TestStreamReader(t *testing.T) {
	for _, tt := range []struct{ n, piece int }{{0, 10}, {1, 10}, {100_000, 7_000}, {3<<20 + 5, 64 << 10}} {
		r, err := NewStreamReader(byteStream(t, tt.n, tt.piece))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, pattern(tt.n)) {
			t.Errorf("%d bytes in pieces of %d: read %d, %v", tt.n, tt.piece, len(got), err)
		}
		r.Close()
	}

	r, _ := NewStreamReader(byteStream(t, 1<<20, 1<<10))
	if _, err := r.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if !js.Global().Get("cancelled").Bool() {
		t.Error("Close before the end did not cancel the stream")
	}

	failing := eval(t, `new ReadableStream({ type: "bytes", pull(c) { c.error(new TypeError("network lost")); } })`)
	r, _ = NewStreamReader(failing)
	if _, err := io.ReadAll(r); err == nil || !strings.Contains(err.Error(), "TypeError: network lost") {
		t.Errorf("failing stream: %v", err)
	}

	if _, err := NewStreamReader(eval(t, `new ReadableStream({ pull(c) { c.close(); } })`)); !errors.Is(err, ErrNotByteStream) {
		t.Errorf("default stream: %v", err)
	}
}

// sink is a WritableStream that keeps what it is given in globalThis.got
// (answering each write after a timer) and fails the write at failAt bytes.
func sink(t *testing.T, failAt int) js.Value {
	return eval(t, `(() => { globalThis.got = []; globalThis.aborted = null; let seen = 0;
		return new WritableStream({
			write(chunk) { return new Promise((ok, bad) => setTimeout(() => {
				seen += chunk.length;
				if (`+itoa(failAt)+` > 0 && seen >= `+itoa(failAt)+`) bad(new Error("disk full"));
				else { globalThis.got.push(...chunk); ok(); } }, 1)); },
			abort(reason) { globalThis.aborted = String(reason); } }); })()`)
}

func got() []byte {
	g := js.Global().Get("got")
	u := js.Global().Get("Uint8Array").Call("from", g)
	b := make([]byte, u.Length())
	js.CopyBytesToGo(b, u)
	return b
}

func TestWriter(t *testing.T) {
	data := pattern(100_000)
	for _, inFlight := range []int{0, 1, 4} {
		w, err := NewWriter(sink(t, 0), inFlight)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.CopyFrom(context.Background(), bytes.NewReader(data), make([]byte, 4096)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got(), data) {
			t.Errorf("inFlight %d: sink got %d bytes", inFlight, len(got()))
		}
	}

	w, _ := NewWriter(sink(t, 10_000), 2)
	err := w.CopyFrom(context.Background(), bytes.NewReader(data), make([]byte, 4096))
	if err == nil || err.Error() != "Error: disk full" {
		t.Errorf("failing sink: %v", err)
	}
	if _, werr := w.Write([]byte("more")); werr != err {
		t.Errorf("write after a failure: %v", werr)
	}

	w, _ = NewWriter(sink(t, 0), 1)
	gone := errors.New("client gone")
	if err := w.CopyFrom(context.Background(), io.MultiReader(bytes.NewReader(data[:5000]), iotest.ErrReader(gone)), make([]byte, 4096)); err != gone {
		t.Errorf("failing reader: %v", err)
	}
	if a := js.Global().Get("aborted"); a.Type() != js.TypeString || a.String() != "client gone" {
		t.Errorf("a failing reader aborted the stream with %v", a)
	}

	w, _ = NewWriter(sink(t, 0), 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.CopyFrom(ctx, bytes.NewReader(data), make([]byte, 4096)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if a := js.Global().Get("aborted"); a.Type() != js.TypeString || a.String() != context.Canceled.Error() {
		t.Errorf("a cancelled copy aborted the stream with %v", a)
	}

	if _, _, err := NewFixedLengthStream(10, 1); !errors.Is(err, ErrNoFixedLengthStream) {
		t.Errorf("FixedLengthStream outside Workers: %v", err)
	}
}
