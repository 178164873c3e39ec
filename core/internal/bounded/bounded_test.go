package bounded

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// countingReader records each read's offset and length.
type countingReader struct {
	r     io.ReaderAt
	reads [][2]int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.reads = append(c.reads, [2]int64{off, int64(len(p))})
	return c.r.ReadAt(p, off)
}

func file(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestReadAtChecksTheSize(t *testing.T) {
	c := &countingReader{r: bytes.NewReader(file(100))}
	b := New(c, 100)
	p := make([]byte, 10)
	if _, err := b.ReadAt(p, 90); err != nil || p[0] != 90 {
		t.Fatalf("ReadAt(90) = %v, %v", p, err)
	}
	for _, off := range []int64{-1, 91, 100, 1 << 40} {
		_, err := b.ReadAt(p, off)
		var pe *PastEndError
		if !errors.As(err, &pe) || !Truncated(err) {
			t.Errorf("ReadAt(%d) = %v, want a PastEndError", off, err)
		}
	}
	if _, err := b.Bytes(0, MaxRead+1); err == nil {
		t.Error("a read over MaxRead was accepted")
	}
	if len(c.reads) != 1 {
		t.Errorf("reads past the end reached the reader: %v", c.reads)
	}
	// The size says 200, the reader has 100: a truncated file, not an I/O error.
	short := New(bytes.NewReader(file(100)), 200)
	if _, err := short.ReadAt(p, 95); !errors.Is(err, io.ErrUnexpectedEOF) || !Truncated(err) {
		t.Errorf("short read = %v, want io.ErrUnexpectedEOF", err)
	}
	disk := errors.New("disk")
	if _, err := New(failing{disk}, 100).At(0, 4); !errors.Is(err, disk) || Truncated(err) {
		t.Errorf("failing reader = %v, want the disk error", err)
	}
}

type failing struct{ err error }

func (f failing) ReadAt([]byte, int64) (int, error) { return 0, f.err }

func TestWindowGrowsAndStaysBounded(t *testing.T) {
	const size = 1 << 20
	c := &countingReader{r: bytes.NewReader(file(size))}
	b := New(c, size)
	var want []int64
	for off, next := int64(0), int64(FirstWindow); off < size; off, next = off+next, min(2*next, MaxWindow) {
		n := min(next, size-off)
		w, err := b.Window(off, 1)
		if err != nil || int64(len(w)) != n || w[0] != byte(off) {
			t.Fatalf("Window(%d) = %d bytes, %v; want %d", off, len(w), err, n)
		}
		if w2, _ := b.Window(off+1, 1); int64(len(w2)) != n-1 {
			t.Fatal("a window was reloaded for an offset inside it")
		}
		want = append(want, n)
	}
	if len(c.reads) != len(want) {
		t.Fatalf("%d reads, want %d", len(c.reads), len(want))
	}
	for i, r := range c.reads {
		if r[1] != want[i] {
			t.Errorf("read %d: %d bytes, want %d", i, r[1], want[i])
		}
	}
	if w, err := b.Window(size, 1); len(w) != 0 || err != nil {
		t.Errorf("Window at the end = %d bytes, %v", len(w), err)
	}
	fixed := New(bytes.NewReader(file(size)), size).SetWindow(1024, 1024)
	for _, off := range []int64{0, 5000, 20000} {
		if w, _ := fixed.Window(off, 1); len(w) != 1024 {
			t.Errorf("fixed window at %d: %d bytes", off, len(w))
		}
	}
}

func TestCursor(t *testing.T) {
	b := New(bytes.NewReader(file(10)), 10)
	c := NewCursor(b, 0)
	if p, err := c.ReadExact(4); err != nil || !bytes.Equal(p, []byte{0, 1, 2, 3}) || c.Pos != 4 {
		t.Fatalf("ReadExact(4) = %v, %v at %d", p, err, c.Pos)
	}
	if v, err := c.ReadU8(); v != 4 || err != nil {
		t.Fatalf("ReadU8 = %d, %v", v, err)
	}
	if _, err := c.ReadExact(6); !errors.Is(err, io.ErrUnexpectedEOF) || c.Pos != 10 {
		t.Fatalf("a read past the end = %v at %d, want io.ErrUnexpectedEOF at the end", err, c.Pos)
	}
	if err := c.Move(-11); err == nil {
		t.Error("a seek before the start succeeded")
	}
	if err := c.SeekTo(50); err != nil || c.Pos != 50 {
		t.Errorf("a seek past the end = %v at %d", err, c.Pos)
	}
	if _, err := c.ReadExact(1); err == nil || c.Pos != 50 {
		t.Errorf("a read from past the end = %v at %d", err, c.Pos)
	}
}

func TestSectionAndNew(t *testing.T) {
	b := New(bytes.NewReader(file(100)), 100)
	s := b.Section(40)
	if p, err := s.At(0, 2); err != nil || p[0] != 40 || s.Size() != 60 {
		t.Fatalf("Section(40).At(0) = %v, %v (size %d)", p, err, s.Size())
	}
	if n := New(b, 100); n.r != b.r {
		t.Error("New over a Reader of the same size does not read the file directly")
	}
	if n := New(b, 50); n.r != b {
		t.Error("New over a Reader of another size must keep its bound")
	}
}
