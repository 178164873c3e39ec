package tabular

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// thriftReader decodes the Thrift compact protocol from the bytes
// [off, end) of a file, read through a small window (a parquet footer of
// any size costs no more than the values kept from it), with every length
// checked against the bytes left and nesting capped, so a hostile parquet
// footer cannot make it allocate or recurse without bound.
type thriftReader struct {
	r   io.ReaderAt
	buf []byte // the window: the file's bytes from off
	off int64
	pos int   // next byte in buf
	end int64 // where the data ends in the file
}

// thriftWindow is the size of the reads that fill the window.
const thriftWindow = 64 << 10

func newThriftReader(r io.ReaderAt, off, end int64) *thriftReader {
	return &thriftReader{r: r, off: off, end: end}
}

// left is the number of bytes not read yet.
func (t *thriftReader) left() int64 { return t.end - t.off - int64(t.pos) }

// fill makes n bytes available at buf[pos:], reading at least a window.
func (t *thriftReader) fill(n int) error {
	avail := len(t.buf) - t.pos
	if avail >= n {
		return nil
	}
	left := t.left()
	if int64(n) > left {
		return errThriftEOF
	}
	size := int(min(left, int64(max(n, thriftWindow))))
	nb := t.buf[:0]
	if cap(nb) < size {
		nb = make([]byte, 0, size)
	}
	nb = nb[:size]
	copy(nb, t.buf[t.pos:])
	from := t.off + int64(t.pos) + int64(avail)
	if m, err := t.r.ReadAt(nb[avail:], from); m < size-avail {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("thrift: reading at %d: %w", from, err)
	}
	t.off += int64(t.pos)
	t.buf, t.pos = nb, 0
	return nil
}

// skipBytes passes over n bytes without reading them.
func (t *thriftReader) skipBytes(n uint64) error {
	if n > uint64(t.left()) {
		return fmt.Errorf("thrift: %d bytes to skip exceed the %d bytes left", n, t.left())
	}
	if avail := uint64(len(t.buf) - t.pos); n > avail {
		t.off += int64(t.pos) + int64(n)
		t.buf, t.pos = t.buf[:0], 0
		return nil
	}
	t.pos += int(n)
	return nil
}

// Compact protocol type ids.
const (
	tcStop   = 0
	tcTrue   = 1
	tcFalse  = 2
	tcByte   = 3
	tcI16    = 4
	tcI32    = 5
	tcI64    = 6
	tcDouble = 7
	tcBinary = 8
	tcList   = 9
	tcSet    = 10
	tcMap    = 11
	tcStruct = 12
)

const maxThriftDepth = 32

var errThriftEOF = errors.New("thrift: unexpected end of data")

func (t *thriftReader) byte() (byte, error) {
	if err := t.fill(1); err != nil {
		return 0, err
	}
	c := t.buf[t.pos]
	t.pos++
	return c, nil
}

func (t *thriftReader) uvarint() (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		c, err := t.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, errors.New("thrift: varint too long")
}

func (t *thriftReader) varint() (int64, error) {
	u, err := t.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

func (t *thriftReader) i32() (int32, error) {
	v, err := t.varint()
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, fmt.Errorf("thrift: i32 value %d out of range", v)
	}
	return int32(v), nil
}

// binaryLen reads the length of a binary value, at most max.
func (t *thriftReader) binaryLen(max int) (uint64, error) {
	n, err := t.uvarint()
	if err != nil {
		return 0, err
	}
	if n > uint64(t.left()) {
		return 0, fmt.Errorf("thrift: binary length %d exceeds the %d bytes left", n, t.left())
	}
	if n > uint64(max) {
		return 0, fmt.Errorf("thrift: binary length %d over the limit %d", n, max)
	}
	return n, nil
}

// binary reads a binary value of at most max bytes; the bytes returned are
// only valid until the next read.
func (t *thriftReader) binary(max int) ([]byte, error) {
	n, err := t.binaryLen(max)
	if err != nil {
		return nil, err
	}
	return t.take(int(n))
}

// take returns the next n bytes (n within the bytes left), valid until
// the next read.
func (t *thriftReader) take(n int) ([]byte, error) {
	if err := t.fill(n); err != nil {
		return nil, err
	}
	s := t.buf[t.pos : t.pos+n]
	t.pos += n
	return s, nil
}

// binaryAtMost reads a binary value of any length, returning it when it
// is at most max bytes and skipping it unread (nil) when longer.
func (t *thriftReader) binaryAtMost(max int) ([]byte, error) {
	n, err := t.binaryLen(math.MaxInt)
	if err != nil || n > uint64(max) {
		if err == nil {
			err = t.skipBytes(n)
		}
		return nil, err
	}
	return t.take(int(n))
}

// skipBinary passes over a binary value of any length without reading it.
func (t *thriftReader) skipBinary() error {
	n, err := t.binaryLen(math.MaxInt)
	if err != nil {
		return err
	}
	return t.skipBytes(n)
}

// fieldHeader reads a struct field header; it returns type tcStop at the end
// of the struct. last is the previous field id, for delta encoding.
func (t *thriftReader) fieldHeader(last int16) (int16, byte, error) {
	c, err := t.byte()
	if err != nil {
		return 0, 0, err
	}
	typ := c & 0x0f
	if typ == tcStop {
		return 0, tcStop, nil
	}
	if delta := c >> 4; delta != 0 {
		return last + int16(delta), typ, nil
	}
	id, err := t.varint()
	if err != nil {
		return 0, 0, err
	}
	if id < math.MinInt16 || id > math.MaxInt16 {
		return 0, 0, fmt.Errorf("thrift: field id %d out of range", id)
	}
	return int16(id), typ, nil
}

// listHeader reads a list or set header. Each element takes at least one
// byte, so the size is checked against the bytes left.
func (t *thriftReader) listHeader() (int, byte, error) {
	c, err := t.byte()
	if err != nil {
		return 0, 0, err
	}
	n := uint64(c >> 4)
	if n == 15 {
		if n, err = t.uvarint(); err != nil {
			return 0, 0, err
		}
	}
	if n > uint64(t.left()) {
		return 0, 0, fmt.Errorf("thrift: list of %d elements exceeds the %d bytes left", n, t.left())
	}
	return int(n), c & 0x0f, nil
}

// skip skips one value of the given type.
func (t *thriftReader) skip(typ byte, depth int) error {
	if depth > maxThriftDepth {
		return errors.New("thrift: nesting too deep")
	}
	switch typ {
	case tcTrue, tcFalse:
		return nil
	case tcByte:
		_, err := t.byte()
		return err
	case tcI16, tcI32, tcI64:
		_, err := t.uvarint()
		return err
	case tcDouble:
		if t.left() < 8 {
			return errThriftEOF
		}
		return t.skipBytes(8)
	case tcBinary:
		return t.skipBinary()
	case tcList, tcSet:
		n, et, err := t.listHeader()
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := t.skipElem(et, depth+1); err != nil {
				return err
			}
		}
		return nil
	case tcMap:
		n, err := t.uvarint()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if n > uint64(t.left()) {
			return errors.New("thrift: map larger than the data left")
		}
		kv, err := t.byte()
		if err != nil {
			return err
		}
		for i := uint64(0); i < n; i++ {
			if err := t.skipElem(kv>>4, depth+1); err != nil {
				return err
			}
			if err := t.skipElem(kv&0x0f, depth+1); err != nil {
				return err
			}
		}
		return nil
	case tcStruct:
		var last int16
		for {
			id, ft, err := t.fieldHeader(last)
			if err != nil {
				return err
			}
			if ft == tcStop {
				return nil
			}
			if err := t.skip(ft, depth+1); err != nil {
				return err
			}
			last = id
		}
	}
	return fmt.Errorf("thrift: unknown type id %d", typ)
}

// skipElem skips a list, set or map element: there booleans take one byte.
func (t *thriftReader) skipElem(typ byte, depth int) error {
	if typ == tcTrue || typ == tcFalse {
		_, err := t.byte()
		return err
	}
	return t.skip(typ, depth)
}

// readStruct calls fn for each field of a struct; fn must consume the
// field's value (or call skip).
func (t *thriftReader) readStruct(depth int, fn func(id int16, typ byte) error) error {
	if depth > maxThriftDepth {
		return errors.New("thrift: nesting too deep")
	}
	var last int16
	for {
		id, typ, err := t.fieldHeader(last)
		if err != nil {
			return err
		}
		if typ == tcStop {
			return nil
		}
		if err := fn(id, typ); err != nil {
			return err
		}
		last = id
	}
}
