package api

import (
	"bytes"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// createReq is a small valid multipart creation of ox/name.
func (e *testEnv) createReq(name string) *http.Request {
	body, ct := multipartBody(newRepo("ox", name), field("name", "a"), field("email", "b"), file("a.txt", []byte("a")))
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/repos", body)
	req.Header.Set("Content-Type", ct)
	return req
}

// TestCrossOrigin: a state-changing request from a page of another origin
// is refused with 403 and creates nothing; the same origin, requests
// without Origin (curl, scripts) and the -cors-origin one pass.
func TestCrossOrigin(t *testing.T) {
	type send struct {
		origin, fetchSite string
		form              bool // a plain HTML form's urlencoded POST
	}
	cases := []struct {
		name   string
		cors   string
		send   send
		status int
	}{
		{"no Origin (curl)", "", send{}, 200},
		{"same origin", "", send{origin: "SELF"}, 200},
		{"same origin, Sec-Fetch-Site", "", send{origin: "SELF", fetchSite: "same-origin"}, 200},
		{"same origin in the other scheme (TLS ended by a proxy)", "", send{origin: "SELF-HTTPS"}, 200},
		{"other site", "", send{origin: "https://evil.example"}, 403},
		{"other site, Sec-Fetch-Site", "", send{origin: "https://evil.example", fetchSite: "cross-site"}, 403},
		{"other site's form", "", send{origin: "https://evil.example", fetchSite: "cross-site", form: true}, 403},
		{"same host, other port", "", send{origin: "PORT+1"}, 403},
		{"same site, other origin", "", send{origin: "SELF", fetchSite: "same-site"}, 403},
		{"Origin: null", "", send{origin: "null"}, 403},
		{"Sec-Fetch-Site cross-site, no Origin", "", send{fetchSite: "cross-site"}, 403},
		{"allowed by -cors-origin", "https://app.example", send{origin: "https://app.example", fetchSite: "cross-site"}, 200},
		{"allowed by -cors-origin with a trailing slash", "https://app.example/", send{origin: "https://app.example"}, 200},
		{"not the -cors-origin one", "https://app.example", send{origin: "https://evil.example", fetchSite: "cross-site"}, 403},
		{"-cors-origin *", "*", send{origin: "https://evil.example", fetchSite: "cross-site"}, 200},
		{"-cors-origin *, Origin: null", "*", send{origin: "null", fetchSite: "cross-site"}, 200},
	}
	for i, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.CORSOrigin = tt.cors })
			u, _ := url.Parse(e.srv.URL)
			host, port, _ := net.SplitHostPort(u.Host)
			name := "r" + string(rune('a'+i))
			req := e.createReq(name)
			if tt.send.form {
				req, _ = http.NewRequest("POST", e.srv.URL+"/api/repos", strings.NewReader("new_repo=x"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			switch o := tt.send.origin; o {
			case "SELF":
				req.Header.Set("Origin", e.srv.URL)
			case "SELF-HTTPS":
				req.Header.Set("Origin", "https://"+u.Host)
			case "PORT+1":
				p := []byte(port)
				p[len(p)-1] = '0' + (p[len(p)-1]-'0'+1)%10
				req.Header.Set("Origin", "http://"+net.JoinHostPort(host, string(p)))
			case "":
			default:
				req.Header.Set("Origin", o)
			}
			if tt.send.fetchSite != "" {
				req.Header.Set("Sec-Fetch-Site", tt.send.fetchSite)
			}
			r := e.do(req)
			if tt.status == 200 {
				if r.status != 200 {
					t.Fatalf("%d %s", r.status, r.body)
				}
				return
			}
			r.expectError(t, http.StatusForbidden, "Cross-origin request refused")
			if o := req.Header.Get("Origin"); o != "" && (!strings.Contains(r.message(), o) || !strings.Contains(r.message(), "-cors-origin")) {
				t.Errorf("the message should name the origin %s and -cors-origin: %s", o, r.message())
			}
			if k := e.keys(""); len(k) > 0 {
				t.Errorf("a refused request left %v", k)
			}
		})
	}

	// Reading stays open to any page (nothing to forge), and so does the
	// preflight.
	e := newEnv(t)
	for _, method := range []string{"GET", "OPTIONS"} {
		req, _ := http.NewRequest(method, e.srv.URL+"/api/limits", nil)
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := e.do(req); r.status >= 300 {
			t.Errorf("%s from another site: %d %s", method, r.status, r.body)
		}
	}
}

// TestHostCheck: with CheckHost, only loopback names and the allowed hosts
// are answered, on every path and method (a DNS-rebinding page could read
// as well as write); without it, any.
func TestHostCheck(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.CheckHost = true; c.AllowedHosts = []string{"oxdrop.lan", ".example.test:3000"} })
	_, port, _ := net.SplitHostPort(e.srv.Listener.Addr().String())
	hosts := []struct {
		host string
		ok   bool
	}{
		{"localhost:" + port, true},
		{"LOCALHOST", true},
		{"localhost.:" + port, true},
		{"app.localhost:" + port, true},
		{"127.0.0.1:" + port, true},
		{"127.8.9.10", true},
		{"[::1]:" + port, true},
		{"[::ffff:127.0.0.1]:" + port, true},
		{"oxdrop.lan:" + port, true},
		{"oxdrop.lan", true},
		{"example.test", true},
		{"a.b.example.test:8080", true},
		{"evil.example", false},
		{"evil.example:" + port, false},
		{"localhost.evil.example", false},
		{"evillocalhost", false},
		{"0.0.0.0:" + port, false},
		{"192.168.1.10:" + port, false},
		{"[::]:" + port, false},
		{"oxdrop.lan.evil.example", false},
		{"notexample.test", false},
	}
	for _, h := range hosts {
		for _, path := range []string{"/api/limits", "/", "/api/repos/ox/x"} {
			req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
			req.Host = h.host
			r := e.do(req)
			if h.ok && r.status == http.StatusForbidden {
				t.Errorf("Host %s, GET %s: refused: %s", h.host, path, r.body)
			}
			if !h.ok {
				r.expectError(t, http.StatusForbidden, "Host "+`"`+h.host+`" is not allowed`)
				if !strings.Contains(r.message(), "-allowed-hosts") {
					t.Errorf("the message should say how to allow it: %s", r.message())
				}
			}
		}
	}
	req := e.createReq("rebound")
	req.Host = "evil.example:" + port
	req.Header.Set("Origin", "http://evil.example:"+port) // same-origin, as a rebinding page is
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	e.do(req).expectError(t, http.StatusForbidden, `Host "evil.example:`+port+`" is not allowed`)
	if k := e.keys(""); len(k) > 0 {
		t.Errorf("a refused request left %v", k)
	}
	req = e.createReq("local")
	req.Host = "localhost:" + port
	if r := e.do(req); r.status != 200 {
		t.Errorf("POST to localhost: %d %s", r.status, r.body)
	}

	open := newEnv(t, func(c *Config) { c.AllowedHosts = []string{"oxdrop.lan"} }) // CheckHost off
	req, _ = http.NewRequest("GET", open.srv.URL+"/api/limits", nil)
	req.Host = "evil.example"
	if r := open.do(req); r.status != 200 {
		t.Errorf("without CheckHost: %d %s", r.status, r.body)
	}
	star := newEnv(t, func(c *Config) { c.CheckHost = true; c.AllowedHosts = []string{"*"} })
	req, _ = http.NewRequest("GET", star.srv.URL+"/api/limits", nil)
	req.Host = "evil.example"
	if r := star.do(req); r.status != 200 {
		t.Errorf("-allowed-hosts *: %d %s", r.status, r.body)
	}
}

// TestUploadCap: past MaxConcurrentUploads creations in progress, one
// more gets 503 with Retry-After before its body is read; reads are not
// counted; once the others end, creating works again.
func TestUploadCap(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxConcurrentUploads = 2 })
	body, ct := multipartBody(newRepo("ox", "slow"), field("name", "a"), field("email", "b"), file("big.bin", bytes.Repeat([]byte("z"), 1<<20)))
	var stalled []net.Conn
	for range 2 {
		stalled = append(stalled, sendHead(t, e, ct, body.Bytes(), body.Len()/2))
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(e.keys("staging/")) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the two uploads did not start: %v", e.keys(""))
		}
		time.Sleep(10 * time.Millisecond)
	}

	r := e.do(e.createReq("third"))
	r.expectError(t, http.StatusServiceUnavailable, "The server is busy: 2 repository creations are in progress")
	if r.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	// Refused before reading: a client waiting for 100 Continue is not
	// asked for its body.
	conn := sendHead(t, e, ct+"\r\nExpect: 100-continue", body.Bytes(), 0)
	if r := readAnswer(t, conn, 5*time.Second); r.status != http.StatusServiceUnavailable {
		t.Errorf("Expect: 100-continue: %d %s", r.status, r.body)
	}
	if r := e.get("/api/limits"); r.status != 200 {
		t.Errorf("a read while creations are at the cap: %d", r.status)
	}

	for _, c := range stalled {
		c.Close()
	}
	for {
		r := e.do(e.createReq("after"))
		if r.status == 200 {
			break
		}
		if r.status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("after the stalled uploads ended: %d %s", r.status, r.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.noTrace()
}

// TestNosniff: every answer carries X-Content-Type-Options: nosniff.
func TestNosniff(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.CheckHost = true; c.MaxConcurrentUploads = 1; c.BodyIdleTimeout = testIdle })
	if r := e.postMultipart(newRepo("ox", "nosniff"), field("name", "a"), field("email", "b"), file("a.html", []byte("<b>x</b>"))); r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	check := func(what string, r *response, status int) {
		t.Helper()
		if r.status != status {
			t.Errorf("%s: status %d, want %d: %s", what, r.status, status, r.body)
		}
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s (%d): X-Content-Type-Options %q", what, r.status, got)
		}
	}
	req := func(method, path string, set func(*http.Request)) *response {
		req, _ := http.NewRequest(method, e.srv.URL+path, nil)
		if set != nil {
			set(req)
		}
		return e.do(req)
	}
	check("JSON", e.get("/api/limits"), 200)
	check("repository", e.get("/api/repos/ox/nosniff"), 200)
	check("file", e.get("/api/repos/ox/nosniff/file/main/a.html"), 200)
	check("HEAD of a file", req("HEAD", "/api/repos/ox/nosniff/file/main/a.html", nil), 200)
	check("404", e.get("/api/repos/ox/none"), 404)
	check("405", req("DELETE", "/api/limits", nil), 405)
	check("preflight", req("OPTIONS", "/api/repos", nil), 204)
	check("400", e.postJSON("{"), 400)
	check("409", e.postMultipart(newRepo("ox", "nosniff")), 409)
	check("403 host", req("GET", "/api/limits", func(r *http.Request) { r.Host = "evil.example" }), 403)
	check("403 origin", req("POST", "/api/repos", func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }), 403)
	check("app", e.get("/"), 200)
	check("app 404", e.get("/nothing-here"), 404)

	mp, ct := multipartBody(newRepo("ox", "stall"), file("big.bin", bytes.Repeat([]byte("z"), 1<<20)))
	conn := sendHead(t, e, ct, mp.Bytes(), mp.Len()/2)
	for deadline := time.Now().Add(5 * time.Second); len(e.keys("staging/")) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // until it takes the one slot
	}
	check("503", e.do(e.createReq("busy")), 503)
	check("408", readAnswer(t, conn, 5*time.Second), 408)
}
