package repobuild

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// TestWindows: whatever the file's size and however it was written, every
// ReadAt answers what the file holds, and the stored blob is opened only
// for a read outside the head and the tail.
func TestWindows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 1000, headWindow - 1, headWindow, headWindow + 1, headWindow + tailWindow - 1,
		headWindow + tailWindow, headWindow + tailWindow + 1, 3 * (headWindow + tailWindow), 2<<20 + 12345} {
		file := make([]byte, size)
		for i := range file {
			file[i] = byte(rng.Uint32())
		}
		var w windows
		for p := file; len(p) > 0; { // writes of random sizes, as a stream delivers them
			k := min(len(p), 1+rng.IntN(300<<10))
			w.Write(p[:k])
			p = p[k:]
		}
		opens := 0
		r := w.reader(func() (io.ReaderAt, io.Closer, error) {
			opens++
			return bytes.NewReader(file), io.NopCloser(nil), nil
		})
		for range 300 {
			off := rng.Int64N(int64(size) + 10)
			n := rng.IntN(70 << 10)
			if rng.IntN(4) == 0 && size > 0 { // reads near the end, as footers are
				off = max(0, int64(size)-int64(rng.IntN(80<<10)))
			}
			got := make([]byte, n)
			gn, gerr := r.ReadAt(got, off)
			want := make([]byte, n)
			wn, werr := bytes.NewReader(file).ReadAt(want, off)
			if gn != wn || !bytes.Equal(got[:gn], want[:wn]) || (gerr == nil) != (werr == nil) {
				t.Fatalf("size %d ReadAt(%d bytes at %d) = %d, %v; want %d, %v", size, n, off, gn, gerr, wn, werr)
			}
		}
		if size <= headWindow+tailWindow && opens > 0 {
			t.Errorf("size %d: the blob was opened, though the windows hold the whole file", size)
		}
		if opens > 1 {
			t.Errorf("size %d: the blob was opened %d times", size, opens)
		}
		r.Close()
	}
}
