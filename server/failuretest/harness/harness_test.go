//go:build unix

package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The generated body must be a valid multipart stream that mime/multipart
// parses into exactly the parts and bytes the Upload describes, with the
// announced length.
func TestBodyParses(t *testing.T) {
	u := Upload{
		Namespace: "ns", Name: "repo", Author: "Ada", Email: "ada@example.com",
		Manifest: true,
		Files: []File{
			{Path: "a.txt", Content: []byte("hello\n")},
			{Path: `dir/with "quote"/b.bin`, Size: 3<<20 + 17, Seed: 1},
			{Path: "empty.bin", Size: 0, Seed: 2},
		},
	}
	body := u.Body()
	raw, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(raw)) != body.Length {
		t.Fatalf("body is %d bytes, Length says %d", len(raw), body.Length)
	}
	_, params, err := mime.ParseMediaType(body.ContentType)
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
	var names []string
	files := 0
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, p.FormName())
		if p.FormName() == "file[]" {
			_, dp, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
			f := u.Files[files]
			if dp["filename"] != f.Path {
				t.Errorf("part %d filename %q, want %q", files, dp["filename"], f.Path)
			}
			if err := SameContent(p, f); err != nil {
				t.Error(err)
			}
			files++
		}
	}
	want := "new_repo name email manifest file[] file[] file[]"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("parts %q, want %q", got, want)
	}
}

func TestContent(t *testing.T) {
	tests := []struct {
		name   string
		a, b   File
		differ bool
	}{
		{"same seed and size", File{Size: 5000, Seed: 7}, File{Size: 5000, Seed: 7}, false},
		{"other seed", File{Size: 5000, Seed: 7}, File{Size: 5000, Seed: 8}, true},
		{"longer than a block", File{Size: blockSize*2 + 5, Seed: 1}, File{Size: blockSize*2 + 5, Seed: 1}, false},
		{"other size", File{Size: 10, Seed: 1}, File{Size: 11, Seed: 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := io.Copy(io.Discard, tt.a.Reader())
			if err != nil || n != tt.a.Len() {
				t.Fatalf("read %d bytes (%v), want %d", n, err, tt.a.Len())
			}
			err = SameContent(tt.a.Reader(), tt.b)
			if (err != nil) != tt.differ {
				t.Errorf("SameContent = %v, want differ=%v", err, tt.differ)
			}
			if (tt.a.Hash() != tt.b.Hash()) != tt.differ {
				t.Errorf("hashes %s and %s, want differ=%v", tt.a.Hash(), tt.b.Hash(), tt.differ)
			}
		})
	}
}

func TestCut(t *testing.T) {
	called := 0
	r := Cut(strings.NewReader("0123456789"), 4, func() { called++ })
	b, err := io.ReadAll(r)
	if string(b) != "0123" || !errors.Is(err, ErrCut) || called != 1 {
		t.Errorf("got %q, %v, hook called %d times; want \"0123\", ErrCut, 1", b, err, called)
	}
}

func TestSnapshotDiff(t *testing.T) {
	dir := t.TempDir()
	before, err := Snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFile(dir+"/x/y", "z"); err != nil {
		t.Fatal(err)
	}
	after, _ := Snapshot(dir)
	added, removed := Diff(before, after)
	if strings.Join(added, ",") != "x/y" || len(removed) != 0 {
		t.Errorf("added %v removed %v", added, removed)
	}
}

func writeFile(path, s string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(s), 0o644)
}

func TestPercentile(t *testing.T) {
	v := []int{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}
	tests := []struct {
		p    float64
		want int
	}{{0, 10}, {50, 50}, {90, 90}, {99, 100}, {100, 100}, {51, 60}}
	for _, tt := range tests {
		if got := Percentile(v, tt.p); got != tt.want {
			t.Errorf("Percentile(p%v) = %d, want %d", tt.p, got, tt.want)
		}
	}
	if got := Percentile([]int{}, 50); got != 0 {
		t.Errorf("empty: %d", got)
	}
}

func TestFsyncLatency(t *testing.T) {
	d, err := FsyncLatency(t.TempDir(), 5)
	if err != nil || d <= 0 {
		t.Errorf("FsyncLatency = %v, %v", d, err)
	}
}

// TestCPUTime reads this test process's own CPU time and compares it with
// getrusage after burning some CPU.
func TestCPUTime(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("CPUTime reads /proc/<pid>/stat, which only Linux has; CI runs on Linux, so it never skips there")
	}
	p, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Cmd: &exec.Cmd{Process: p}}
	rusage := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	before := rusage()
	x := 0
	for rusage()-before < 300*time.Millisecond {
		for i := range 100000 {
			x += i
		}
	}
	got, err := s.CPUTime()
	if err != nil {
		t.Fatal(err)
	}
	want := rusage()
	// /proc counts in 10 ms ticks and samples a little differently.
	if got < want-50*time.Millisecond || got > want+50*time.Millisecond {
		t.Fatalf("CPUTime = %v, getrusage says %v", got, want)
	}
	_ = x
}

// TestContentWriteTo: WriteTo writes the same bytes as Read, from any
// offset, in pieces of at most writeChunk.
func TestContentWriteTo(t *testing.T) {
	for _, tt := range []struct {
		size, skip int64
	}{{0, 0}, {5, 0}, {blockSize - 1, 0}, {blockSize*2 + 5, 0}, {blockSize*2 + 5, 1000}, {blockSize + 7, blockSize}} {
		var want bytes.Buffer
		io.Copy(&want, struct{ io.Reader }{NewContent(3, tt.size)}) // Read only
		c := NewContent(3, tt.size)
		io.CopyN(io.Discard, struct{ io.Reader }{c}, tt.skip)
		w := &chunkRecorder{}
		n, err := c.WriteTo(w)
		if err != nil || n != tt.size-tt.skip {
			t.Fatalf("size %d skip %d: WriteTo = %d, %v", tt.size, tt.skip, n, err)
		}
		if !bytes.Equal(w.buf.Bytes(), want.Bytes()[tt.skip:]) {
			t.Fatalf("size %d skip %d: WriteTo wrote other bytes than Read", tt.size, tt.skip)
		}
		if w.max > writeChunk {
			t.Errorf("size %d: a write of %d bytes, over %d", tt.size, w.max, writeChunk)
		}
	}
}

type chunkRecorder struct {
	buf bytes.Buffer
	max int
}

func (c *chunkRecorder) Write(p []byte) (int, error) {
	c.max = max(c.max, len(p))
	return c.buf.Write(p)
}

// TestCreateRaw: the raw client sends exactly the body, and returns an
// answer the server sends before reading it all.
func TestCreateRaw(t *testing.T) {
	u := Upload{Namespace: "ns", Name: "raw", Author: "A", Email: "a@b", Files: []File{{Path: "f.bin", Size: 3*blockSize + 11, Seed: 5}}}
	body := u.Body()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			if p.FormName() == "file[]" {
				if err := SameContent(p, u.Files[0]); err != nil {
					http.Error(w, err.Error(), 400)
					return
				}
			}
		}
		fmt.Fprintf(w, "%d", r.ContentLength)
	}))
	defer srv.Close()
	reply, err := CreateRaw(context.Background(), srv.URL, body)
	if err != nil || reply.Status != 200 || string(reply.Body) != fmt.Sprint(body.Length) {
		t.Fatalf("CreateRaw = %v, %v; want 200 with the length %d", reply, err, body.Length)
	}
	early := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "early", http.StatusRequestEntityTooLarge)
	}))
	defer early.Close()
	big := Upload{Namespace: "ns", Name: "raw", Files: []File{{Path: "f.bin", Size: 64 << 20, Seed: 5}}}
	reply, err = CreateRaw(context.Background(), early.URL, big.Body())
	if reply.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("early answer: %v, %v; want the 413", reply, err)
	}
}
