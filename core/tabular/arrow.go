package tabular

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/oxdrop/oxdrop/core/model"
)

// Limits for arrow IPC: message metadata and footers are read whole, so
// their lengths are capped; bodies are skipped, never read.
const (
	maxArrowMeta   = 16 << 20
	maxArrowDepth  = 64
	arrowMagic     = "ARROW1"
	msgSchema      = 1
	msgRecordBatch = 3
)

// Arrow Type union members.
const (
	atNull            = 1
	atInt             = 2
	atFloatingPoint   = 3
	atBinary          = 4
	atUtf8            = 5
	atBool            = 6
	atDecimal         = 7
	atDate            = 8
	atTime            = 9
	atTimestamp       = 10
	atInterval        = 11
	atList            = 12
	atStruct          = 13
	atUnion           = 14
	atFixedSizeBinary = 15
	atFixedSizeList   = 16
	atMap             = 17
	atDuration        = 18
	atLargeBinary     = 19
	atLargeUtf8       = 20
	atLargeList       = 21
	atRunEndEncoded   = 22
	atBinaryView      = 23
	atUtf8View        = 24
	atListView        = 25
	atLargeListView   = 26
)

func readArrow(r io.ReaderAt, size int64) (*model.TabularMeta, error) {
	var magic [8]byte
	if size >= 8 {
		if _, err := r.ReadAt(magic[:], 0); err != nil {
			return nil, fmt.Errorf("arrow: reading magic: %w", err)
		}
	}
	var (
		fields []model.Field
		rows   uint64
		err    error
	)
	if string(magic[:6]) == arrowMagic {
		fields, rows, err = readArrowFile(r, size)
	} else {
		fields, rows, err = readArrowStream(r, size)
	}
	if err != nil {
		return nil, err
	}
	return tableMeta(fields, rows)
}

// readArrowFile reads the IPC file footer: the schema, and the record batch
// blocks whose message headers give the row counts.
func readArrowFile(r io.ReaderAt, size int64) ([]model.Field, uint64, error) {
	if size < 18 {
		return nil, 0, errors.New("arrow: file too small")
	}
	var tail [10]byte
	if _, err := r.ReadAt(tail[:], size-10); err != nil {
		return nil, 0, fmt.Errorf("arrow: reading footer length: %w", err)
	}
	if string(tail[4:]) != arrowMagic {
		return nil, 0, errors.New("arrow: missing trailing ARROW1 magic")
	}
	n := int64(int32(binary.LittleEndian.Uint32(tail[:4])))
	if n <= 0 || n > size-18 || n > maxArrowMeta {
		return nil, 0, fmt.Errorf("arrow: footer length %d is invalid", n)
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-10-n); err != nil {
		return nil, 0, fmt.Errorf("arrow: reading footer: %w", err)
	}
	footer, err := fbRoot(buf)
	if err != nil {
		return nil, 0, err
	}
	schema, ok, err := footer.table(1)
	if err != nil || !ok {
		return nil, 0, errors.New("arrow: footer has no schema")
	}
	fields, err := arrowSchemaFields(schema)
	if err != nil {
		return nil, 0, err
	}
	start, nb, err := footer.vector(3, 24)
	if err != nil {
		return nil, 0, err
	}
	var rows uint64
	// Honest blocks never overlap, so their messages add up to less than
	// the file; the cap stops a footer that points every block at one big
	// message from making the reads quadratic.
	var metaRead int64
	for k := 0; k < nb; k++ {
		p := start + 24*k
		off := int64(binary.LittleEndian.Uint64(buf[p:]))
		metaLen := int64(int32(binary.LittleEndian.Uint32(buf[p+8:])))
		if off < 0 || metaLen < 0 || off > size-10-n {
			return nil, 0, fmt.Errorf("arrow: record batch block %d out of the file", k)
		}
		msg, end, err := readArrowMessage(r, off, size)
		if err != nil {
			return nil, 0, fmt.Errorf("arrow: record batch %d: %w", k, err)
		}
		if metaRead += end - off; metaRead > size {
			return nil, 0, errors.New("arrow: record batch blocks overlap")
		}
		if msg == nil {
			return nil, 0, fmt.Errorf("arrow: record batch %d is an end marker", k)
		}
		n, err := recordBatchLength(*msg)
		if err != nil {
			return nil, 0, fmt.Errorf("arrow: record batch %d: %w", k, err)
		}
		rows += n
	}
	return fields, rows, nil
}

// readArrowStream walks the messages of an IPC stream: the schema first,
// then batches whose bodies are skipped by their declared length.
func readArrowStream(r io.ReaderAt, size int64) ([]model.Field, uint64, error) {
	var (
		off    int64
		fields []model.Field
		rows   uint64
		seen   bool
	)
	for off < size {
		msg, next, err := readArrowMessage(r, off, size)
		if err != nil {
			return nil, 0, fmt.Errorf("arrow stream at byte %d: %w", off, err)
		}
		if msg == nil {
			break // end-of-stream marker
		}
		body := msg.int64(3, 0)
		if body < 0 || body > size-next {
			return nil, 0, fmt.Errorf("arrow stream at byte %d: body length %d exceeds the file", off, body)
		}
		switch msg.uint8(1, 0) {
		case msgSchema:
			if seen {
				return nil, 0, errors.New("arrow stream: second schema message")
			}
			st, ok, err := msg.table(2)
			if err != nil || !ok {
				return nil, 0, errors.New("arrow stream: schema message without schema")
			}
			if fields, err = arrowSchemaFields(st); err != nil {
				return nil, 0, err
			}
			seen = true
		case msgRecordBatch:
			if !seen {
				return nil, 0, errors.New("arrow stream: record batch before the schema")
			}
			n, err := recordBatchLength(*msg)
			if err != nil {
				return nil, 0, err
			}
			rows += n
		}
		off = next + body
	}
	if !seen {
		return nil, 0, errors.New("arrow: no schema message (not an arrow IPC file or stream)")
	}
	return fields, rows, nil
}

// readArrowMessage reads the encapsulated message at off: an optional
// 0xFFFFFFFF continuation, an int32 length, then the Message flatbuffer.
// It returns nil at an end-of-stream marker, and the offset after the
// metadata (where the body starts).
func readArrowMessage(r io.ReaderAt, off, size int64) (*fbTable, int64, error) {
	var pre [8]byte
	if off > size-4 {
		return nil, 0, errors.New("message prefix past the end of the file")
	}
	if _, err := r.ReadAt(pre[:4], off); err != nil {
		return nil, 0, err
	}
	n := int64(int32(binary.LittleEndian.Uint32(pre[:4])))
	start := off + 4
	if n == -1 {
		if off > size-8 {
			return nil, 0, errors.New("message length past the end of the file")
		}
		if _, err := r.ReadAt(pre[4:], off+4); err != nil {
			return nil, 0, err
		}
		n = int64(int32(binary.LittleEndian.Uint32(pre[4:])))
		start = off + 8
	}
	if n == 0 {
		return nil, start, nil
	}
	if n < 0 || n > size-start || n > maxArrowMeta {
		return nil, 0, fmt.Errorf("message length %d is invalid", n)
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, start); err != nil {
		return nil, 0, err
	}
	msg, err := fbRoot(buf)
	if err != nil {
		return nil, 0, err
	}
	return &msg, start + n, nil
}

func recordBatchLength(msg fbTable) (uint64, error) {
	if msg.uint8(1, 0) != msgRecordBatch {
		return 0, errors.New("message is not a record batch")
	}
	rb, ok, err := msg.table(2)
	if err != nil || !ok {
		return 0, errors.New("record batch message without header")
	}
	n := rb.int64(0, 0)
	if n < 0 {
		return 0, fmt.Errorf("negative record batch length %d", n)
	}
	return uint64(n), nil
}

func arrowSchemaFields(schema fbTable) ([]model.Field, error) {
	fts, err := schema.tableVector(1)
	if err != nil {
		return nil, err
	}
	if fts.len() == 0 {
		return nil, errors.New("arrow: schema has no fields")
	}
	if fts.len() > MaxColumns {
		return nil, columnsError(fts.len())
	}
	fields := make([]model.Field, fts.len())
	for i := range fields {
		ft := fts.at(i)
		name, err := ft.string(0)
		if err != nil {
			return nil, err
		}
		dt, err := arrowDtype(ft, 0)
		if err != nil {
			return nil, fmt.Errorf("arrow: field %q: %w", name, err)
		}
		fields[i] = model.Field{Name: name, Dtype: dt}
	}
	return fields, nil
}

func arrowUnit(u int16) string {
	switch u {
	case 2:
		return "μs"
	case 3:
		return "ns"
	}
	return "ms" // Polars has no seconds; they become milliseconds
}

// arrowDtype maps an Arrow Field to its Polars dtype as Polars imports it.
func arrowDtype(f fbTable, depth int) (string, error) {
	if depth > maxArrowDepth {
		return "", errors.New("type nested too deep")
	}
	typ, _, err := f.table(3)
	if err != nil {
		return "", err
	}
	kind := f.uint8(2, 0)
	if _, isDict, _ := f.table(4); isDict {
		if kind == atUtf8 || kind == atLargeUtf8 || kind == atUtf8View {
			return "cat", nil
		}
	}
	child := func(i int) (string, error) {
		cs, err := f.tableVector(5)
		if err != nil {
			return "", err
		}
		if cs.len() <= i {
			return "", fmt.Errorf("nested type without child %d", i)
		}
		return arrowDtype(cs.at(i), depth+1)
	}
	switch kind {
	case atNull:
		return "null", nil
	case atInt:
		return intName(typ.bool(1), int(typ.int32(0, 0)), 64), nil
	case atFloatingPoint:
		if typ.int16(0, 0) == 2 {
			return "f64", nil
		}
		return "f32", nil
	case atBinary, atLargeBinary, atBinaryView, atFixedSizeBinary:
		return "binary", nil
	case atUtf8, atLargeUtf8, atUtf8View:
		return "str", nil
	case atBool:
		return "bool", nil
	case atDecimal:
		return decimalDtype(typ.int32(0, 0), typ.int32(1, 0)), nil
	case atDate:
		if typ.int16(0, 1) == 0 {
			return "date", nil
		}
		return "datetime[ms]", nil
	case atTime:
		return "time", nil
	case atTimestamp:
		tz, err := typ.string(1)
		if err != nil {
			return "", err
		}
		if tz == "+00:00" {
			tz = "UTC"
		}
		if tz != "" {
			tz = ", " + tz
		}
		return "datetime[" + arrowUnit(typ.int16(0, 0)) + tz + "]", nil
	case atDuration:
		return "duration[" + arrowUnit(typ.int16(0, 1)) + "]", nil
	case atList, atLargeList, atListView, atLargeListView:
		c, err := child(0)
		if err != nil {
			return "", err
		}
		return "list[" + c + "]", nil
	case atFixedSizeList:
		c, err := child(0)
		if err != nil {
			return "", err
		}
		return "array[" + c + ", " + strconv.Itoa(int(typ.int32(0, 0))) + "]", nil
	case atStruct:
		cs, err := f.tableVector(5)
		if err != nil {
			return "", err
		}
		return "struct[" + strconv.Itoa(cs.len()) + "]", nil
	case atMap:
		c, err := child(0)
		if err != nil {
			return "", err
		}
		return "list[" + c + "]", nil
	case atRunEndEncoded:
		return child(1)
	}
	return "", fmt.Errorf("arrow type %d is not supported by Polars", kind)
}
