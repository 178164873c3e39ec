// Package webapp serves the static web app (index.html, ES modules, wasm,
// service worker) from an fs.FS: the right types, ETag + no-cache (the
// build writes plain names, so every load revalidates), gzip, and a CSP
// that lets the page reach its API. oxdrop serve mounts it with the app
// embedded by package build; the Workers build serves the app as static
// assets instead and does not use it.
package webapp

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/oxdrop/oxdrop/core/oxhash"
)

// placeholder is "/" when the web app has not been built into the binary.
const placeholder = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>oxdrop</title>
<h1>oxdrop</h1>
<p>The web app is not built into this server. Run <code>npm run build</code>, then rebuild the server (<code>go build ./server/cmd/oxdrop</code>).</p>
<p>The API is up: <code>POST /api/repos</code>.</p>
</html>
`

// assetTypes are the types that matter for the app; other extensions use
// the mime package.
var assetTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".wasm":        "application/wasm",
	".webmanifest": "application/manifest+json",
	".json":        "application/json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".txt":         "text/plain; charset=utf-8",
	".map":         "application/json",
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") || strings.Contains(ct, "json") ||
		ct == "application/wasm" || ct == "image/svg+xml" || ct == "image/x-icon"
}

// Config configures the app's handler.
type Config struct {
	// Files is the built app, index.html at its root. nil: a page that
	// says how to build it.
	Files fs.FS
	// CORSOrigin, when an origin (not "*"), is where the API may also be
	// reached from the page; ConnectSources are more such origins. Both go
	// into the CSP's connect-src.
	CORSOrigin     string
	ConnectSources []string
}

// assets serves the web app.
type assets struct {
	fsys fs.FS
	csp  string
	// cache holds each file's ETag and gzipped bytes: the files are
	// embedded and never change while the process runs (an optimisation
	// only; a fresh instance recomputes them).
	cache sync.Map // name -> *asset
}

type asset struct {
	data, gz []byte
	etag     string
	ct       string
}

// New returns the app's handler (GET and HEAD).
func New(cfg Config) http.Handler { return newAssets(cfg) }

func newAssets(cfg Config) *assets {
	connect := []string{"'self'"}
	if o := cfg.CORSOrigin; o != "" && o != "*" {
		connect = append(connect, o)
	}
	connect = append(connect, cfg.ConnectSources...)
	csp := "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; img-src 'self' blob: data:; " +
		"media-src 'self' blob:; connect-src " + strings.Join(connect, " ") +
		"; style-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
	return &assets{fsys: cfg.Files, csp: csp}
}

func (a *assets) load(name string) (*asset, bool) {
	if v, ok := a.cache.Load(name); ok {
		return v.(*asset), true
	}
	var data []byte
	var err error
	if a.fsys == nil {
		if name != "index.html" {
			return nil, false
		}
		data = []byte(placeholder)
	} else if data, err = fs.ReadFile(a.fsys, name); err != nil {
		return nil, false
	}
	ext := path.Ext(name)
	ct, ok := assetTypes[ext]
	if !ok {
		if ct = mime.TypeByExtension(ext); ct == "" {
			ct = "application/octet-stream"
		}
	}
	as := &asset{data: data, ct: ct, etag: `"` + oxhash.SumHex(data) + `"`}
	if compressible(ct) && len(data) > 512 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(data)
		zw.Close()
		if buf.Len() < len(data) {
			as.gz = buf.Bytes()
		}
	}
	v, _ := a.cache.LoadOrStore(name, as)
	return v.(*asset), true
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name == "" || strings.HasSuffix(r.URL.Path, "/") {
		name = path.Join(name, "index.html")
	}
	as, ok := a.load(name)
	if !ok || !fs.ValidPath(name) {
		hd.Set("X-Content-Type-Options", "nosniff")
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	hd.Set("Content-Type", as.ct)
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", a.csp)
	hd.Set("Referrer-Policy", "no-referrer")
	body, etag := as.data, as.etag
	if as.gz != nil {
		hd.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			body, etag = as.gz, strings.TrimSuffix(as.etag, `"`)+`-gz"`
			hd.Set("Content-Encoding", "gzip")
		}
	}
	hd.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reads Accept-Encoding, honouring gzip;q=0.
func acceptsGzip(ae string) bool {
	for part := range strings.SplitSeq(ae, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") || strings.TrimSpace(coding) == "*" {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
