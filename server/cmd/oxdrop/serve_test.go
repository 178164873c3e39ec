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
	if err != nil || c.addr != "localhost:3000" || c.data != "./data" || c.maxBody != 10<<30 || c.maxFiles != 10000 {
		t.Errorf("defaults %+v %v", c, err)
	}
	for _, args := range [][]string{{"-max-body", "lots"}, {"-max-files", "0"}, {"-read-timeout", "x"}, {"extra"}, {"-max-file", "-1"}} {
		if _, err := parseServeFlags(args, func(string) string { return "" }); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, "10GiB": 10 << 30, "64 KiB": 64 << 10, "1GB": 1e9, "5B": 5} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0", "-1", "1XB", "9999999999TiB"} {
		if _, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) accepted", in)
		}
	}
}

func TestReadTokens(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tokens")
	os.WriteFile(p, []byte("# comment\n\n  abc \ndef\n"), 0o600)
	if toks, err := readTokens(p); err != nil || strings.Join(toks, ",") != "abc,def" {
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
func startServer(t *testing.T, bin, data string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:0", "-data", data)
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
	fmt.Fprintf(conn, "POST /api/repos HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n%s",
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
