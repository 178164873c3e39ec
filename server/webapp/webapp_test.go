package webapp

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAssets(t *testing.T) {
	js := strings.Repeat("console.log('oxdrop');\n", 100)
	app := fstest.MapFS{
		"index.html":           {Data: []byte("<!doctype html><title>oxdrop</title>" + strings.Repeat(" ", 600))},
		"js/app.js":            {Data: []byte(js)},
		"oxdrop.wasm":          {Data: bytes.Repeat([]byte{0, 'a', 's', 'm'}, 400)},
		"manifest.webmanifest": {Data: []byte(`{"name":"oxdrop"}`)},
		"icon.png":             {Data: []byte("\x89PNG fake")},
	}
	e := newEnv(t, New(Config{Files: app, CORSOrigin: "https://app.example", ConnectSources: []string{"https://api.example"}}))
	for path, ct := range map[string]string{
		"/": "text/html; charset=utf-8", "/index.html": "text/html; charset=utf-8", "/js/app.js": "text/javascript; charset=utf-8",
		"/oxdrop.wasm": "application/wasm", "/manifest.webmanifest": "application/manifest+json", "/icon.png": "image/png",
	} {
		r := e.get(path)
		if r.status != 200 || r.header.Get("Content-Type") != ct {
			t.Errorf("%s: %d %q", path, r.status, r.header.Get("Content-Type"))
		}
		if r.header.Get("Cache-Control") != "no-cache" || r.header.Get("ETag") == "" {
			t.Errorf("%s: cache headers %v", path, r.header)
		}
		csp := r.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self' https://app.example https://api.example", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
	}
	// gzip when accepted (the client's transport would add and strip it
	// silently, so ask explicitly).
	req, _ := http.NewRequest("GET", e.srv.URL+"/js/app.js", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := e.srv.Client().Transport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("no gzip: %v", res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	res.Body.Close()
	if string(plain) != js {
		t.Error("gzipped body differs")
	}
	// Conditional GET.
	etag := e.get("/js/app.js").header.Get("ETag")
	req, _ = http.NewRequest("GET", e.srv.URL+"/js/app.js", nil)
	req.Header.Set("If-None-Match", etag)
	if r := e.do(req); r.status != 304 {
		t.Errorf("If-None-Match: %d", r.status)
	}
	if r := e.get("/missing.js"); r.status != 404 {
		t.Errorf("missing asset: %d", r.status)
	}
	req, _ = http.NewRequest("POST", e.srv.URL+"/", nil)
	if r := e.do(req); r.status != 405 || r.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d %v", r.status, r.header)
	}
	if !acceptsGzip("br, gzip;q=0.5") || acceptsGzip("gzip;q=0") || acceptsGzip("br") {
		t.Error("acceptsGzip")
	}
}

func TestPlaceholderPage(t *testing.T) {
	a := newAssets(Config{})
	as, ok := a.load("index.html")
	if !ok || !strings.Contains(string(as.data), "npm run build") {
		t.Fatal("no placeholder page without a build")
	}
	if _, ok := a.load("app.js"); ok {
		t.Error("placeholder serves other files")
	}
}

// testEnv is the app's handler on loopback.
type testEnv struct {
	t   *testing.T
	srv *httptest.Server
}

func newEnv(t *testing.T, h http.Handler) *testEnv {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testEnv{t: t, srv: srv}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (e *testEnv) do(req *http.Request) *response {
	e.t.Helper()
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return &response{status: res.StatusCode, header: res.Header, body: b}
}

func (e *testEnv) get(path string) *response {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	return e.do(req)
}
