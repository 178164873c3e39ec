package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/oxdrop/oxdrop/server/store"
	"github.com/oxdrop/oxdrop/server/store/billystore"
)

// testIdle is the idle interval of these tests: short, but far above a
// loopback round trip.
const testIdle = 500 * time.Millisecond

// sendHead opens a raw connection and sends a POST's headers and the first
// n bytes of body (Content-Length: the whole body), then nothing more.
func sendHead(t *testing.T, e *testEnv, ct string, body []byte, n int) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /api/repos HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", e.srv.Listener.Addr(), ct, len(body))
	if _, err := conn.Write(body[:n]); err != nil {
		t.Fatal(err)
	}
	return conn
}

// readAnswer reads one response from conn within limit, decoded as the
// test helpers do.
func readAnswer(t *testing.T, conn net.Conn, limit time.Duration) *response {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(limit))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer within %s: %v", limit, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	r := &response{status: res.StatusCode, header: res.Header, body: b}
	if err := json.Unmarshal(b, &r.json); err != nil {
		t.Fatalf("HTTP %d, body is not JSON: %.300q", res.StatusCode, b)
	}
	return r
}

// TestBodyIdleTimeout: a body that stops arriving is cut after the idle
// interval, wherever it stops, with a 408 that says so, and nothing is
// kept; the name stays free.
func TestBodyIdleTimeout(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.BodyIdleTimeout = testIdle })
	mp, mct := multipartBody(newRepo("ox", "stalled"), field("name", "a"), field("email", "b"),
		file("big/stalled.bin", bytes.Repeat([]byte("z"), 1<<20)))
	js := []byte(`{"namespace":"ox","name":"stalled","files":[{"path":"a.txt","contents":{"Text":"hello"},"user":{"name":"a","email":"b"}}]}`)
	stalls := []struct {
		name string
		ct   string
		body []byte
		at   int
	}{
		{"inside a file", mct, mp.Bytes(), mp.Len() / 2},
		{"inside a part's headers", mct, mp.Bytes(), bytes.Index(mp.Bytes(), []byte("stalled.bin"))},
		{"before the first byte", mct, mp.Bytes(), 0},
		{"inside a JSON body", "application/json", js, len(js) / 2},
	}
	for _, st := range stalls {
		t.Run(st.name, func(t *testing.T) {
			start := time.Now()
			conn := sendHead(t, e, st.ct, st.body, st.at)
			r := readAnswer(t, conn, testIdle+5*time.Second)
			took := time.Since(start)
			r.expectError(t, http.StatusRequestTimeout, "stopped arriving: nothing came for "+testIdle.String())
			if took < testIdle*3/4 || took > testIdle+3*time.Second {
				t.Errorf("answered after %s, want about the idle interval %s", took, testIdle)
			}
			e.noTrace()
		})
	}
	if r := e.postJSON(string(js)); r.status != 200 {
		t.Fatalf("the name is not free after the stalls: %d %s", r.status, r.body)
	}
}

// slowReader yields n bytes in chunks of size, one every pause.
type slowReader struct {
	src   io.Reader
	chunk int
	pause time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(s.pause)
	return s.src.Read(p[:min(len(p), s.chunk)])
}

// TestBodyIdleSlowButSteady: a body that keeps arriving, slowly, for many
// idle intervals is read whole and created.
func TestBodyIdleSlowButSteady(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.BodyIdleTimeout = testIdle })
	content := bytes.Repeat([]byte("steady "), 2000) // 14,000 bytes
	body, ct := multipartBody(newRepo("ox", "steady"), field("name", "a"), field("email", "b"), file("slow.txt", content))
	size := body.Len()
	// 512 bytes every 50 ms: about 1.5 s, five idle intervals, with gaps
	// far below one (the machine may be loaded).
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/repos", &slowReader{src: body, chunk: 512, pause: testIdle / 6})
	req.ContentLength = int64(size)
	req.Header.Set("Content-Type", ct)
	start := time.Now()
	r := e.do(req)
	if r.status != 200 {
		t.Fatalf("slow but steady upload: %d %s", r.status, r.body)
	}
	if took := time.Since(start); took < 3*testIdle {
		t.Fatalf("the upload took only %s: not a test of the idle interval", took)
	}
	if g := e.get("/api/repos/ox/steady/file/main/slow.txt"); !bytes.Equal(g.body, content) {
		t.Error("the file does not read back")
	}
}

// slowStore delays Puts of keys with a prefix.
type slowStore struct {
	store.Store
	prefix string
	delay  time.Duration
}

func (s slowStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts store.PutOptions) (store.Info, error) {
	if strings.HasPrefix(key, s.prefix) {
		time.Sleep(s.delay)
		if err := ctx.Err(); err != nil {
			return store.Info{}, err // as a store that honours the context would
		}
	}
	return s.Store.Put(ctx, key, r, size, opts)
}

// TestBodyIdleAfterTheBody: once the body is read to its end, the idle
// interval no longer runs: publishing may take longer (net/http then waits
// for the next request in the background, and a deadline firing there
// would cancel the request).
func TestBodyIdleAfterTheBody(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.BodyIdleTimeout = testIdle
		c.Store = slowStore{Store: c.Store, prefix: "repos/", delay: 3 * testIdle}
	})
	r := e.postMultipart(newRepo("ox", "slowpublish"), field("name", "a"), field("email", "b"), file("a.txt", []byte("a")))
	if r.status != 200 {
		t.Fatalf("publishing after the body: %d %s", r.status, r.body)
	}
	e.noTrace()
}

// TestBodyIdleKeepsReadTimeout: pushing the read deadline forward never
// goes past the http.Server's ReadTimeout, which still bounds the whole
// request (408, nothing kept).
func TestBodyIdleKeepsReadTimeout(t *testing.T) {
	dir := t.TempDir()
	st := billystore.New(osfs.New(dir, osfs.WithBoundOS()))
	srv := httptest.NewUnstartedServer(New(Config{Store: st, BodyIdleTimeout: 10 * time.Second}))
	srv.Config.ReadTimeout = time.Second
	srv.Start()
	t.Cleanup(srv.Close)
	e := &testEnv{t: t, srv: srv, st: st, dir: dir}
	body, ct := multipartBody(newRepo("ox", "endless"), field("name", "a"), field("email", "b"), file("big.bin", bytes.Repeat([]byte("z"), 4<<20)))
	conn := sendHead(t, e, ct, body.Bytes(), 1000)
	// Keep sending, slowly, well past the read timeout.
	start := time.Now()
	go func() {
		for i := 1000; i < body.Len() && time.Since(start) < 10*time.Second; i += 1000 {
			if _, err := conn.Write(body.Bytes()[i : i+1000]); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	r := readAnswer(t, conn, 8*time.Second)
	r.expectError(t, http.StatusRequestTimeout, "longer than the server's read timeout")
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("cut after %s, want about the 1 s read timeout", took)
	}
	e.noTrace()
}

// TestWriteTimeout: a download the client stops reading is cut after the
// idle write interval; one read slowly but steadily, for much longer than
// that interval, completes.
func TestWriteTimeout(t *testing.T) {
	// Longer than testIdle: the slow reader below must never be starved
	// of the CPU for a whole interval on a loaded 2-core machine.
	const writeIdle = 2 * time.Second
	e := newEnv(t, func(c *Config) { c.WriteTimeout = writeIdle })
	content := bytes.Repeat([]byte("0123456789abcdef"), 12<<20/16) // 12 MiB: more than the sockets buffer
	if r := e.postMultipart(newRepo("ox", "dl"), field("name", "a"), field("email", "b"), file("big.bin", content)); r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	get := func() net.Conn {
		conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		conn.(*net.TCPConn).SetReadBuffer(64 << 10) // a small window: the server's writes block early
		fmt.Fprintf(conn, "GET /api/repos/ox/dl/file/main/big.bin HTTP/1.1\r\nHost: %s\r\n\r\n", e.srv.Listener.Addr())
		return conn
	}

	t.Run("stalled reader is cut", func(t *testing.T) {
		conn := get()
		time.Sleep(writeIdle + 2*time.Second) // read nothing
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := io.Copy(io.Discard, conn)
		if isTimeout(err) {
			t.Fatalf("the server still held the stalled download open (%d bytes read)", n)
		}
		if n >= int64(len(content)) {
			t.Fatalf("read %d bytes: the whole file fit in the buffers, no test", n)
		}
	})

	t.Run("slow but steady reader completes", func(t *testing.T) {
		conn := get()
		conn.SetReadDeadline(time.Now().Add(60 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		// 256 KiB every 150 ms: about 7 s, three idle intervals, with the
		// server blocked on a full socket in between.
		start := time.Now()
		var got []byte
		buf := make([]byte, 256<<10)
		for {
			time.Sleep(150 * time.Millisecond)
			n, err := io.ReadFull(res.Body, buf)
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
		}
		if !bytes.Equal(got, content) {
			t.Fatalf("slow download: %d of %d bytes", len(got), len(content))
		}
		if took := time.Since(start); took < 3*writeIdle {
			t.Fatalf("the download took only %s: not a test of the idle interval", took)
		}
	})

	// A keep-alive connection idle for longer than the interval still
	// answers its next request (a deadline left by the previous response
	// must not cut it).
	t.Run("next request on the connection", func(t *testing.T) {
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr}
		for i := range 2 {
			res, err := c.Get(e.srv.URL + "/api/limits")
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			time.Sleep(2 * writeIdle)
		}
	})
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
