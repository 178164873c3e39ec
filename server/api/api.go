// Package api is oxdrop's HTTP handler: POST /api/repos (JSON and streamed
// multipart), reading repositories and files back, and the web app's
// assets. It routes, decodes requests into a repobuild.Creation (which
// stores, describes and publishes), answers repobuild's errors with their
// statuses, and applies the limits, deadlines and drains of HTTP. The
// same handler runs in the native server (oxdrop serve) and,
// compiled to js/wasm, on Cloudflare Workers, where every request gets a
// fresh Go instance: so it keeps no state between requests that matters for
// correctness (races are settled by the store's conditional Puts), streams
// every body, and imports nothing that does not build for js/wasm.
package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/oxdrop/oxdrop/server/repobuild"
	"github.com/oxdrop/oxdrop/server/store"
	"github.com/oxdrop/oxdrop/server/uploads"
)

// OxenVersion is sent in the oxen-version header of every response, as the
// Oxen server does.
const OxenVersion = "0.50.0"

// Defaults for zero Config limits.
const (
	DefaultMaxBodyBytes = 10 << 30
	DefaultMaxFiles     = repobuild.DefaultMaxFiles
	DefaultMaxJSONBytes = 16 << 20 // read whole: kept small (as on Workers); large files go as multipart
	DefaultStagingTTL   = repobuild.DefaultStagingTTL
	// DefaultErrorDrainTime: at loopback or LAN speeds a few GiB, over the
	// internet tens of MiB; past it the client meets a closed connection.
	DefaultErrorDrainTime = 5 * time.Second
	// DefaultBodyIdleTimeout: a body that stops arriving for a minute is
	// not coming back (TCP retransmissions give up long before), while a
	// slow but live link always delivers something within it.
	DefaultBodyIdleTimeout = 60 * time.Second
	// DefaultWriteTimeout: likewise for a response nobody reads.
	DefaultWriteTimeout = 60 * time.Second
	// DefaultMaxConcurrentUploads: a creation holds about 1.2 MiB (mostly
	// its 1 MiB multipart buffer) and two file descriptors (its socket and
	// the file being stored), plus ~4.2 KiB per file received (measured:
	// 200 creations stalled inside a file raised the server's RSS by 232
	// MiB and its descriptors by 400). 64 stalled creations then hold about
	// 75 MiB and 128 descriptors, well inside a small machine and the usual
	// limit of 1,024 open files, with room above the 32 concurrent clients
	// bench/creates runs.
	DefaultMaxConcurrentUploads = 64
	// uploadRetryAfter is the Retry-After of a 503 for too many creations.
	uploadRetryAfter = "10"
)

// Config configures the handler. Only Store is required.
type Config struct {
	Store store.Store
	// App serves every path outside /api (the web app, package webapp),
	// behind the same checks and log; nil: 404.
	App http.Handler
	// MaxBodyBytes caps a POST body, MaxFileBytes one file (in a single
	// request also MaxBodyBytes; in a resumable upload, where 0 means
	// DefaultMaxBodyBytes, not that), MaxFiles the number of files of one
	// creation; MaxJSONBytes caps a JSON body (read
	// whole, so kept smaller).
	MaxBodyBytes int64
	MaxFileBytes int64
	MaxFiles     int
	MaxJSONBytes int64
	// Tokens: when non-empty, POST needs "Authorization: Bearer <token>"
	// with one of them.
	Tokens []string
	// CORSOrigin allows cross-origin calls of the API from that exact origin
	// (or from any with "*"), for the app deployed as a static site.
	CORSOrigin string
	// StagingTTL is how long a creation may take; staging data older than
	// it (plus a margin) is swept as garbage.
	StagingTTL time.Duration
	// ErrorDrainTime bounds how long the server goes on reading (and
	// discarding) an upload it already refused, so the client can finish
	// sending and read the error (default DefaultErrorDrainTime).
	ErrorDrainTime time.Duration
	// BodyIdleTimeout cuts a POST body that stops arriving: a read that
	// gets no byte for this long fails and the request is answered 408,
	// whatever time is left of the http.Server's ReadTimeout (which still
	// bounds the whole request). It needs deadlines on the connection
	// (http.ResponseController.SetReadDeadline): where there are none, as
	// on Workers, it is off. Zero: DefaultBodyIdleTimeout; negative: off.
	BodyIdleTimeout time.Duration
	// WriteTimeout cuts a response the client stops reading: a write that
	// makes no progress for this long fails. It is an idle interval, pushed
	// forward while the client reads, so a slow but steady download of many
	// GiB is never cut (a fixed http.Server.WriteTimeout would). Zero:
	// DefaultWriteTimeout; negative: off; off where the connection has no
	// deadlines.
	WriteTimeout time.Duration
	// MaxConcurrentUploads caps the creations (POST /api/repos) in
	// progress at once; one more is answered 503 with Retry-After before
	// its body is read. Zero: DefaultMaxConcurrentUploads; negative: no
	// cap. Per handler: on Workers every request has its own.
	MaxConcurrentUploads int
	// CheckHost refuses (403) every request whose Host is not a loopback
	// name (localhost, *.localhost, 127.0.0.0/8, ::1) or one of
	// AllowedHosts, whatever its port: a server bound to loopback is then
	// out of reach of DNS-rebinding pages, whose requests carry their own
	// host name. oxdrop serve sets it on a loopback bind.
	CheckHost bool
	// AllowedHosts are more host names CheckHost lets through: "name",
	// ".name" (it and its subdomains) or "*" (any).
	AllowedHosts []string
	// UploadTTL is how long a resumable upload (POST /api/uploads) and its
	// hold on a name live (0: uploads.DefaultTTL); MaxChunkBytes caps one
	// piece of a blob (0: uploads.DefaultMaxChunkBytes); NoDedup turns off
	// the sharing of blobs between repositories (docs/uploads.md).
	UploadTTL     time.Duration
	MaxChunkBytes int64
	NoDedup       bool
	Now           func() time.Time
	Logger        *slog.Logger

	// tune changes the repobuild.Config made from this one (tests).
	tune func(*repobuild.Config)
}

type handler struct {
	cfg     Config
	builds  *repobuild.Builder
	ups     *uploads.Manager
	mux     *http.ServeMux
	log     *slog.Logger
	origins *http.CrossOriginProtection // nil: any origin may write (CORSOrigin "*")
	uploads chan struct{}               // a slot per creation in progress; nil: no cap
}

// New returns the handler.
func New(cfg Config) http.Handler {
	if cfg.Store == nil {
		panic("api: Config.Store is nil")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	// A resumable upload's file is not bounded by a request body (it comes
	// in pieces): MaxFileBytes when set, else the default body cap.
	blobLimit := cfg.MaxFileBytes
	if blobLimit <= 0 {
		blobLimit = DefaultMaxBodyBytes
	}
	if cfg.MaxFileBytes <= 0 || cfg.MaxFileBytes > cfg.MaxBodyBytes {
		cfg.MaxFileBytes = cfg.MaxBodyBytes
	}
	if cfg.MaxFiles <= 0 {
		cfg.MaxFiles = DefaultMaxFiles
	}
	if cfg.MaxJSONBytes <= 0 {
		cfg.MaxJSONBytes = DefaultMaxJSONBytes
	}
	cfg.MaxJSONBytes = min(cfg.MaxJSONBytes, cfg.MaxBodyBytes)
	if cfg.StagingTTL <= 0 {
		cfg.StagingTTL = DefaultStagingTTL
	}
	if cfg.MaxChunkBytes <= 0 {
		cfg.MaxChunkBytes = uploads.DefaultMaxChunkBytes
	}
	cfg.MaxChunkBytes = min(cfg.MaxChunkBytes, cfg.MaxBodyBytes)
	if cfg.ErrorDrainTime <= 0 {
		cfg.ErrorDrainTime = DefaultErrorDrainTime
	}
	if cfg.BodyIdleTimeout == 0 {
		cfg.BodyIdleTimeout = DefaultBodyIdleTimeout
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.MaxConcurrentUploads == 0 {
		cfg.MaxConcurrentUploads = DefaultMaxConcurrentUploads
	}
	cfg.CORSOrigin = strings.TrimSuffix(cfg.CORSOrigin, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	bcfg := repobuild.Config{
		Store: cfg.Store, MaxFiles: cfg.MaxFiles, MaxFileBytes: cfg.MaxFileBytes,
		StagingTTL: cfg.StagingTTL, Now: cfg.Now, Logger: cfg.Logger,
	}
	if cfg.tune != nil {
		cfg.tune(&bcfg)
	}
	h := &handler{cfg: cfg, builds: repobuild.New(bcfg), log: cfg.Logger}
	h.ups = uploads.New(uploads.Config{
		Store: cfg.Store, Builds: h.builds, TTL: cfg.UploadTTL,
		MaxFiles: cfg.MaxFiles, MaxFileBytes: blobLimit,
		MaxChunkBytes: cfg.MaxChunkBytes, NoDedup: cfg.NoDedup,
		Now: cfg.Now, Logger: cfg.Logger,
	})
	h.mux = h.routes()
	h.origins = newOriginCheck(cfg.CORSOrigin, cfg.Logger)
	if cfg.MaxConcurrentUploads > 0 {
		h.uploads = make(chan struct{}, cfg.MaxConcurrentUploads)
	}
	return h
}

// apiError is an error with its HTTP status and a message safe to show.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) error {
	return &apiError{status, fmt.Sprintf(format, args...)}
}

// kindStatus is the answer to each kind of repobuild.Error.
var kindStatus = map[repobuild.Kind]int{
	repobuild.Invalid:  http.StatusBadRequest,
	repobuild.TooLarge: http.StatusRequestEntityTooLarge,
	repobuild.Conflict: http.StatusConflict,
	repobuild.Timeout:  http.StatusRequestTimeout,
	repobuild.NotFound: http.StatusNotFound,
}

// asAPIError is err's answer when err is one the client should hear
// about: an apiError, a repobuild.Error, or a repobuild.FileError whose
// body ended or stopped arriving inside the file. Otherwise nil: the other
// cases of writeError decide (an over-limit body, a cancelled request, a
// full disk, a fault of ours).
func asAPIError(err error) *apiError {
	var ae *apiError
	var be *repobuild.Error
	var fe *repobuild.FileError
	var pe *uploads.PieceError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &be):
		if status, ok := kindStatus[be.Kind]; ok {
			return &apiError{status, be.Msg}
		}
	case errors.As(err, &fe) && !errors.As(fe.Err, &mbe):
		switch {
		case isTruncated(fe.Err):
			return &apiError{http.StatusBadRequest, fmt.Sprintf("The request body ended inside file %q (client disconnected?)", fe.Path)}
		case errors.Is(fe.Err, os.ErrDeadlineExceeded) || errors.Is(fe.Err, context.Canceled):
			// The read timeout freed a stalled client (net/http cancels the
			// request's context first) or the client went away: not our fault.
			return &apiError{http.StatusRequestTimeout, fmt.Sprintf("The request body stopped arriving inside file %q (read timeout or client gone)", fe.Path)}
		}
	case errors.As(err, &pe):
		switch {
		case isTruncated(pe.Err):
			return &apiError{http.StatusBadRequest, fmt.Sprintf("The request body ended inside a piece of blob %s (client disconnected?); the piece was discarded: resume from the offset HEAD gives", pe.Hash)}
		case errors.Is(pe.Err, os.ErrDeadlineExceeded) || errors.Is(pe.Err, context.Canceled):
			return &apiError{http.StatusRequestTimeout, fmt.Sprintf("The request body stopped arriving inside a piece of blob %s (read timeout or client gone); the piece was discarded", pe.Hash)}
		}
	}
	return nil
}

// ServeHTTP routes, and logs one line per request.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, deadline: h.writeDeadline(w)}
	var body *trackedBody
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p))
			if rec.status == 0 {
				h.writeError(rec, r, errors.New("panic"))
			}
		}
		h.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.statusOr200(),
			"bytes", rec.bytes, "duration", time.Since(start))
		// Bound what net/http does after the handler: flush the response's
		// last bytes, discard an unread rest of the body.
		rec.deadline.push()
		if body != nil {
			body.deadline.push()
		}
	}()
	hd := rec.Header()
	hd.Set("oxen-version", OxenVersion)
	// Every answer, API or not, error or file: never sniffed into a page.
	hd.Set("X-Content-Type-Options", "nosniff")
	if (r.Method == http.MethodPost || r.Method == http.MethodPatch) && r.Body != nil {
		body = &trackedBody{ReadCloser: r.Body, deadline: h.bodyDeadline(w, r)}
		r = r.WithContext(context.WithValue(r.Context(), trackedBodyKey{}, body))
		r.Body = body
	}
	if isAPIPath(r.URL.Path) {
		h.cors(rec, r)
	}
	if err := h.guard(rec, r); err != nil {
		h.writeError(rec, r, err)
		return
	}
	h.mux.ServeHTTP(rec, r)
}

// limitsBody is what GET /api/limits answers, so a client can refuse an
// over-limit upload before sending it instead of meeting a 413 (or a reset
// connection) deep inside a large body.
type limitsBody struct {
	MaxBodyBytes int64 `json:"max_body_bytes"`
	MaxFileBytes int64 `json:"max_file_bytes"`
	MaxFiles     int   `json:"max_files"`
}

func (h *handler) limits(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, limitsBody{h.cfg.MaxBodyBytes, h.cfg.MaxFileBytes, h.cfg.MaxFiles})
	return nil
}

// authorize checks the bearer token against every configured token in
// constant time.
func (h *handler) authorize(r *http.Request) error {
	if len(h.cfg.Tokens) == 0 {
		return nil
	}
	auth := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return errorf(http.StatusUnauthorized, "Missing bearer token: send Authorization: Bearer <token>")
	}
	match := 0
	for _, t := range h.cfg.Tokens {
		match |= subtle.ConstantTimeCompare([]byte(t), []byte(token))
	}
	if match != 1 {
		return errorf(http.StatusUnauthorized, "Invalid bearer token")
	}
	return nil
}

// corsAllowHeaders are the request headers a cross-origin page may send,
// whether or not its preflight asks for them: the app's, tus clients'
// (tus-js-client, Uppy's Tus plugin: creation, resumption, checksums,
// request ids, the method override, the IETF draft's headers, which the
// tus endpoints then refuse with a message rather than a browser's
// "network error"), Range for reads and XHR libraries' X-Requested-With.
const corsAllowHeaders = "Authorization, Content-Type, Range, Tus-Resumable, Upload-Length, Upload-Metadata, Upload-Offset, Upload-Defer-Length, Upload-Concat, Upload-Checksum, Upload-Complete, Upload-Draft-Interop-Version, X-HTTP-Method-Override, X-Request-ID, X-Requested-With"

// corsExposeHeaders are the response headers a cross-origin page may read
// (besides the safelisted Content-Type, Content-Length...): tus's (where
// each blob is, how much of it the server has), Retry-After of a 503 or
// 429, WWW-Authenticate of a 401, Allow of a 405, and a file's ETag (its
// Oxen hash), Content-Range, Accept-Ranges and Content-Disposition.
const corsExposeHeaders = "Location, Upload-Offset, Upload-Length, Upload-Metadata, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Retry-After, WWW-Authenticate, Allow, ETag, Content-Range, Accept-Ranges, Content-Disposition, oxen-version"

// cors sets the CORS headers of an API answer, for every answer the API
// gives: successes, the guards' refusals, 401, 404, 405, 408, 413, 503
// and 500 alike. A browser hides from the page any answer without
// Access-Control-Allow-Origin, and clients then report a "network error"
// instead of the server's message. ServeHTTP calls it once, before
// anything else can answer.
func (h *handler) cors(w http.ResponseWriter, r *http.Request) {
	o := h.cfg.CORSOrigin
	if o == "" {
		return
	}
	hd := w.Header()
	hd.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	switch {
	case o == "*":
		hd.Set("Access-Control-Allow-Origin", "*")
	case origin == o:
		hd.Set("Access-Control-Allow-Origin", origin)
	default:
		return
	}
	hd.Set("Access-Control-Expose-Headers", corsExposeHeaders)
}

// isAPIPath: /api and below (the web app's paths get no CORS headers).
func isAPIPath(p string) bool { return p == "/api" || strings.HasPrefix(p, "/api/") }

// preflight answers OPTIONS: Allow, and to a browser's CORS preflight
// the methods and headers it may send. A preflight from an origin that
// -cors-origin does not name (or with no -cors-origin) succeeds too, with
// Access-Control-Allow-Origin: *: what refuses that page's writes is the
// guard, whose 403 it can then read ("start the server with -cors-origin
// …"), not a preflight failure its client would report as a "network
// error" (XMLHttpRequest preflights every upload whose progress a page
// watches, as Uppy's and tus-js-client's do). Its reads stay unreadable:
// their answers name no origin but the allowed one.
func (h *handler) preflight(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Allow", "GET, HEAD, POST, OPTIONS")
	if r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != "" {
		if hd.Get("Access-Control-Allow-Origin") == "" {
			hd.Set("Access-Control-Allow-Origin", "*")
		}
		hd.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PATCH, DELETE, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", allowHeaders(r.Header.Get("Access-Control-Request-Headers")))
		hd.Add("Vary", "Access-Control-Request-Headers")
		hd.Set("Access-Control-Max-Age", "86400")
	}
	w.WriteHeader(http.StatusNoContent)
}

// allowHeaders is corsAllowHeaders and any other header the preflight
// asks for. The allowed origin may call every endpoint anyway, and the
// server acts on no header it does not know (Authorization is checked,
// whoever sends it); refusing an unknown one (a client's own X-Whatever)
// would only turn an answer the server gives into a browser's "network
// error". Only header names (tokens) are echoed.
func allowHeaders(requested string) string {
	out := corsAllowHeaders
	known := map[string]bool{}
	for _, k := range strings.Split(corsAllowHeaders, ", ") {
		known[strings.ToLower(k)] = true
	}
	for _, k := range strings.Split(requested, ",") {
		k = strings.TrimSpace(k)
		if k == "" || known[strings.ToLower(k)] || !isToken(k) || len(out) > 4096 {
			continue
		}
		known[strings.ToLower(k)] = true
		out += ", " + k
	}
	return out
}

// isToken: an HTTP token (RFC 9110), as a header name is.
func isToken(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
}

// writeJSON sends v as the JSON body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

type errorBody struct {
	Status        string `json:"status"`
	StatusMessage string `json:"status_message"`
}

// writeError answers with err's status and message (asAPIError); anything
// else is logged and becomes a 500 that reveals nothing.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae := asAPIError(err)
	var mbe *http.MaxBytesError
	body, _ := r.Context().Value(trackedBodyKey{}).(*trackedBody)
	switch {
	case body != nil && timedOut(body.err):
		// Whatever the reading code made of it (a truncated part, a
		// cancelled request), the body stopped arriving.
		ae = h.bodyTimeoutError(body)
	case ae != nil:
	case errors.As(err, &mbe):
		ae = &apiError{http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body is over the limit of %d bytes", mbe.Limit)}
	case r.Context().Err() != nil:
		// The client went away or the read timeout fired (net/http then
		// cancels the context): whatever failed after that is not a fault.
		ae = &apiError{http.StatusRequestTimeout, "The request was cancelled or timed out before the server had all of it"}
	case errors.Is(err, syscall.ENOSPC): // a full disk is the operator's problem, but the client must know it is not theirs
		h.log.Error("out of storage space", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = &apiError{http.StatusInsufficientStorage, "The server is out of storage space; nothing of this upload was kept"}
	default:
		h.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = &apiError{http.StatusInternalServerError, "Internal server error; the server log has the details"}
	}
	if r.Method != http.MethodPost && r.Method != http.MethodPatch {
		writeJSON(w, ae.status, errorBody{"error", ae.msg})
		return
	}
	h.answerUpload(w, r, ae)
}

// smallDrain is how much unread body an error answer reads first, to keep
// the connection open for the next request.
const smallDrain = 1 << 20

// answerUpload sends an error for a request whose body may be partly
// unread, in a way that lets the client read it.
//
// The problem: a server that answers and closes while the client is still
// sending makes the kernel reset the connection (unread data on close), and
// a client that reads only after sending (simple clients; also net/http's
// when the reset wins the race) sees "connection reset" instead of the
// message. net/http itself discards at most 256 KiB after the handler.
//
// So: a short rest (smallDrain) is read before answering, and the
// connection stays usable. A longer one gets the answer at once, flushed
// with Connection: close (clients that read while sending, like curl, stop
// there), and then the server goes on reading and discarding the body for
// at most ErrorDrainTime, so a client that sends everything first can
// finish and read the answer. Past that time the connection closes as
// before. That includes a body refused by its Content-Length (over
// MaxBodyBytes): a slightly oversized upload still gets its 413. Not
// drained: clients that wait for "100 Continue" and were not sent one,
// requests whose context is done (the client left or the read timeout
// fired: a stalled client gets no extra time).
func (h *handler) answerUpload(w http.ResponseWriter, r *http.Request, ae *apiError) {
	// From the context: r.Body may be wrapped by now (MaxBytesReader).
	body, _ := r.Context().Value(trackedBodyKey{}).(*trackedBody)
	unread := int64(-1) // unknown
	if r.ContentLength >= 0 {
		unread = r.ContentLength
		if body != nil {
			unread -= body.read
		}
	}
	waitsForContinue := body != nil && !body.started && strings.EqualFold(r.Header.Get("Expect"), "100-continue")
	switch {
	case r.Context().Err() != nil || waitsForContinue:
		w.Header().Set("Connection", "close")
		writeJSON(w, ae.status, errorBody{"error", ae.msg})
		return
	case unread >= 0 && unread <= smallDrain:
		if n, _ := io.CopyN(io.Discard, r.Body, smallDrain+1); n > smallDrain {
			w.Header().Set("Connection", "close")
		}
		writeJSON(w, ae.status, errorBody{"error", ae.msg})
		return
	}
	w.Header().Set("Connection", "close")
	if body != nil {
		body.deadline.stop() // the drain has its own deadline
	}
	rc := http.NewResponseController(w)
	if rc.EnableFullDuplex() != nil {
		// Without full duplex (not net/http's HTTP/1 server) the body may
		// be gone once the answer is written: read a bounded rest first.
		io.CopyN(io.Discard, r.Body, smallDrain)
		writeJSON(w, ae.status, errorBody{"error", ae.msg})
		return
	}
	writeJSON(w, ae.status, errorBody{"error", ae.msg})
	if rc.Flush() != nil || rc.SetReadDeadline(time.Now().Add(h.cfg.ErrorDrainTime)) != nil {
		return
	}
	n, err := io.Copy(io.Discard, r.Body)
	h.log.Info("read the rest of a refused upload", "path", r.URL.Path, "bytes", n, "complete", err == nil)
}

// trackedBodyKey is the request context key of its trackedBody.
type trackedBodyKey struct{}

// trackedBody counts what the handler read of a POST body, for
// answerUpload, keeps its idle read deadline ahead while bytes arrive, and
// remembers why reading failed.
type trackedBody struct {
	io.ReadCloser
	read     int64
	started  bool
	deadline *idleDeadline
	err      error // the first read error other than io.EOF
}

func (b *trackedBody) Read(p []byte) (int, error) {
	b.started = true
	b.deadline.push()
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	if err != nil {
		b.deadline.stop()
		if err != io.EOF && b.err == nil {
			b.err = err
		}
	}
	return n, err
}

// bodyTimeoutError is the 408 of a body that stopped arriving.
func (h *handler) bodyTimeoutError(b *trackedBody) *apiError {
	if !b.deadline.idleFired() {
		return &apiError{http.StatusRequestTimeout, "The request took longer than the server's read timeout; nothing of this upload was kept"}
	}
	return &apiError{http.StatusRequestTimeout, fmt.Sprintf(
		"The request body stopped arriving: nothing came for %s (the server's body idle timeout); nothing of this upload was kept", seconds(h.cfg.BodyIdleTimeout))}
}

// seconds writes whole seconds as "60s" (not Duration's "1m0s").
func seconds(d time.Duration) string {
	if d >= time.Second && d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// recorder remembers the status and counts bytes for the log line, and
// keeps the idle write deadline ahead while the client reads.
type recorder struct {
	http.ResponseWriter
	status   int
	bytes    int64
	deadline *idleDeadline
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.deadline.push()
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.deadline.push()
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) statusOr200() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
