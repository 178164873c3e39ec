// Package bounded is how the format readers (imagemeta, audiometa,
// videometa and its bmff walker) read a file: through an io.ReaderAt whose
// size is known, every read checked against that size and capped, so a
// header that claims more than the file holds costs an error, never a large
// allocation or a read past the end. Readers that walk a file byte by byte
// or frame by frame go through one cached window, either at offsets of
// their choosing (Window) or from a position that moves forwards (Cursor).
package bounded

import (
	"errors"
	"fmt"
	"io"
)

// MaxRead caps any single read through ReadAt, Bytes and Cursor.ReadExact,
// whatever length a header claims.
const MaxRead = 1 << 20

// The window sizes New sets: the first window is small (most readers want
// a header), and each reload at another offset doubles it up to
// MaxWindow, for the readers that walk on through a stream.
const (
	FirstWindow = 4 << 10
	MaxWindow   = 64 << 10
)

// smallLen is the size of the buffer At returns its bytes in.
const smallLen = 64

// Reader is a file of a known size read through an io.ReaderAt. Reads
// never go past the size; the bytes At, Window and Cursor give are valid
// until the Reader's next read of the same kind.
type Reader struct {
	r      io.ReaderAt
	size   int64
	first  int    // the first window load
	most   int    // the largest window load
	win    []byte // bytes of the file from winOff
	winOff int64
	next   int // size of the next window load
	small  [smallLen]byte
}

// New returns a Reader over the size bytes of r, with windows of
// FirstWindow growing to MaxWindow. A Reader given as r is unwrapped when
// its size is the same, so nested readers share nothing but the file.
func New(r io.ReaderAt, size int64) *Reader {
	if b, ok := r.(*Reader); ok && b.size == size {
		r = b.r
	}
	return &Reader{r: r, size: size, first: FirstWindow, most: MaxWindow}
}

// SetWindow changes the window loads to first bytes, doubling up to most
// (first == most: a fixed window), and returns b.
func (b *Reader) SetWindow(first, most int) *Reader {
	b.first, b.most = first, max(first, most)
	b.win, b.next = b.win[:0], 0
	return b
}

// Size is the file's size.
func (b *Reader) Size() int64 { return b.size }

// Section is a new Reader over the bytes from off to the end (off within
// the file), with the same window sizes.
func (b *Reader) Section(off int64) *Reader {
	off = min(max(off, 0), b.size)
	s := &Reader{r: io.NewSectionReader(b.r, off, b.size-off), size: b.size - off}
	return s.SetWindow(b.first, b.most)
}

// PastEndError is a read that runs past the end of the file.
type PastEndError struct {
	N    int64 // bytes asked for
	Off  int64 // where
	Size int64 // the file's size
}

func (e *PastEndError) Error() string {
	return fmt.Sprintf("read of %d bytes at offset %d runs past the end of the %d-byte file", e.N, e.Off, e.Size)
}

// Truncated reports whether err says the file ends too soon: a read past
// its size, or a reader that ran out of bytes before it. Other errors are
// the reader's own (a failing disk, a closed file).
func Truncated(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if _, ok := e.(*PastEndError); ok {
			return true
		}
	}
	return errors.Is(err, io.ErrUnexpectedEOF)
}

// ReadAt fills all of p from off, or fails: with a *PastEndError when p
// runs past the file's size, with io.ErrUnexpectedEOF (wrapped) when the
// reader ends sooner, or with the reader's error. p is at most MaxRead
// bytes. Reader is an io.ReaderAt.
func (b *Reader) ReadAt(p []byte, off int64) (int, error) {
	if len(p) > MaxRead {
		return 0, fmt.Errorf("read of %d bytes exceeds the %d-byte cap", len(p), MaxRead)
	}
	if off < 0 || off > b.size || int64(len(p)) > b.size-off {
		return 0, &PastEndError{N: int64(len(p)), Off: off, Size: b.size}
	}
	n, err := b.r.ReadAt(p, off)
	if n == len(p) {
		return n, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, fmt.Errorf("reading %d bytes at offset %d: %w", len(p), off, err)
}

// Bytes returns the n bytes at off in a new slice.
func (b *Reader) Bytes(off int64, n int) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("negative read length %d", n)
	}
	if n > MaxRead {
		return nil, fmt.Errorf("read of %d bytes exceeds the %d-byte cap", n, MaxRead)
	}
	p := make([]byte, n)
	if _, err := b.ReadAt(p, off); err != nil {
		return nil, err
	}
	return p, nil
}

// At returns the n bytes at off (n at most 64) in a buffer the Reader
// reuses: valid until the next At. For the small fixed-size headers a
// format reader looks at, without an allocation.
func (b *Reader) At(off int64, n int) ([]byte, error) {
	if n < 0 || n > smallLen {
		return nil, fmt.Errorf("header read of %d bytes (at most %d)", n, smallLen)
	}
	if _, err := b.ReadAt(b.small[:n], off); err != nil {
		return nil, err
	}
	return b.small[:n], nil
}

// Window returns the file's bytes from off onwards as far as the cached
// window reaches (empty at or past the end). When off is outside the
// window, a new one is loaded there: at least need bytes when the file has
// them, and the next window size (the first, then doubling up to the
// largest) when that is more.
func (b *Reader) Window(off int64, need int) ([]byte, error) {
	if off < 0 {
		return nil, &PastEndError{N: int64(need), Off: off, Size: b.size}
	}
	if off >= b.size {
		return nil, nil
	}
	if off >= b.winOff && off < b.winOff+int64(len(b.win)) {
		return b.win[off-b.winOff:], nil
	}
	b.next = min(max(2*b.next, b.first), b.most)
	n := int(min(int64(max(b.next, need)), b.size-off))
	if cap(b.win) < n {
		b.win = make([]byte, n)
	}
	b.win = b.win[:n]
	if _, err := b.ReadAt(b.win, off); err != nil {
		b.win = b.win[:0]
		return nil, err
	}
	b.winOff = off
	return b.win, nil
}

// Cursor reads a Reader forwards from Pos, the way Rust code reads a
// BufReader<File>: a read past the end fails and leaves Pos at the end
// (the bytes before the end were consumed); a seek may go past the end
// but not before the start. Pos may also be set directly.
type Cursor struct {
	*Reader
	Pos int64
}

// NewCursor returns a Cursor over b at pos.
func NewCursor(b *Reader, pos int64) *Cursor { return &Cursor{Reader: b, Pos: pos} }

// ReadExact returns the next n bytes (valid until the next read) and
// advances past them; past the end it fails with io.ErrUnexpectedEOF and
// leaves Pos at the end.
func (c *Cursor) ReadExact(n int) ([]byte, error) {
	if n < 0 || n > MaxRead {
		return nil, fmt.Errorf("read of %d bytes exceeds the %d-byte cap", n, MaxRead)
	}
	if c.Pos < 0 || int64(n) > c.size-c.Pos {
		c.Pos = max(c.Pos, c.size)
		return nil, io.ErrUnexpectedEOF
	}
	if n > c.most {
		p, err := c.Bytes(c.Pos, n)
		if err == nil {
			c.Pos += int64(n)
		}
		return p, err
	}
	w, err := c.Window(c.Pos, n)
	if err != nil {
		return nil, err
	}
	if len(w) < n { // the cached window ends too soon: reload from Pos
		c.win = c.win[:0]
		if w, err = c.Window(c.Pos, n); err != nil {
			return nil, err
		}
	}
	c.Pos += int64(n)
	return w[:n], nil
}

// ReadU8 reads one byte.
func (c *Cursor) ReadU8() (byte, error) {
	p, err := c.ReadExact(1)
	if err != nil {
		return 0, err
	}
	return p[0], nil
}

// Move moves by delta; like a seek on a file, it fails before the start.
func (c *Cursor) Move(delta int64) error { return c.SeekTo(c.Pos + delta) }

// SeekTo moves to off; it fails before the start.
func (c *Cursor) SeekTo(off int64) error {
	if off < 0 {
		return fmt.Errorf("seek to negative offset %d", off)
	}
	c.Pos = off
	return nil
}
