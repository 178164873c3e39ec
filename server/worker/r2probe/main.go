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
			writeJSON(w, map[string]any{"info": info, "goSys": goSys()})
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
	case strings.HasPrefix(r.URL.Path, "/chunks/"):
		chunks(w, r, s)
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

// chunks serves the store.Chunked operations; ?key= and ?handle= name
// the chunked write.
func chunks(w http.ResponseWriter, r *http.Request, s *r2store.Store) {
	ctx := r.Context()
	q := r.URL.Query()
	key, handle := q.Get("key"), q.Get("handle")
	switch strings.TrimPrefix(r.URL.Path, "/chunks/") {
	case "begin":
		h, err := s.BeginChunks(ctx, key)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, map[string]string{"handle": h})
	case "put":
		part, _ := strconv.Atoi(q.Get("part"))
		offset, _ := strconv.ParseInt(q.Get("offset"), 10, 64)
		body := io.Reader(r.Body)
		if q.Has("cut") { // the piece breaks off after this many bytes
			n, _ := strconv.ParseInt(q.Get("cut"), 10, 64)
			body = io.MultiReader(io.LimitReader(r.Body, n), errReader{})
		}
		ref, err := s.PutChunk(ctx, key, handle, part, offset, body, r.ContentLength)
		if err != nil {
			_, _ = io.Copy(io.Discard, r.Body)
			fail(w, err)
			return
		}
		writeJSON(w, map[string]any{"ref": ref, "goSys": goSys()})
	case "complete":
		var parts []store.ChunkRef
		if err := json.NewDecoder(r.Body).Decode(&parts); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		info, err := s.CompleteChunks(ctx, key, handle, parts)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, map[string]any{"info": info})
	case "abort":
		if err := s.AbortChunks(ctx, key, handle); err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, "ok")
	case "rules":
		writeJSON(w, s.ChunkRules())
	default:
		http.NotFound(w, r)
	}
}

// goSys is what the Go runtime took from the wasm linear memory, which
// never shrinks: the instance's peak for this request.
func goSys() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Sys
}

// errReader fails every read: the cut in a piece.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("r2probe: piece cut off") }

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
