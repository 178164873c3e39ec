package api

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/oxdrop/oxdrop/server/repobuild"
	"github.com/oxdrop/oxdrop/server/store/billystore"
)

const benchFileSize = 256 << 20

// benchData is a block of random bytes (like compressed media) repeated to
// make the file, so the body needs no memory of its size.
var benchData = func() []byte {
	b := make([]byte, 4<<20)
	rand.NewChaCha8([32]byte{7}).Read(b)
	return b
}()

type repeatReader struct {
	left int64
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(int64(len(p)), r.left)], benchData[r.off:])
	r.off = (r.off + n) % len(benchData)
	r.left -= int64(n)
	return n, nil
}

// BenchmarkUpload streams one 256 MiB file as multipart to a server on
// loopback that stores it on disk (billystore, fsync), and reports MB/s
// and the peak heap during the upload. Compare with BenchmarkPlainWrite.
func BenchmarkUpload(b *testing.B) {
	b.Run("overlap", func(b *testing.B) { benchmarkUpload(b, 256<<10) })
	b.Run("serial", func(b *testing.B) { benchmarkUpload(b, -1) })
}

func benchmarkUpload(b *testing.B, overlap int) {
	dir := b.TempDir()
	srv := httptest.NewServer(New(Config{
		Store: billystore.New(osfs.New(dir, osfs.WithBoundOS())),
		tune:  func(c *repobuild.Config) { c.OverlapBytes = overlap },
	}))
	defer srv.Close()
	b.SetBytes(benchFileSize)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	runtime.GC()
	go func() { // sample the heap while uploads run
		defer close(done)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	i := 0
	for b.Loop() {
		i++
		boundary := "benchboundary7MA4YWxkTrZu0gW"
		head := fmt.Sprintf("--%s\r\nContent-Disposition: form-data; name=\"new_repo\"\r\n\r\n{\"namespace\":\"bench\",\"name\":\"r%d\"}\r\n"+
			"--%s\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nox\r\n--%s\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nox@oxen.ai\r\n"+
			"--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data/big.bin\"\r\n\r\n", boundary, i, boundary, boundary, boundary)
		tail := "\r\n--" + boundary + "--\r\n"
		body := io.MultiReader(strings.NewReader(head), &repeatReader{left: benchFileSize}, strings.NewReader(tail))
		req, _ := http.NewRequest("POST", srv.URL+"/api/repos", body)
		req.ContentLength = int64(len(head)) + benchFileSize + int64(len(tail))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		res, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		msg, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("%d %s", res.StatusCode, msg)
		}
	}
	close(stop)
	<-done
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}

// BenchmarkPlainWrite writes the same bytes to a file with the same
// durability (fsync), no HTTP, no hashing: the baseline of issue 6's
// "at least 0.8x a plain write".
func BenchmarkPlainWrite(b *testing.B) {
	dir := b.TempDir()
	b.SetBytes(benchFileSize)
	buf := make([]byte, 1<<20)
	for b.Loop() {
		f, err := os.Create(filepath.Join(dir, "plain"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(f, &repeatReader{left: benchFileSize}, buf); err != nil {
			b.Fatal(err)
		}
		f.Sync()
		f.Close()
	}
}
