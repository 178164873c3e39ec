//go:build js && wasm

package jsio

import (
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"syscall/js"

	"github.com/oxdrop/oxdrop/internal/jsutil"
)

// flushSize: response bytes are handed to JS in pieces of this size, with
// up to maxInFlight pieces written and not yet taken by the consumer:
// awaiting each write alone serialises the download on the consumer's
// per-chunk latency (24 MB took 45 s under workerd), while never awaiting
// (syumai's way) lets a slow client queue the whole body in the isolate.
const (
	flushSize   = 256 << 10
	maxInFlight = 8
)

// runtimeWriter is the part of syumai's response writer used here: it can
// take a JS stream as the body and be told the response is ready.
type runtimeWriter interface {
	http.ResponseWriter
	WriteRawJSBody(body js.Value)
	Ready()
}

// ResponseWriter wraps the runtime's writer. Responses with a
// Content-Length stream through a FixedLengthStream with at most
// maxInFlight unsettled writes (bounded memory); others go to the runtime's
// writer unchanged.
// Call Finish when the handler returns.
type ResponseWriter struct {
	http.ResponseWriter
	started bool
	out     *jsutil.Writer // into the FixedLengthStream, if used
	buf     []byte
	want    int64 // Content-Length
	sent    int64
	err     error
}

// NewResponseWriter wraps w.
func NewResponseWriter(w http.ResponseWriter) *ResponseWriter {
	return &ResponseWriter{ResponseWriter: w}
}

func (rw *ResponseWriter) start() {
	rw.started = true
	rt, ok := rw.ResponseWriter.(runtimeWriter)
	if !ok {
		return
	}
	n, err := strconv.ParseInt(rw.Header().Get("Content-Length"), 10, 64)
	if err != nil || n <= 0 {
		return
	}
	readable, out, err := jsutil.NewFixedLengthStream(n, maxInFlight)
	if err != nil {
		return // not on Workers: the runtime's writer
	}
	rw.out, rw.want = out, n
	rt.WriteRawJSBody(readable)
	rt.Ready()
}

// Write implements http.ResponseWriter.
func (rw *ResponseWriter) Write(p []byte) (int, error) {
	if !rw.started {
		rw.start()
	}
	if rw.out == nil {
		return rw.ResponseWriter.Write(p)
	}
	if rw.err != nil {
		return 0, rw.err
	}
	if rw.sent+int64(len(rw.buf))+int64(len(p)) > rw.want {
		return 0, fmt.Errorf("jsio: response body is longer than its Content-Length %d", rw.want)
	}
	rw.buf = append(rw.buf, p...)
	if len(rw.buf) >= flushSize {
		rw.flush()
	}
	return len(p), rw.err
}

func (rw *ResponseWriter) flush() {
	if len(rw.buf) == 0 || rw.err != nil {
		return
	}
	if _, err := rw.out.Write(rw.buf); err != nil {
		rw.err = fmt.Errorf("jsio: client went away: %w", err)
	}
	rw.sent += int64(len(rw.buf))
	rw.buf = rw.buf[:0]
}

// Flush implements http.Flusher.
func (rw *ResponseWriter) Flush() {
	if rw.out != nil {
		rw.flush()
	}
	if f, ok := rw.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Finish ends the body: it closes the stream if it is complete and aborts
// it otherwise (the client then sees a failed download, never a short one).
func (rw *ResponseWriter) Finish() {
	if !rw.started {
		// No body written (HEAD, say) but a Content-Length set: syumai would
		// put an empty pipe behind a FixedLengthStream of that length, which
		// the runtime turns into a 500. A null body keeps the header.
		if rt, ok := rw.ResponseWriter.(runtimeWriter); ok {
			if n, err := strconv.ParseInt(rw.Header().Get("Content-Length"), 10, 64); err == nil && n > 0 {
				rt.WriteRawJSBody(js.Null())
			}
		}
		return
	}
	if rw.out == nil {
		return
	}
	rw.flush()
	if err := rw.out.Wait(); err != nil && rw.err == nil {
		rw.err = fmt.Errorf("jsio: client went away: %w", err)
	}
	if rw.err == nil && rw.sent == rw.want {
		_ = rw.out.Close()
	} else {
		_ = rw.out.Abort(fmt.Sprintf("handler wrote %d of %d bytes", rw.sent, rw.want))
	}
	// syumai's writer signals the end of the Go program when its own pipe
	// is closed by JS; with our stream as the body that pipe is never read,
	// so close it here (its exported Reader field).
	if v := reflect.ValueOf(rw.ResponseWriter); v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
		if f := v.Elem().FieldByName("Reader"); f.IsValid() && f.CanInterface() {
			if c, ok := f.Interface().(io.Closer); ok && c != nil {
				_ = c.Close()
			}
		}
	}
}
