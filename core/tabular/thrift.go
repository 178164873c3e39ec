package tabular

import (
	"errors"
	"fmt"
	"math"
)

// thriftReader decodes the Thrift compact protocol from a byte slice, with
// every length checked against the bytes left and nesting capped, so a
// hostile parquet footer cannot make it allocate or recurse without bound.
type thriftReader struct {
	b   []byte
	pos int
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
	if t.pos >= len(t.b) {
		return 0, errThriftEOF
	}
	c := t.b[t.pos]
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

func (t *thriftReader) binary(max int) ([]byte, error) {
	n, err := t.uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(t.b)-t.pos) {
		return nil, fmt.Errorf("thrift: binary length %d exceeds the %d bytes left", n, len(t.b)-t.pos)
	}
	if n > uint64(max) {
		return nil, fmt.Errorf("thrift: binary length %d over the limit %d", n, max)
	}
	s := t.b[t.pos : t.pos+int(n)]
	t.pos += int(n)
	return s, nil
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
	if n > uint64(len(t.b)-t.pos) {
		return 0, 0, fmt.Errorf("thrift: list of %d elements exceeds the %d bytes left", n, len(t.b)-t.pos)
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
		if len(t.b)-t.pos < 8 {
			return errThriftEOF
		}
		t.pos += 8
		return nil
	case tcBinary:
		_, err := t.binary(len(t.b))
		return err
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
		if n > uint64(len(t.b)-t.pos) {
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
