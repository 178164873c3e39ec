// Package bmff walks ISO base media file format boxes (mp4, mov, m4a)
// through an io.ReaderAt, reading only box headers and the few payload bytes
// a caller asks for, so a moov placed after a large mdat costs nothing.
package bmff

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
)

// MaxBoxes bounds how many box headers one Walker visits, so a file made of
// millions of tiny boxes cannot keep the CPU busy.
const MaxBoxes = 100_000

// MaxPayload caps any payload read through Walker.Read.
const MaxPayload = 1 << 20

// Box is one box: Start is where its header begins, Data where its payload
// begins and End one past its last byte.
type Box struct {
	Type  string
	Start int64
	Data  int64
	End   int64
}

// Size is the payload length.
func (b Box) Size() int64 { return b.End - b.Data }

// Walker reads boxes from r and counts them against MaxBoxes.
type Walker struct {
	r     *bounded.Reader
	boxes int
}

// NewWalker returns a Walker over a file of the given size.
func NewWalker(r io.ReaderAt, size int64) *Walker {
	return &Walker{r: bounded.New(r, size)}
}

// FileSize is the size given to NewWalker.
func (w *Walker) FileSize() int64 { return w.r.Size() }

// ErrTooManyBoxes is returned once MaxBoxes headers have been read.
var ErrTooManyBoxes = errors.New("bmff: too many boxes")

// ErrPastEnd reports a box whose size runs past its parent (or the file).
type ErrPastEnd struct {
	Type   string
	Offset int64
	Size   uint64
	Room   int64
}

func (e ErrPastEnd) Error() string {
	return fmt.Sprintf("bmff: box %q at offset %d has size %d but only %d bytes remain", e.Type, e.Offset, e.Size, e.Room)
}

// Header reads the box header at off, which must lie inside [off, end).
// A 32-bit size of 1 means a 64-bit largesize follows; 0 means the box runs
// to end. The box must fit inside end.
func (w *Walker) Header(off, end int64) (Box, error) {
	w.boxes++
	if w.boxes > MaxBoxes {
		return Box{}, ErrTooManyBoxes
	}
	if end-off < 8 {
		return Box{}, fmt.Errorf("bmff: %d bytes left at offset %d, too few for a box header", end-off, off)
	}
	h, err := w.at(off, 8)
	if err != nil {
		return Box{}, err
	}
	b := Box{Type: string(h[4:8]), Start: off, Data: off + 8}
	size := int64(binary.BigEndian.Uint32(h[:4]))
	switch size {
	case 0:
		b.End = end
		return b, nil
	case 1:
		if end-off < 16 {
			return Box{}, fmt.Errorf("bmff: box %q at offset %d: no room for its 64-bit size", b.Type, off)
		}
		h, err := w.at(off+8, 8)
		if err != nil {
			return Box{}, err
		}
		large := binary.BigEndian.Uint64(h)
		if large < 16 {
			return Box{}, fmt.Errorf("bmff: box %q at offset %d has 64-bit size %d (< 16)", b.Type, off, large)
		}
		if large > uint64(end-off) {
			return Box{}, ErrPastEnd{Type: b.Type, Offset: off, Size: large, Room: end - off}
		}
		b.Data = off + 16
		b.End = off + int64(large)
		return b, nil
	}
	if size < 8 {
		return Box{}, fmt.Errorf("bmff: box %q at offset %d has size %d (< 8)", b.Type, off, size)
	}
	if size > end-off {
		return Box{}, ErrPastEnd{Type: b.Type, Offset: off, Size: uint64(size), Room: end - off}
	}
	b.End = off + size
	return b, nil
}

// Children calls fn for each box inside [start, end), in order, stopping at
// the first error fn returns.
func (w *Walker) Children(start, end int64, fn func(Box) error) error {
	for off := start; off < end; {
		b, err := w.Header(off, end)
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		off = b.End
	}
	return nil
}

// Find returns the first child of parent with the given type.
func (w *Walker) Find(parent Box, typ string) (Box, bool, error) {
	var found Box
	ok := false
	errStop := errors.New("stop")
	err := w.Children(parent.Data, parent.End, func(b Box) error {
		if b.Type == typ {
			found, ok = b, true
			return errStop
		}
		return nil
	})
	if err == errStop {
		err = nil
	}
	return found, ok, err
}

// Read returns n bytes at off, which must lie inside box b.
func (w *Walker) Read(b Box, off int64, n int) ([]byte, error) {
	if n < 0 || n > MaxPayload {
		return nil, fmt.Errorf("bmff: read of %d bytes in box %q exceeds the %d-byte cap", n, b.Type, MaxPayload)
	}
	if off < b.Data || off+int64(n) > b.End {
		return nil, fmt.Errorf("bmff: box %q (payload %d bytes) is too short: need %d bytes at payload offset %d", b.Type, b.Size(), n, off-b.Data)
	}
	buf, err := w.r.Bytes(off, n)
	if err != nil {
		return nil, fmt.Errorf("bmff: %w", err)
	}
	return buf, nil
}

// at returns the n bytes at off, valid until the next read.
func (w *Walker) at(off int64, n int) ([]byte, error) {
	h, err := w.r.At(off, n)
	if err != nil {
		return nil, fmt.Errorf("bmff: %w", err)
	}
	return h, nil
}
