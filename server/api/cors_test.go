package api

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

const appOrigin = "https://app.example"

// TestCORSOnEveryAnswer: with -cors-origin, every answer of the API
// carries the CORS headers, the early refusals included (the guards'
// 403s, 401, 404, 405, 408, 412, 413, 503): a browser hides an answer
// without them from the page, whose client then reports a "network error"
// instead of the message. Over real HTTP on loopback, each case as a
// browser of that origin would send it.
func TestCORSOnEveryAnswer(t *testing.T) {
	cases := []struct {
		name   string
		cfg    func(*Config)
		req    func(e *testEnv) *http.Request // Origin: appOrigin is added unless set
		status int
		msg    string
		acao   string // the Access-Control-Allow-Origin expected
		expose string // a header Access-Control-Expose-Headers must list; "": any
	}{
		{"200, the baseline", nil, func(e *testEnv) *http.Request { return e.createReq("ok") }, 200, "", appOrigin, "Location"},
		{"403 cross-origin (another origin than -cors-origin)", nil, func(e *testEnv) *http.Request {
			req := e.createReq("evil")
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			return req
		}, 403, "Cross-origin request refused", "*", ""},
		{"403 cross-origin without -cors-origin", func(c *Config) { c.CORSOrigin = "" }, func(e *testEnv) *http.Request {
			req := e.createReq("evil")
			req.Header.Set("Origin", appOrigin)
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			return req
		}, 403, "start the server with -cors-origin " + appOrigin, "*", ""},
		{"403 Host not allowed", func(c *Config) { c.CheckHost = true }, func(e *testEnv) *http.Request {
			req := e.createReq("rebound")
			req.Host = "oxdrop.example"
			return req
		}, 403, `Host "oxdrop.example" is not allowed`, appOrigin, ""},
		{"401 no token", func(c *Config) { c.Tokens = []string{"secret"} }, func(e *testEnv) *http.Request { return e.createReq("t") },
			401, "Missing bearer token", appOrigin, "WWW-Authenticate"},
		{"401 on a tus creation", func(c *Config) { c.Tokens = []string{"secret"} }, func(e *testEnv) *http.Request {
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/uploads/x/files", nil)
			req.Header.Set("Tus-Resumable", "1.0.0")
			return req
		}, 401, "Missing bearer token", appOrigin, "Tus-Resumable"},
		{"413 by Content-Length", func(c *Config) { c.MaxBodyBytes = 100 }, func(e *testEnv) *http.Request { return e.createReq("big") },
			413, "over the limit of 100 bytes", appOrigin, ""},
		{"400 files[] (Uppy's default field)", nil, func(e *testEnv) *http.Request {
			body, ct := multipartBody(newRepo("ox", "uppy"), field("name", "a"), field("email", "b"), part{name: "files[]", filename: "a.txt", body: []byte("a")})
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/repos", body)
			req.Header.Set("Content-Type", ct)
			return req
		}, 400, `File part "files[]"`, appOrigin, ""},
		{"404 no endpoint", nil, func(e *testEnv) *http.Request {
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/nothing", strings.NewReader("x"))
			return req
		}, 404, "No API endpoint", appOrigin, ""},
		{"404 no repository", nil, func(e *testEnv) *http.Request {
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/repos/ox/none", nil)
			return req
		}, 404, "not found", appOrigin, ""},
		{"405", nil, func(e *testEnv) *http.Request {
			req, _ := http.NewRequest("DELETE", e.srv.URL+"/api/repos", nil)
			return req
		}, 405, "Method DELETE is not allowed", appOrigin, "Allow"},
		{"412 tus without Tus-Resumable", nil, func(e *testEnv) *http.Request {
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/uploads/x/files", nil)
			return req
		}, 412, "Missing Tus-Resumable", appOrigin, "Tus-Version"},
		{"-cors-origin *", func(c *Config) { c.CORSOrigin = "*" }, func(e *testEnv) *http.Request {
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/repos/ox/none", nil)
			req.Header.Set("Origin", "https://any.example")
			return req
		}, 404, "not found", "*", "ETag"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) {
				c.CORSOrigin = appOrigin
				if tc.cfg != nil {
					tc.cfg(c)
				}
			})
			req := tc.req(e)
			if req.Header.Get("Origin") == "" && req.Header.Get("Sec-Fetch-Site") == "" {
				req.Header.Set("Origin", appOrigin)
			}
			r := e.do(req)
			if tc.msg != "" {
				r.expectError(t, tc.status, tc.msg)
			} else if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			checkCORS(t, r.header, tc.acao, tc.expose)
		})
	}
}

// checkCORS: Access-Control-Allow-Origin is acao, and for an allowed
// origin (not a refusal's "*") the exposed headers list expose.
func checkCORS(t *testing.T, h http.Header, acao, expose string) {
	t.Helper()
	if got := h.Get("Access-Control-Allow-Origin"); got != acao {
		t.Errorf("Access-Control-Allow-Origin %q, want %q", got, acao)
	}
	if acao == appOrigin && !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
		t.Errorf("Vary %q: should name Origin", h.Values("Vary"))
	}
	if expose != "" {
		if got := h.Get("Access-Control-Expose-Headers"); !strings.Contains(", "+got+",", ", "+expose+",") {
			t.Errorf("Access-Control-Expose-Headers %q does not list %s", got, expose)
		}
	}
	if c := h.Get("Access-Control-Allow-Credentials"); c != "" {
		t.Errorf("Access-Control-Allow-Credentials %q: the API uses no cookies", c)
	}
}

// TestCORSOnRefusalsBeforeTheBody: the refusals that come before or
// while the body is read, over a raw connection, carry the CORS headers:
// 503 (too many creations, before the body) and 408 (the body stopped).
func TestCORSOnRefusalsBeforeTheBody(t *testing.T) {
	body, ct := multipartBody(newRepo("ox", "slow"), field("name", "a"), field("email", "b"), file("big.bin", bytes.Repeat([]byte("z"), 1<<20)))
	withOrigin := ct + "\r\nOrigin: " + appOrigin

	t.Run("503 busy", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.CORSOrigin = appOrigin; c.MaxConcurrentUploads = 1 })
		stalled := sendHead(t, e, ct, body.Bytes(), body.Len()/2)
		defer stalled.Close()
		deadline := time.Now().Add(10 * time.Second)
		for len(e.keys("staging/")) < 1 {
			if time.Now().After(deadline) {
				t.Fatalf("the first upload did not start: %v", e.keys(""))
			}
			time.Sleep(10 * time.Millisecond)
		}
		// Expect: 100-continue, so the refusal is not followed by a drain.
		conn := sendHead(t, e, withOrigin+"\r\nExpect: 100-continue", body.Bytes(), 0)
		r := readAnswer(t, conn, 5*time.Second)
		r.expectError(t, http.StatusServiceUnavailable, "The server is busy")
		checkCORS(t, r.header, appOrigin, "Retry-After")
	})
	t.Run("408 body stopped", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.CORSOrigin = appOrigin; c.BodyIdleTimeout = testIdle })
		conn := sendHead(t, e, withOrigin, body.Bytes(), body.Len()/2)
		r := readAnswer(t, conn, 10*time.Second)
		r.expectError(t, http.StatusRequestTimeout, "The request body stopped arriving")
		checkCORS(t, r.header, appOrigin, "")
	})
	t.Run("413 deep in the body", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.CORSOrigin = appOrigin; c.MaxFileBytes = 1000 })
		conn := sendHead(t, e, withOrigin, body.Bytes(), body.Len())
		r := readAnswer(t, conn, 10*time.Second)
		if r.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		checkCORS(t, r.header, appOrigin, "")
	})
}

// TestCORSPreflight: the preflight allows the methods and the headers the
// app, tus-js-client and Uppy send, and any other header name the page
// asks for; it names the origin only for the allowed one.
func TestCORSPreflight(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.CORSOrigin = appOrigin })
	for _, tc := range []struct {
		path, method, headers string
		want                  []string
	}{
		{"/api/repos", "POST", "content-type,authorization", []string{"Content-Type", "Authorization"}},
		{"/api/uploads", "POST", "content-type", []string{"Content-Type"}},
		// tus-js-client and Uppy's Tus plugin (addRequestId, overridePatchMethod, checksums).
		{"/api/uploads/x/files", "POST", "tus-resumable,upload-length,upload-metadata,x-request-id", []string{"Tus-Resumable", "Upload-Length", "Upload-Metadata", "X-Request-ID"}},
		{"/api/uploads/x/files/abc", "PATCH", "tus-resumable,upload-offset,content-type,upload-checksum", []string{"Upload-Offset", "Upload-Checksum"}},
		{"/api/uploads/x/files/abc", "POST", "x-http-method-override,tus-resumable", []string{"X-HTTP-Method-Override"}},
		{"/api/repos/ox/a/file/main/b.csv", "GET", "range", []string{"Range"}},
		// A client's own header (Uppy's headers option) is echoed.
		{"/api/repos", "POST", "x-portal-user, content-type", []string{"x-portal-user"}},
	} {
		req, _ := http.NewRequest("OPTIONS", e.srv.URL+tc.path, nil)
		req.Header.Set("Origin", appOrigin)
		req.Header.Set("Access-Control-Request-Method", tc.method)
		req.Header.Set("Access-Control-Request-Headers", tc.headers)
		r := e.do(req)
		if r.status != http.StatusNoContent {
			t.Errorf("OPTIONS %s: %d %s", tc.path, r.status, r.body)
			continue
		}
		checkCORS(t, r.header, appOrigin, "")
		if !strings.Contains(r.header.Get("Access-Control-Allow-Methods"), tc.method) {
			t.Errorf("OPTIONS %s: Access-Control-Allow-Methods %q lacks %s", tc.path, r.header.Get("Access-Control-Allow-Methods"), tc.method)
		}
		allowed := ", " + strings.ToLower(r.header.Get("Access-Control-Allow-Headers")) + ","
		for _, h := range tc.want {
			if !strings.Contains(allowed, ", "+strings.ToLower(h)+",") {
				t.Errorf("OPTIONS %s: Access-Control-Allow-Headers %q lacks %s", tc.path, r.header.Get("Access-Control-Allow-Headers"), h)
			}
		}
	}
	// Not a header name: not echoed.
	req, _ := http.NewRequest("OPTIONS", e.srv.URL+"/api/repos", nil)
	req.Header.Set("Origin", appOrigin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "x-ok, bad header, x:y")
	allowed := e.do(req).header.Get("Access-Control-Allow-Headers")
	if !strings.Contains(allowed, "x-ok") || strings.Contains(allowed, "bad") || strings.Contains(allowed, "x:y") {
		t.Errorf("Access-Control-Allow-Headers %q", allowed)
	}
	// Another origin's preflight succeeds (as without -cors-origin), so
	// that its write reaches the guard and reads the 403; its reads stay
	// unreadable.
	for _, cors := range []string{appOrigin, ""} {
		o := newEnv(t, func(c *Config) { c.CORSOrigin = cors })
		req, _ := http.NewRequest("OPTIONS", o.srv.URL+"/api/repos", nil)
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		if r := o.do(req); r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Content-Type") {
			t.Errorf("-cors-origin %q: another origin's preflight: %d %v", cors, r.status, r.header)
		}
		post := o.createReq("evil")
		post.Header.Set("Origin", "https://evil.example")
		post.Header.Set("Sec-Fetch-Site", "cross-site")
		r := o.do(post)
		r.expectError(t, http.StatusForbidden, "Cross-origin request refused")
		checkCORS(t, r.header, "*", "")
	}
	// Not another origin's read, nor the web app's paths.
	req, _ = http.NewRequest("GET", e.srv.URL+"/api/limits", nil)
	req.Header.Set("Origin", "https://evil.example")
	if got := e.do(req).header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("another origin's read: Access-Control-Allow-Origin %q", got)
	}
	req, _ = http.NewRequest("GET", e.srv.URL+"/", nil)
	req.Header.Set("Origin", appOrigin)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("the app's page: Access-Control-Allow-Origin %q", got)
	}
}
