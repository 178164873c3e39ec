package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// limitBody caps request bodies at max bytes before the API sees them and
// makes sure every request body is read to its end before the response
// starts: a Worker that answers while the client is still sending gets the
// upload cut off, and the browser then reports a network error instead of
// our JSON message.
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			drain(r.Body)
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf(
				"Request body is %d bytes; this server accepts at most %d bytes (OXDROP_MAX_BODY).", r.ContentLength, max))
			return
		}
		orig := r.Body
		dw := &drainingWriter{ResponseWriter: w, body: orig}
		r.Body = http.MaxBytesReader(dw, orig, max)
		next.ServeHTTP(dw, r)
		dw.drain()
	})
}

// drainingWriter reads what is left of the request body before the first
// header or byte of the response goes out.
type drainingWriter struct {
	http.ResponseWriter
	body io.ReadCloser
	once sync.Once
}

func (d *drainingWriter) drain() { d.once.Do(func() { drain(d.body) }) }

func (d *drainingWriter) WriteHeader(code int) {
	d.drain()
	d.ResponseWriter.WriteHeader(code)
}

func (d *drainingWriter) Write(p []byte) (int, error) {
	d.drain()
	return d.ResponseWriter.Write(p)
}

// Flush keeps http.Flusher working through the wrapper.
func (d *drainingWriter) Flush() {
	d.drain()
	if f, ok := d.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the runtime's writer.
func (d *drainingWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// drain reads r to its end in small pieces (memory stays at one buffer).
func drain(r io.Reader) {
	if r == nil {
		return
	}
	_, _ = io.Copy(io.Discard, r)
}

// writeError answers with the API's error shape.
func writeError(w http.ResponseWriter, code int, msg string) {
	body, _ := json.Marshal(struct {
		Status        string `json:"status"`
		StatusMessage string `json:"status_message"`
	}{"error", msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
