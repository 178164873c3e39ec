//go:build js && wasm

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"

	"github.com/oxdrop/oxdrop/server/store"
	"github.com/oxdrop/oxdrop/server/worker/jsio"
	"github.com/oxdrop/oxdrop/server/worker/r2store"
)

func main() {
	workers.Serve(http.HandlerFunc(serve))
}

func serve(rt http.ResponseWriter, r *http.Request) {
	// The Worker's response path: bounded FixedLengthStream bodies.
	w := jsio.NewResponseWriter(rt)
	defer w.Finish()
	s, err := r2store.New(cloudflare.GetBinding("OXDROP_BUCKET"))
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	ctx := r.Context()
	if r.URL.Query().Get("reader") != "syumai" {
		jsio.RequestBody(r)
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/o/"):
		key := strings.TrimPrefix(r.URL.Path, "/o/")
		switch r.Method {
		case "PUT":
			var opts store.PutOptions
			switch c := r.URL.Query().Get("if"); c {
			case "":
			case "absent":
				opts.IfAbsent = true
			default:
				opts.IfMatch = c
			}
			size := r.ContentLength
			body := io.Reader(r.Body)
			if r.URL.Query().Get("size") == "unknown" {
				size = -1
				body = struct{ io.Reader }{r.Body} // hide any Len method
			}
			info, err := s.Put(ctx, key, body, size, opts)
			if err != nil {
				fail(w, err)
				return
			}
			// Sys is what the Go runtime took from the wasm linear memory,
			// which never shrinks: the instance's peak for this request.
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			writeJSON(w, map[string]any{"info": info, "goSys": m.Sys})
		case "HEAD":
			info, err := s.Stat(ctx, key)
			if err != nil {
				fail(w, err)
				return
			}
			w.Header().Set("X-Size", strconv.FormatInt(info.Size, 10))
			w.Header().Set("X-Etag", info.ETag)
		case "GET":
			b, err := s.Open(ctx, key)
			if err != nil {
				fail(w, err)
				return
			}
			defer b.Close()
			q := r.URL.Query()
			if q.Has("off") {
				off, _ := strconv.ParseInt(q.Get("off"), 10, 64)
				n, _ := strconv.Atoi(q.Get("n"))
				p := make([]byte, n)
				got, err := b.ReadAt(p, off)
				if err != nil && !errors.Is(err, io.EOF) {
					fail(w, err)
					return
				}
				w.Header().Set("X-EOF", strconv.FormatBool(errors.Is(err, io.EOF)))
				if got > 0 { // syumai's writer hangs on an empty Write
					_, _ = w.Write(p[:got])
				}
				return
			}
			if q.Has("discard") { // time the read path alone
				n, err := io.Copy(io.Discard, b)
				writeJSON(w, map[string]any{"n": n, "err": fmt.Sprint(err)})
				return
			}
			w.Header().Set("X-Size", strconv.FormatInt(b.Size(), 10))
			if !q.Has("nolen") {
				w.Header().Set("Content-Length", strconv.FormatInt(b.Size(), 10))
			}
			if n, err := io.Copy(w, b); err != nil {
				fmt.Printf("r2probe: GET %s: copied %d of %d bytes: %v\n", key, n, b.Size(), err)
			}
		default:
			http.Error(w, "method", 405)
		}
	case r.URL.Path == "/list":
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		keys, next, err := s.List(ctx, q.Get("prefix"), q.Get("cursor"), limit)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, map[string]any{"keys": keys, "next": next})
	case r.URL.Path == "/drain":
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, n)
	case r.URL.Path == "/delete":
		var keys []string
		if err := json.NewDecoder(r.Body).Decode(&keys); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		if err := s.Delete(ctx, keys...); err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, "ok")
	default:
		http.NotFound(w, r)
	}
}

func fail(w http.ResponseWriter, err error) {
	code := 500
	switch {
	case errors.Is(err, store.ErrNotFound):
		code = 404
	case errors.Is(err, store.ErrPrecondition):
		code = 412
	}
	http.Error(w, fmt.Sprintf("%v", err), code)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
