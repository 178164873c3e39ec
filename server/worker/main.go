//go:build js && wasm

package main

import (
	"log/slog"
	"net/http"
	"os"
	"runtime"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"

	"github.com/oxdrop/oxdrop/server/api"
	"github.com/oxdrop/oxdrop/server/worker/jsio"
	"github.com/oxdrop/oxdrop/server/worker/r2store"
)

// logger writes one JSON line per record on stdout: console.log in the
// Worker, visible with `wrangler tail` or in the dashboard's logs.
var logger = slog.New(slog.NewJSONHandler(os.Stdout, nil))

func main() {
	workers.Serve(http.HandlerFunc(serve))
}

// serve builds the whole handler for this one request (the instance is
// fresh and is thrown away after it) and runs it.
func serve(w http.ResponseWriter, r *http.Request) {
	jsio.RequestBody(r)
	rw := jsio.NewResponseWriter(w)
	defer rw.Finish()
	h, maxBody, err := newHandler()
	if err != nil {
		drain(r.Body)
		writeError(rw, http.StatusInternalServerError, "Server misconfigured: "+err.Error())
		return
	}
	limitBody(maxBody, h).ServeHTTP(rw, r)
	// The instance's peak: Go's share of the isolate's 128 MB (wasm linear
	// memory never shrinks, so Sys is the high-water mark).
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	logger.Info("instance memory", "path", r.URL.Path, "go_sys_bytes", m.Sys)
}

func newHandler() (http.Handler, int64, error) {
	s, err := loadSettings(cloudflare.Getenv)
	if err != nil {
		return nil, 0, err
	}
	st, err := r2store.New(cloudflare.GetBinding(s.Bucket))
	if err != nil {
		return nil, 0, err
	}
	return api.New(api.Config{
		Store: st,
		// No App: the app is served by Workers static assets
		// (wrangler.jsonc "assets"), in front of the Worker, so only /api/*
		// reaches Go.
		MaxBodyBytes: s.MaxBody,
		MaxJSONBytes: s.MaxJSON,
		MaxFileBytes: s.MaxFile,
		// Resumable uploads: pieces go to R2 multipart parts, so a file may
		// be far larger than a request.
		MaxChunkBytes: s.MaxChunk,
		UploadTTL:     s.UploadTTL,
		NoDedup:       s.NoDedup,
		Tokens:        s.Tokens,
		// Cross-site writes: the handler refuses a POST from a page of
		// another origin than the Worker's own or this one (403), as on the
		// native server. The app, served by the Worker's static assets, is
		// same-origin.
		CORSOrigin: s.CORSOrigin,
		// No Host check (CheckHost stays false): it guards a server on the
		// user's own machine against DNS-rebinding pages, and a Worker is a
		// public service that Cloudflare only routes to for its configured
		// hostnames; anyone may call it directly, with any name it answers.
		//
		// No idle deadlines: the Workers runtime has no connection deadlines
		// (ResponseController.SetReadDeadline is unsupported; the handler
		// would turn them off at the first try). Cloudflare bounds requests
		// itself (its own idle and request-body limits).
		BodyIdleTimeout: -1,
		WriteTimeout:    -1,
		// MaxConcurrentUploads is left at its default but never reached:
		// every request has its own fresh instance, so it sees one upload.
		Logger: logger,
	}), s.MaxBody, nil
}
