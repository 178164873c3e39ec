package billystore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

// fakeWriteback records the calls, optionally slowly, and fails on demand.
type fakeWriteback struct {
	t       *testing.T
	delay   time.Duration
	failAt  int // fail the failAt-th call (1-based); 0: never
	mu      sync.Mutex
	calls   []string // "start off n" / "retire off n"
	stopped bool
}

func (f *fakeWriteback) call(op string, off, n int64) error {
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		f.t.Errorf("%s after stop", op)
	}
	f.calls = append(f.calls, fmt.Sprintf("%s %d %d", op, off, n))
	if len(f.calls) == f.failAt {
		return errTest
	}
	return nil
}

func (f *fakeWriteback) start(off, n int64) error  { return f.call("start", off, n) }
func (f *fakeWriteback) retire(off, n int64) error { return f.call("retire", off, n) }

var errTest = errors.New("sync_file_range: operation not supported")

// TestWriteBehindRanges: the ranges started cover the written bytes in
// order, without gaps or overlaps, also when the flusher is slow and ranges
// coalesce; each range but the last is retired right after the next one
// starts; nothing happens after stop.
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
			fake := &fakeWriteback{t: t, delay: tc.delay}
			var out bytes.Buffer
			const header = 20
			wb := newWriteBehind(&out, header, fake)
			chunk := bytes.Repeat([]byte{'x'}, tc.chunk)
			for i := 0; i < 200; i++ {
				if n, err := wb.Write(chunk); n != len(chunk) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			wb.stop()
			fake.mu.Lock()
			fake.stopped = true
			calls := fake.calls
			fake.mu.Unlock()
			total := int64(header + 200*tc.chunk)
			if int64(out.Len()) != total-header {
				t.Fatalf("passed %d bytes through, want %d", out.Len(), total-header)
			}
			if len(calls) == 0 {
				t.Fatal("no writeback started")
			}
			next := int64(header)
			var started []string
			for i, c := range calls {
				var op string
				var off, n int64
				fmt.Sscan(c, &op, &off, &n)
				switch op {
				case "start":
					if off != next || n < writebackEvery {
						t.Fatalf("call %d %q after offset %d: want contiguous ranges of at least %d bytes (calls %v)", i, c, next, writebackEvery, calls)
					}
					next = off + n
					started = append(started, fmt.Sprintf("%d %d", off, n))
					// Each start but the first is followed by the retiring
					// of the range before it.
					if len(started) > 1 && (i+1 >= len(calls) || calls[i+1] != "retire "+started[len(started)-2]) {
						t.Fatalf("call %d %q is not followed by retiring %s (calls %v)", i, c, started[len(started)-2], calls)
					}
				case "retire":
					if i == 0 || !strings.HasPrefix(calls[i-1], "start") {
						t.Fatalf("call %d %q does not follow a start (calls %v)", i, c, calls)
					}
				}
			}
			if last := "retire " + started[len(started)-1]; calls[len(calls)-1] == last {
				t.Errorf("the last range was retired: the fsync should write it and the caller may read it back")
			}
			if next > total {
				t.Fatalf("started up to %d, only %d written", next, total)
			}
		})
	}
}

// TestWriteBehindFailureStops: after a failed call (a filesystem without
// sync_file_range) no more are made, and writes go on.
func TestWriteBehindFailureStops(t *testing.T) {
	defer func(old int64) { writebackEvery = old }(writebackEvery)
	writebackEvery = 1
	for _, failAt := range []int{1, 3} { // a start, a retire
		fake := &fakeWriteback{t: t, failAt: failAt}
		wb := newWriteBehind(&bytes.Buffer{}, 0, fake)
		for i := 0; i < 100; i++ {
			if _, err := wb.Write([]byte("abc")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Microsecond) // let the flusher take each range
		}
		wb.stop()
		if len(fake.calls) != failAt {
			t.Errorf("failure at call %d: %d calls in all, want no more after it (%v)", failAt, len(fake.calls), fake.calls)
		}
	}
}

// TestWritebackControl: serve's files (osfs bound OS) get writeback
// control on Linux, memfs files none; a Put through it stores the bytes.
func TestWritebackControl(t *testing.T) {
	mf, _ := memfs.New().Create("x")
	if newWriteback(mf) != nil {
		t.Error("memfs file got writeback control")
	}
	fsys := osfs.New(t.TempDir(), osfs.WithBoundOS())
	f, err := fsys.Create("x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wbc := newWriteback(f)
	if runtime.GOOS != "linux" {
		if wbc != nil {
			t.Errorf("writeback control on %s", runtime.GOOS)
		}
		return
	}
	if wbc == nil {
		t.Fatalf("%T: no writeback control", f)
	}
	f.Write(make([]byte, 1<<20))
	if err := wbc.start(0, 1<<20); err != nil {
		t.Fatalf("start: %v", err)
	}
	if err := wbc.retire(0, 1<<20); err != nil {
		t.Fatalf("retire: %v", err)
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
