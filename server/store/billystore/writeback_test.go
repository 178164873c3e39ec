package billystore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/oxdrop/oxdrop/server/store"
)

// TestWriteBehindRanges: the writeback requests cover the written bytes in
// order, without gaps or overlaps, also when the flusher is slow and ranges
// coalesce, and nothing is requested after stop.
func TestWriteBehindRanges(t *testing.T) {
	defer func(old int64) { writebackEvery = old }(writebackEvery)
	writebackEvery = 4 << 10
	for _, tc := range []struct {
		name  string
		delay time.Duration
		chunk int
	}{
		{"fast flusher", 0, 1 << 10},
		{"slow flusher", 2 * time.Millisecond, 1 << 10},
		{"chunks larger than the interval", 0, 10 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var got [][2]int64
			stopped := false
			start := func(off, n int64) error {
				time.Sleep(tc.delay)
				mu.Lock()
				defer mu.Unlock()
				if stopped {
					t.Error("writeback requested after stop")
				}
				got = append(got, [2]int64{off, n})
				return nil
			}
			var out bytes.Buffer
			const header = 20
			wb := newWriteBehind(&out, header, start)
			chunk := bytes.Repeat([]byte{'x'}, tc.chunk)
			for i := 0; i < 200; i++ {
				if n, err := wb.Write(chunk); n != len(chunk) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			wb.stop()
			mu.Lock()
			stopped = true
			mu.Unlock()
			total := int64(header + 200*tc.chunk)
			if int64(out.Len()) != total-header {
				t.Fatalf("passed %d bytes through, want %d", out.Len(), total-header)
			}
			if len(got) == 0 {
				t.Fatal("no writeback requested")
			}
			next := int64(header)
			for _, r := range got {
				if r[0] != next || r[1] < writebackEvery {
					t.Fatalf("range %v after offset %d (ranges %v): want contiguous ranges of at least %d bytes", r, next, got, writebackEvery)
				}
				next = r[0] + r[1]
			}
			if next > total {
				t.Fatalf("requested up to %d, only %d written", next, total)
			}
		})
	}
}

// TestWriteBehindFailureStops: after one failed request (a filesystem
// without sync_file_range) no more are made, and writes go on.
func TestWriteBehindFailureStops(t *testing.T) {
	defer func(old int64) { writebackEvery = old }(writebackEvery)
	writebackEvery = 1
	calls := 0
	wb := newWriteBehind(&bytes.Buffer{}, 0, func(off, n int64) error {
		calls++
		return errTest
	})
	for i := 0; i < 100; i++ {
		if _, err := wb.Write([]byte("abc")); err != nil {
			t.Fatal(err)
		}
	}
	wb.stop()
	if calls != 1 {
		t.Fatalf("%d writeback requests after a failure, want 1", calls)
	}
}

var errTest = errors.New("sync_file_range: operation not supported")

// TestWritebackStarter: serve's files (osfs bound OS) get writeback
// requests on Linux, memfs files none; a Put through it stores the bytes.
func TestWritebackStarter(t *testing.T) {
	mf, _ := memfs.New().Create("x")
	if writebackStarter(mf) != nil {
		t.Error("memfs file got a writeback starter")
	}
	fsys := osfs.New(t.TempDir(), osfs.WithBoundOS())
	f, err := fsys.Create("x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := writebackStarter(f)
	if runtime.GOOS != "linux" {
		if start != nil {
			t.Errorf("writeback starter on %s", runtime.GOOS)
		}
		return
	}
	if start == nil {
		t.Fatalf("%T: no writeback starter", f)
	}
	f.Write(make([]byte, 1<<20))
	if err := start(0, 1<<20); err != nil {
		t.Fatalf("sync_file_range: %v", err)
	}

	defer func(old int64) { writebackEvery = old }(writebackEvery)
	writebackEvery = 64 << 10
	s := New(fsys)
	body := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB: 16 requests
	ctx := context.Background()
	if _, err := s.Put(ctx, "a/b", strings.NewReader(body), -1, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	assertBody(t, s, "a/b", body)
}

func assertBody(t *testing.T, s *Store, key, want string) {
	t.Helper()
	b, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s: read back %d bytes, not the %d put", key, len(got), len(want))
	}
}
