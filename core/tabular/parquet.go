package tabular

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/oxdrop/oxdrop/core/model"
)

// Limits for parquet footers. The footer is streamed (its row groups are
// skipped, never held), so its length needs no cap; the schema elements
// kept are capped like JSON type nodes, as a *LimitError.
const (
	maxParquetName     = 1 << 16
	maxSchemaDepth     = 64
	maxParquetElements = maxTypeNodes
)

// Parquet physical types.
const (
	ptBoolean = iota
	ptInt32
	ptInt64
	ptInt96
	ptFloat
	ptDouble
	ptByteArray
	ptFixedLenByteArray
)

// Parquet converted types (the legacy annotations).
const (
	ctUTF8           = 0
	ctMap            = 1
	ctMapKeyValue    = 2
	ctList           = 3
	ctEnum           = 4
	ctDecimal        = 5
	ctDate           = 6
	ctTimeMillis     = 7
	ctTimeMicros     = 8
	ctTimestampMilli = 9
	ctTimestampMicro = 10
	ctUint8          = 11
	ctUint16         = 12
	ctUint32         = 13
	ctUint64         = 14
	ctInt8           = 15
	ctInt16          = 16
	ctInt32          = 17
	ctInt64          = 18
	ctJSON           = 19
	ctBSON           = 20
)

// Parquet LogicalType union members (field ids).
const (
	ltString    = 1
	ltMap       = 2
	ltList      = 3
	ltEnum      = 4
	ltDecimal   = 5
	ltDate      = 6
	ltTime      = 7
	ltTimestamp = 8
	ltInteger   = 10
	ltUnknown   = 11
	ltJSON      = 12
	ltBSON      = 13
	ltUUID      = 14
	ltFloat16   = 15
)

const repRepeated = 2

// schemaElement is one parquet SchemaElement; -1 marks an absent field.
type schemaElement struct {
	name         string
	typ          int32
	repetition   int32
	numChildren  int32
	converted    int32
	scale        int32
	precision    int32
	logical      int16 // LogicalType member, 0 if absent
	utc          bool  // TIMESTAMP/TIME isAdjustedToUTC
	unit         int16 // TimeUnit member: 1 ms, 2 μs, 3 ns
	bitWidth     int8
	signed       bool
	logScale     int32
	logPrecision int32
	children     []*schemaElement
}

// parquetMeta is what the footer tells: rows and the top-level fields.
type parquetMeta struct {
	numRows     int64
	root        *schemaElement
	arrowSchema []byte // the ARROW:schema key value, base64 as stored
}

func readParquet(r io.ReaderAt, size int64) (*model.TabularMeta, error) {
	pm, err := readParquetFooter(r, size)
	if err != nil {
		return nil, err
	}
	fields := make([]model.Field, len(pm.root.children))
	for i, c := range pm.root.children {
		fields[i] = model.Field{Name: c.name, Dtype: parquetDtype(c)}
	}
	// Polars prefers the Arrow schema that Arrow writers embed (it keeps
	// dictionaries, time zone names and durations that parquet types lose).
	if af, ok := embeddedArrowFields(pm.arrowSchema); ok && len(af) == len(fields) {
		fields = af
	}
	return tableMeta(fields, uint64(pm.numRows))
}

func readParquetFooter(r io.ReaderAt, size int64) (*parquetMeta, error) {
	if size < 12 {
		return nil, fmt.Errorf("parquet: file of %d bytes is too small", size)
	}
	var head [4]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return nil, fmt.Errorf("parquet: reading magic: %w", err)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return nil, fmt.Errorf("parquet: reading footer length: %w", err)
	}
	if string(head[:]) != "PAR1" || string(tail[4:]) != "PAR1" {
		return nil, errors.New("parquet: missing PAR1 magic")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 {
		return nil, fmt.Errorf("parquet: footer length %d exceeds the file", n)
	}
	return parseFileMetaData(newThriftReader(r, size-8-n, size-8))
}

// parseFileMetaData reads FileMetaData fields 2 (schema), 3 (num_rows) and
// 5 (key_value_metadata, for ARROW:schema); the row groups are skipped.
func parseFileMetaData(t *thriftReader) (*parquetMeta, error) {
	var elems []*schemaElement
	pm := &parquetMeta{numRows: -1}
	err := t.readStruct(0, func(id int16, typ byte) error {
		switch {
		case id == 2 && typ == tcList:
			n, et, err := t.listHeader()
			if err != nil {
				return err
			}
			if et != tcStruct {
				return fmt.Errorf("parquet: schema list of type %d", et)
			}
			if len(elems)+n > maxParquetElements {
				return &LimitError{What: "parquet schema elements", Got: int64(len(elems) + n), Limit: maxParquetElements}
			}
			elems = slices.Grow(elems, n)
			for i := 0; i < n; i++ {
				e, err := parseSchemaElement(t)
				if err != nil {
					return fmt.Errorf("parquet: schema element %d: %w", i, err)
				}
				elems = append(elems, e)
			}
		case id == 3 && typ == tcI64:
			v, err := t.varint()
			if err != nil {
				return err
			}
			pm.numRows = v
		case id == 5 && typ == tcList:
			return parseKeyValues(t, pm)
		default:
			return t.skip(typ, 1)
		}
		return nil
	})
	if err != nil {
		var le *LimitError
		if errors.As(err, &le) {
			return nil, err
		}
		return nil, fmt.Errorf("parquet: footer: %w", err)
	}
	if elems == nil {
		return nil, errors.New("parquet: footer has no schema")
	}
	if pm.numRows < 0 {
		return nil, errors.New("parquet: footer has no valid num_rows")
	}
	i := 0
	root, err := buildSchemaTree(elems, &i, 0)
	if err != nil {
		return nil, err
	}
	if i != len(elems) {
		return nil, fmt.Errorf("parquet: schema has %d elements outside the root", len(elems)-i)
	}
	if len(root.children) == 0 {
		return nil, errors.New("parquet: schema has no columns")
	}
	pm.root = root
	return pm, nil
}

func buildSchemaTree(elems []*schemaElement, i *int, depth int) (*schemaElement, error) {
	if depth > maxSchemaDepth {
		return nil, errors.New("parquet: schema nested too deep")
	}
	if *i >= len(elems) {
		return nil, errors.New("parquet: schema ends inside a group")
	}
	e := elems[*i]
	*i++
	if e.numChildren < 0 {
		return e, nil
	}
	if int(e.numChildren) > len(elems)-*i {
		return nil, fmt.Errorf("parquet: group %q claims %d children, only %d elements left", e.name, e.numChildren, len(elems)-*i)
	}
	for k := int32(0); k < e.numChildren; k++ {
		c, err := buildSchemaTree(elems, i, depth+1)
		if err != nil {
			return nil, err
		}
		e.children = append(e.children, c)
	}
	return e, nil
}

func parseSchemaElement(t *thriftReader) (*schemaElement, error) {
	e := &schemaElement{typ: -1, repetition: -1, numChildren: -1, converted: -1, scale: -1, precision: -1}
	err := t.readStruct(1, func(id int16, typ byte) error {
		var err error
		switch {
		case id == 1 && typ == tcI32:
			e.typ, err = t.i32()
		case id == 3 && typ == tcI32:
			e.repetition, err = t.i32()
		case id == 4 && typ == tcBinary:
			var s []byte
			s, err = t.binary(maxParquetName)
			e.name = lossy(s)
		case id == 5 && typ == tcI32:
			e.numChildren, err = t.i32()
		case id == 6 && typ == tcI32:
			e.converted, err = t.i32()
		case id == 7 && typ == tcI32:
			e.scale, err = t.i32()
		case id == 8 && typ == tcI32:
			e.precision, err = t.i32()
		case id == 10 && typ == tcStruct:
			err = parseLogicalType(t, e)
		default:
			err = t.skip(typ, 2)
		}
		return err
	})
	return e, err
}

const arrowSchemaKey = "ARROW:schema"

// parseKeyValues reads the key_value_metadata list, keeping ARROW:schema
// (up to maxArrowMeta bytes; a bigger one is ignored). Other values are
// skipped unread when their key comes first, as writers put it.
func parseKeyValues(t *thriftReader, pm *parquetMeta) error {
	n, et, err := t.listHeader()
	if err != nil {
		return err
	}
	if et != tcStruct {
		return fmt.Errorf("parquet: key_value_metadata list of type %d", et)
	}
	for i := 0; i < n; i++ {
		var value []byte
		keyed, arrow := false, false
		err := t.readStruct(1, func(id int16, typ byte) error {
			switch {
			case id == 1 && typ == tcBinary:
				key, err := t.binaryAtMost(len(arrowSchemaKey))
				keyed, arrow = true, string(key) == arrowSchemaKey
				return err
			case id == 2 && typ == tcBinary && (!keyed || arrow):
				v, err := t.binaryAtMost(maxArrowMeta)
				value = bytes.Clone(v)
				return err
			}
			return t.skip(typ, 2)
		})
		if err != nil {
			return err
		}
		if arrow {
			pm.arrowSchema = value
		}
	}
	return nil
}

// embeddedArrowFields decodes an ARROW:schema value: base64 of an IPC
// Schema message. Any problem means it is ignored, as the parquet schema
// still describes the file.
func embeddedArrowFields(b64 []byte) ([]model.Field, bool) {
	if len(b64) == 0 {
		return nil, false
	}
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(b64)))
	n, err := base64.StdEncoding.Decode(raw, b64)
	if err != nil {
		if n, err = base64.RawStdEncoding.Decode(raw, b64); err != nil {
			return nil, false
		}
	}
	raw = raw[:n]
	msg, _, err := readArrowMessage(bytes.NewReader(raw), 0, int64(len(raw)))
	if err != nil || msg == nil || msg.uint8(1, 0) != msgSchema {
		return nil, false
	}
	st, ok, err := msg.table(2)
	if err != nil || !ok {
		return nil, false
	}
	fields, err := arrowSchemaFields(st)
	if err != nil {
		return nil, false
	}
	return fields, true
}

// parseLogicalType reads the LogicalType union into e.
func parseLogicalType(t *thriftReader, e *schemaElement) error {
	return t.readStruct(2, func(id int16, typ byte) error {
		if typ != tcStruct {
			return t.skip(typ, 3)
		}
		e.logical = id
		switch id {
		case ltTime, ltTimestamp:
			return t.readStruct(3, func(fid int16, ftyp byte) error {
				switch {
				case fid == 1 && (ftyp == tcTrue || ftyp == tcFalse):
					e.utc = ftyp == tcTrue
					return nil
				case fid == 2 && ftyp == tcStruct:
					return t.readStruct(4, func(uid int16, utyp byte) error {
						e.unit = uid
						return t.skip(utyp, 5)
					})
				}
				return t.skip(ftyp, 4)
			})
		case ltInteger:
			return t.readStruct(3, func(fid int16, ftyp byte) error {
				switch {
				case fid == 1 && ftyp == tcByte:
					b, err := t.byte()
					e.bitWidth = int8(b)
					return err
				case fid == 2 && (ftyp == tcTrue || ftyp == tcFalse):
					e.signed = ftyp == tcTrue
					return nil
				}
				return t.skip(ftyp, 4)
			})
		case ltDecimal:
			return t.readStruct(3, func(fid int16, ftyp byte) error {
				var err error
				switch {
				case fid == 1 && ftyp == tcI32:
					e.logScale, err = t.i32()
				case fid == 2 && ftyp == tcI32:
					e.logPrecision, err = t.i32()
				default:
					err = t.skip(ftyp, 4)
				}
				return err
			})
		}
		return t.skip(typ, 3)
	})
}

// parquetDtype maps a schema node to its Polars dtype, as Polars' parquet
// reader converts it through Arrow. A repeated node outside a LIST
// annotation is a list of itself.
func parquetDtype(e *schemaElement) string {
	inner := parquetNodeDtype(e)
	if e.repetition == repRepeated {
		return "list[" + inner + "]"
	}
	return inner
}

func parquetNodeDtype(e *schemaElement) string {
	if e.numChildren >= 0 {
		switch {
		case e.logical == ltList || e.converted == ctList:
			return "list[" + listElemDtype(e) + "]"
		case e.logical == ltMap || e.converted == ctMap || e.converted == ctMapKeyValue:
			// Polars has no map type: a map is a list of key/value structs.
			if len(e.children) == 1 && len(e.children[0].children) > 0 {
				return "list[struct[" + strconv.Itoa(len(e.children[0].children)) + "]]"
			}
			return "list[struct[2]]"
		}
		return "struct[" + strconv.Itoa(len(e.children)) + "]"
	}
	return parquetPrimitive(e)
}

// listElemDtype applies the parquet LIST backward-compatibility rules to
// find the element type of a LIST-annotated group.
func listElemDtype(e *schemaElement) string {
	if len(e.children) != 1 {
		return "null"
	}
	rep := e.children[0]
	if rep.repetition != repRepeated {
		return parquetDtype(rep)
	}
	if rep.numChildren < 0 {
		return parquetPrimitive(rep)
	}
	if len(rep.children) > 1 || rep.name == "array" || rep.name == e.name+"_tuple" {
		return "struct[" + strconv.Itoa(len(rep.children)) + "]"
	}
	if len(rep.children) == 0 {
		return "struct[0]"
	}
	return parquetDtype(rep.children[0])
}

func decimalDtype(p, s int32) string {
	return "decimal[" + strconv.Itoa(int(p)) + "," + strconv.Itoa(int(s)) + "]"
}

func timeUnitName(u int16) string {
	switch u {
	case 1:
		return "ms"
	case 3:
		return "ns"
	}
	return "μs"
}

func parquetPrimitive(e *schemaElement) string {
	if e.logical == ltUnknown {
		return "null"
	}
	if e.logical == ltDecimal {
		return decimalDtype(e.logPrecision, e.logScale)
	}
	if e.converted == ctDecimal {
		return decimalDtype(e.precision, max(e.scale, 0))
	}
	switch e.typ {
	case ptBoolean:
		return "bool"
	case ptInt32:
		switch {
		case e.logical == ltInteger:
			return intName(e.signed, int(e.bitWidth), 32)
		case e.logical == ltDate || e.converted == ctDate:
			return "date"
		case e.logical == ltTime || e.converted == ctTimeMillis:
			return "time"
		}
		switch e.converted {
		case ctInt8:
			return "i8"
		case ctInt16:
			return "i16"
		case ctUint8:
			return "u8"
		case ctUint16:
			return "u16"
		case ctUint32:
			return "u32"
		}
		return "i32"
	case ptInt64:
		switch {
		case e.logical == ltInteger:
			return intName(e.signed, int(e.bitWidth), 64)
		case e.logical == ltTimestamp:
			tz := ""
			if e.utc {
				tz = ", UTC"
			}
			return "datetime[" + timeUnitName(e.unit) + tz + "]"
		case e.logical == ltTime || e.converted == ctTimeMicros:
			return "time"
		}
		switch e.converted {
		case ctUint64:
			return "u64"
		case ctTimestampMilli:
			return "datetime[ms]"
		case ctTimestampMicro:
			return "datetime[μs]"
		}
		return "i64"
	case ptInt96:
		return "datetime[ns]"
	case ptFloat:
		return "f32"
	case ptDouble:
		return "f64"
	case ptByteArray:
		switch {
		case e.logical == ltString || e.logical == ltEnum || e.logical == ltJSON,
			e.converted == ctUTF8 || e.converted == ctEnum || e.converted == ctJSON:
			return "str"
		}
		return "binary"
	case ptFixedLenByteArray:
		if e.logical == ltFloat16 {
			return "f32"
		}
		return "binary"
	}
	return "unknown"
}

// intName names an integer type from its signedness and bit width; an
// invalid width falls back to the physical width.
func intName(signed bool, width, physical int) string {
	switch width {
	case 8, 16, 32, 64:
	default:
		width = physical
	}
	p := "u"
	if signed {
		p = "i"
	}
	return p + strconv.Itoa(width)
}
