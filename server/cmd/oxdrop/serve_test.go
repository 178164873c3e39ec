package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseServeFlags(t *testing.T) {
	env := map[string]string{"OXDROP_ADDR": "127.0.0.1:3205", "OXDROP_MAX_BODY": "1GiB", "OXDROP_CORS_ORIGIN": "*", "OXDROP_MAX_FILES": "7"}
	getenv := func(k string) string { return env[k] }
	c, err := parseServeFlags([]string{"-max-body", "512MiB", "-data", "/tmp/x"}, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if c.addr != "127.0.0.1:3205" || c.maxBody != 512<<20 || c.data != "/tmp/x" || c.corsOrigin != "*" || c.maxFiles != 7 || c.maxFile != 0 {
		t.Errorf("config %+v", c)
	}
	c, err = parseServeFlags(nil, func(string) string { return "" })
	if err != nil || c.addr != "localhost:3000" || c.data != "./data" || c.maxBody != 10<<30 || c.maxFiles != 10000 ||
		c.bodyIdleTimeout != time.Minute || c.writeTimeout != time.Minute || c.maxUploads != 64 || c.allowedHosts != nil ||
		c.uploadTTL != 24*time.Hour || c.maxChunk != 64<<20 || !c.dedup {
		t.Errorf("defaults %+v %v", c, err)
	}
	env = map[string]string{"OXDROP_BODY_IDLE_TIMEOUT": "5s", "OXDROP_WRITE_TIMEOUT": "0", "OXDROP_MAX_UPLOADS": "3", "OXDROP_ALLOWED_HOSTS": "a.lan, .b.lan,"}
	c, err = parseServeFlags([]string{"-max-uploads", "4", "-cors-origin", "https://app.example/"}, getenv)
	if err != nil || c.bodyIdleTimeout != 5*time.Second || c.writeTimeout != 0 || c.maxUploads != 4 ||
		strings.Join(c.allowedHosts, "|") != "a.lan|.b.lan" || c.corsOrigin != "https://app.example/" {
		t.Errorf("timeouts, uploads, hosts: %+v %v", c, err)
	}
	env = map[string]string{"OXDROP_UPLOAD_TTL": "2h", "OXDROP_DEDUP": "false"}
	if c, err = parseServeFlags([]string{"-max-chunk", "8MiB"}, getenv); err != nil || c.uploadTTL != 2*time.Hour || c.dedup || c.maxChunk != 8<<20 {
		t.Errorf("resumable upload flags: %+v %v", c, err)
	}
	for _, args := range [][]string{{"-max-body", "lots"}, {"-max-files", "0"}, {"-read-timeout", "x"}, {"extra"}, {"-max-file", "-1"},
		{"-body-idle-timeout", "-1s"}, {"-write-timeout", "soon"}, {"-max-uploads", "0"}, {"-cors-origin", "app.example"}, {"-cors-origin", "https://app.example/path"},
		{"-read-timeout", "-1s"}, {"-idle-timeout", "-75s"}, {"-max-body", "1.5GiB"},
		{"-upload-ttl", "0"}, {"-upload-ttl", "soon"}, {"-max-chunk", "0"}, {"-dedup", "maybe"}} {
		if _, err := parseServeFlags(args, func(string) string { return "" }); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestReadTokens(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tokens")
	os.WriteFile(p, []byte("# comment\n\n  abc \ndef\n"), 0o600)
	if toks, err := readTokens(p); err != nil || strings.Join(toks, ",") != "abc,def" {
		t.Errorf("%v %v", toks, err)
	}
	os.WriteFile(p, []byte("abc, def ghi\n"), 0o600) // the worker's OXDROP_TOKENS forms too
	if toks, err := readTokens(p); err != nil || strings.Join(toks, ",") != "abc,def,ghi" {
		t.Errorf("%v %v", toks, err)
	}
	os.WriteFile(p, []byte("# none\n"), 0o600)
	if _, err := readTokens(p); err == nil {
		t.Error("empty tokens file accepted")
	}
}

// server is a running oxdrop binary.
type server struct {
	cmd *exec.Cmd
	url string
}

func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "oxdrop")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServer runs `oxdrop serve` on a free loopback port and waits for
// its start-up log line.
func startServer(t *testing.T, bin, data string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "-addr", "127.0.0.1:0", "-data", data}, args...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var l struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "oxdrop serving" {
				urlc <- strings.TrimSuffix(l.URL, "/")
			}
		}
	}()
	select {
	case u := <-urlc:
		return &server{cmd: cmd, url: u}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start")
	}
	return nil
}

// filesUnder lists the regular files under dir, relative.
func filesUnder(t *testing.T, dir string) []string {
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

// TestKillMidUpload: SIGKILL the server while a file streams in; after a
// restart nothing of the creation is left and the name is creatable.
func TestKillMidUpload(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	s := startServer(t, bin, data)

	boundary := "killtestboundary"
	head := fmt.Sprintf("--%s\r\nContent-Disposition: form-data; name=\"new_repo\"\r\n\r\n{\"namespace\":\"ox\",\"name\":\"killed\"}\r\n"+
		"--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"dir/small.txt\"\r\n\r\nsmall file, stored whole\r\n"+
		"--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"dir/big.bin\"\r\n\r\n", boundary, boundary, boundary)
	const size = 256 << 20
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/repos HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n%s",
		boundary, len(head)+size+len(boundary)+8, head)
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for range 16 {
		if _, err := conn.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	// Wait until the creation is visibly in the store, then kill -9.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(strings.Join(filesUnder(t, data), " "), "/versions/") {
		if time.Now().After(deadline) {
			t.Fatalf("no staging data appeared: %v", filesUnder(t, data))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.cmd.Wait()
	left := filesUnder(t, data)
	t.Logf("after SIGKILL: %v", left)

	s = startServer(t, bin, data)
	if after := filesUnder(t, data); len(after) != 0 {
		t.Errorf("after restart, left on disk: %v", after)
	}
	res, err := http.Get(s.url + "/api/repos/ox/killed")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("partial repository visible: %d", res.StatusCode)
	}
	res, err = http.Post(s.url+"/api/repos", "application/json", strings.NewReader(
		`{"namespace":"ox","name":"killed","files":[{"path":"dir/big.bin","contents":"now","user":{"name":"a","email":"b"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("retry after restart: %d %s", res.StatusCode, b)
	}
	// Graceful shutdown on SIGTERM exits 0.
	s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

// TestServeGuards: the serve flags reach the handler. On its loopback bind
// the server refuses other host names (DNS rebinding) unless listed in
// -allowed-hosts, refuses other sites' POSTs, and cuts a stalled body after
// -body-idle-timeout with a 408 that leaves nothing on disk.
func TestServeGuards(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	s := startServer(t, bin, data, "-allowed-hosts", "oxdrop.lan", "-body-idle-timeout", "300ms")
	port := s.url[strings.LastIndex(s.url, ":")+1:]
	get := func(host string) int {
		req, _ := http.NewRequest("GET", s.url+"/api/limits", nil)
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("Host %s: no nosniff", host)
		}
		return res.StatusCode
	}
	for host, want := range map[string]int{"evil.example:" + port: 403, "evil.example": 403, "localhost:" + port: 200,
		"127.0.0.1:" + port: 200, "[::1]:" + port: 200, "oxdrop.lan:" + port: 200} {
		if got := get(host); got != want {
			t.Errorf("Host %s: %d, want %d", host, got, want)
		}
	}

	post := func(origin string) (int, string) {
		req, _ := http.NewRequest("POST", s.url+"/api/repos", strings.NewReader(`{"namespace":"ox","name":"guarded"}`))
		req.Header.Set("Content-Type", "application/json")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, string(b)
	}
	if st, b := post("https://evil.example"); st != 403 || !strings.Contains(b, "-cors-origin") {
		t.Errorf("cross-site POST: %d %s", st, b)
	}
	if st, b := post(s.url); st != 200 {
		t.Errorf("same-origin POST: %d %s", st, b)
	}

	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST /api/repos HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"namespace\":")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("stalled body: no answer: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 408 || time.Since(start) > 5*time.Second {
		t.Errorf("stalled body: %d after %s: %s", res.StatusCode, time.Since(start), b)
	}
	left := filesUnder(t, data)
	for _, f := range left {
		if strings.HasPrefix(f, "staging/") || strings.HasPrefix(f, ".oxdrop-tmp/") {
			t.Errorf("left on disk: %v", left)
			break
		}
	}
}

func TestIsLoopbackListener(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:0": true, "localhost:0": true, "[::1]:0": true, ":0": false, "0.0.0.0:0": false} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Logf("%s: %v (skipped)", addr, err)
			continue
		}
		if got := isLoopbackListener(ln); got != want {
			t.Errorf("%s (%s): loopback %v, want %v", addr, ln.Addr(), got, want)
		}
		ln.Close()
	}
}

func TestStagingTTL(t *testing.T) {
	for _, tc := range []struct{ read, want time.Duration }{
		{2 * time.Hour, 2*time.Hour + time.Minute},
		{time.Second, time.Second + time.Minute},
		{0, 7 * 24 * time.Hour}, // no read limit: the sweep must not take live uploads
	} {
		if got := stagingTTL(tc.read); got != tc.want {
			t.Errorf("stagingTTL(%s) = %s, want %s", tc.read, got, tc.want)
		}
	}
}
