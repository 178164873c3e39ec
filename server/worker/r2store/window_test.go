package r2store

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func fakeObject(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// countingFetch serves ranges of obj like R2's ranged get and counts calls.
func countingFetch(obj []byte, calls *int) fetchFunc {
	return func(off int64, length int) ([]byte, error) {
		*calls++
		end := min(off+int64(length), int64(len(obj)))
		return append([]byte(nil), obj[off:end]...), nil
	}
}

func TestWindowReadAt(t *testing.T) {
	obj := fakeObject(3*windowSize + 123)
	tests := []struct {
		name    string
		off     int64
		n       int
		wantN   int
		wantErr error
	}{
		{"start", 0, 10, 10, nil},
		{"inside", 1000, 4096, 4096, nil},
		{"across window edge", windowSize - 5, 10, 10, nil},
		{"larger than window", 7, 2*windowSize + 3, 2*windowSize + 3, nil},
		{"whole object", 0, len(obj), len(obj), nil},
		{"past end short", int64(len(obj)) - 4, 10, 4, io.EOF},
		{"at end", int64(len(obj)), 1, 0, io.EOF},
		{"empty read", 50, 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			w := newWindow(int64(len(obj)), countingFetch(obj, &calls))
			p := make([]byte, tt.n)
			n, err := w.ReadAt(p, tt.off)
			if n != tt.wantN || !errors.Is(err, tt.wantErr) {
				t.Fatalf("ReadAt(%d, %d) = %d, %v; want %d, %v", tt.n, tt.off, n, err, tt.wantN, tt.wantErr)
			}
			if !bytes.Equal(p[:n], obj[tt.off:tt.off+int64(n)]) {
				t.Fatal("bytes differ from the object's")
			}
		})
	}
}

func TestWindowCachesNearbyReads(t *testing.T) {
	obj := fakeObject(windowSize * 2)
	calls := 0
	w := newWindow(int64(len(obj)), countingFetch(obj, &calls))
	p := make([]byte, 16)
	for off := int64(0); off < windowSize-16; off += 4096 {
		if _, err := w.ReadAt(p, off); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Fatalf("%d fetches for reads inside one window; want 1", calls)
	}
	if _, err := w.ReadAt(p, windowSize+5); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Fatalf("%d fetches after leaving the window; want 2", calls)
	}
	// The object is also a valid io.ReaderAt for the standard checker.
	if err := iotest.TestReader(io.NewSectionReader(newWindow(int64(len(obj)), countingFetch(obj, &calls)), 0, int64(len(obj))), obj); err != nil {
		t.Fatal(err)
	}
}

func TestWindowErrors(t *testing.T) {
	boom := errors.New("boom")
	w := newWindow(100, func(int64, int) ([]byte, error) { return nil, boom })
	if _, err := w.ReadAt(make([]byte, 4), 0); !errors.Is(err, boom) {
		t.Fatalf("fetch error not passed on: %v", err)
	}
	if _, err := w.ReadAt(make([]byte, 4), -1); err == nil {
		t.Fatal("negative offset accepted")
	}
	empty := newWindow(100, func(int64, int) ([]byte, error) { return nil, nil })
	if _, err := empty.ReadAt(make([]byte, 4), 0); err == nil || !strings.Contains(err.Error(), "no bytes") {
		t.Fatalf("empty ranged get not reported: %v", err)
	}
}

func TestListLimit(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{-1, 1000}, {0, 1000}, {1, 1}, {999, 999}, {1000, 1000}, {5000, 1000}} {
		if got := listLimit(tt.in); got != tt.want {
			t.Errorf("listLimit(%d) = %d; want %d", tt.in, got, tt.want)
		}
	}
}

func TestBatches(t *testing.T) {
	keys := make([]string, 2501)
	for i := range keys {
		keys[i] = string(rune('a' + i%26))
	}
	got := batches(keys, maxDeleteBatch)
	if len(got) != 3 || len(got[0]) != 1000 || len(got[1]) != 1000 || len(got[2]) != 501 {
		t.Fatalf("batch sizes wrong: %d batches", len(got))
	}
	if batches(nil, 10) != nil {
		t.Fatal("no keys should give no batches")
	}
}

func TestKnownLength(t *testing.T) {
	if n, ok := knownLength(bytes.NewReader([]byte("abc"))); !ok || n != 3 {
		t.Fatalf("bytes.Reader: %d %v", n, ok)
	}
	if n, ok := knownLength(strings.NewReader("abcd")); !ok || n != 4 {
		t.Fatalf("strings.Reader: %d %v", n, ok)
	}
	if _, ok := knownLength(io.LimitReader(strings.NewReader("x"), 1)); ok {
		t.Fatal("LimitReader cannot know its length")
	}
}

func TestExactReader(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		size    int64
		wantErr string
	}{
		{"exact", "hello", 5, ""},
		{"empty", "", 0, ""},
		{"short", "hell", 5, "1 bytes short"},
		{"long", "hello!", 5, "longer than its declared size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &exactReader{r: iotest.OneByteReader(strings.NewReader(tt.body)), left: tt.size}
			got, err := io.ReadAll(r)
			if tt.wantErr == "" {
				if err != nil || string(got) != tt.body {
					t.Fatalf("got %q, %v", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v; want %q", err, tt.wantErr)
			}
		})
	}
}
