package tabular

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// Parquet fixture values were cross-checked with hyparquet 1.x (num_rows,
// the sum of row group rows, and the schema elements).
func TestParquetFixtures(t *testing.T) {
	tests := []struct {
		path          string
		width, height uint64
		schema        string
	}{
		{"parquet/wiki_1k.parquet", 3, 1024, "id:str, url:str, title:str"},
		{"parquet/wiki_30k.parquet", 3, 100, "id:i64, title:str, text:str"},
		{"parquet/sft 100.parquet", 3, 100, "instruction:str, output:str, tag:str"},
		{"parquet/binary_col.parquet", 13, 11, "task_id:str, prompt:str, rust_prompt:str, rust_code:str, rust_test_list:str, template:str, " +
			"build_passed:bool, build_stderr:binary, clippy_passed:bool, clippy_stderr:binary, test_passed:bool, test_stderr:binary, idx:i64"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			b := fixture(t, tt.path)
			m, err := readBytes(t, b, "parquet")
			if err != nil {
				t.Fatal(err)
			}
			if m.Width != tt.width || m.Height != tt.height {
				t.Errorf("got %dx%d, want %dx%d", m.Width, m.Height, tt.width, tt.height)
			}
			if got := schemaString(m); got != tt.schema {
				t.Errorf("schema\n got %s\nwant %s", got, tt.schema)
			}
			// The embedded Arrow schema and the parquet schema agree here.
			pm, err := readParquetFooter(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			af, ok := embeddedArrowFields(pm.arrowSchema)
			if !ok {
				t.Fatal("ARROW:schema not decoded")
			}
			for i, c := range pm.root.children {
				if d := parquetDtype(c); d != af[i].Dtype || c.name != af[i].Name {
					t.Errorf("field %d: parquet %s:%s, arrow %s:%s", i, c.name, d, af[i].Name, af[i].Dtype)
				}
			}
		})
	}
}

func TestParquetInvalid(t *testing.T) {
	b := fixture(t, "data/invalid.parquet")
	if _, err := readBytes(t, b, "parquet"); err == nil {
		t.Fatal("data/invalid.parquet: no error")
	}
	good := fixture(t, "parquet/wiki_1k.parquet")
	cases := map[string][]byte{
		"empty":            {},
		"magic only":       []byte("PAR1PAR1PAR1"),
		"no head magic":    append([]byte("PAR0"), good[4:]...),
		"footer too long":  append(append(bytes.Clone(good[:len(good)-8]), 0xff, 0xff, 0, 0), "PAR1"...),
		"footer truncated": append(append([]byte("PAR1"), good[len(good)-40:len(good)-8]...), 32, 0, 0, 0, 'P', 'A', 'R', '1'),
		"zero footer":      []byte("PAR1\x00\x00\x00\x00\x00\x00\x00\x00PAR1"),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if m, err := readBytes(t, b, "parquet"); err == nil {
				t.Errorf("no error, got %+v", m)
			}
		})
	}
}

// thriftWriter writes the Thrift compact protocol, to build footers.
type thriftWriter struct {
	b    []byte
	last []int16
}

func (w *thriftWriter) uvarint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *thriftWriter) varint(v int64)   { w.uvarint(uint64(v<<1) ^ uint64(v>>63)) }
func (w *thriftWriter) begin()           { w.last = append(w.last, 0) }
func (w *thriftWriter) end() {
	w.b = append(w.b, 0)
	w.last = w.last[:len(w.last)-1]
}
func (w *thriftWriter) field(id int16, typ byte) {
	l := &w.last[len(w.last)-1]
	if d := id - *l; d > 0 && d < 16 {
		w.b = append(w.b, byte(d)<<4|typ)
	} else {
		w.b = append(w.b, typ)
		w.varint(int64(id))
	}
	*l = id
}
func (w *thriftWriter) i32(id int16, v int32) { w.field(id, tcI32); w.varint(int64(v)) }
func (w *thriftWriter) i64(id int16, v int64) { w.field(id, tcI64); w.varint(v) }
func (w *thriftWriter) str(id int16, s string) {
	w.field(id, tcBinary)
	w.uvarint(uint64(len(s)))
	w.b = append(w.b, s...)
}
func (w *thriftWriter) boolean(id int16, v bool) {
	if v {
		w.field(id, tcTrue)
	} else {
		w.field(id, tcFalse)
	}
}
func (w *thriftWriter) list(id int16, n int, et byte) {
	w.field(id, tcList)
	if n < 15 {
		w.b = append(w.b, byte(n)<<4|et)
	} else {
		w.b = append(w.b, 0xf0|et)
		w.uvarint(uint64(n))
	}
}

// el describes one schema element for the test footer builder.
type el struct {
	name      string
	typ       int32 // -1: group
	rep       int32
	children  int32
	converted int32 // -1: none
	logical   func(w *thriftWriter)
	scale     int32
	precision int32
}

func logicalEmpty(member int16) func(w *thriftWriter) {
	return func(w *thriftWriter) { w.field(member, tcStruct); w.begin(); w.end() }
}

func logicalTimestamp(utc bool, unit int16) func(w *thriftWriter) {
	return func(w *thriftWriter) {
		w.field(ltTimestamp, tcStruct)
		w.begin()
		w.boolean(1, utc)
		w.field(2, tcStruct)
		w.begin()
		w.field(unit, tcStruct)
		w.begin()
		w.end()
		w.end()
		w.end()
	}
}

func logicalInt(width int8, signed bool) func(w *thriftWriter) {
	return func(w *thriftWriter) {
		w.field(ltInteger, tcStruct)
		w.begin()
		w.field(1, tcByte)
		w.b = append(w.b, byte(width))
		w.boolean(2, signed)
		w.end()
	}
}

func logicalDecimal(p, s int32) func(w *thriftWriter) {
	return func(w *thriftWriter) {
		w.field(ltDecimal, tcStruct)
		w.begin()
		w.i32(1, s)
		w.i32(2, p)
		w.end()
	}
}

// buildParquet returns a parquet file (magic, no data pages, footer).
func buildParquet(rows int64, elems []el) []byte {
	w := &thriftWriter{}
	w.begin()
	w.i32(1, 1)
	w.list(2, len(elems), tcStruct)
	for _, e := range elems {
		w.begin()
		if e.typ >= 0 {
			w.i32(1, e.typ)
		}
		if e.rep >= 0 {
			w.i32(3, e.rep)
		}
		w.str(4, e.name)
		if e.children > 0 || e.typ < 0 {
			w.i32(5, e.children)
		}
		if e.converted >= 0 {
			w.i32(6, e.converted)
		}
		if e.precision > 0 {
			w.i32(7, e.scale)
			w.i32(8, e.precision)
		}
		if e.logical != nil {
			w.field(10, tcStruct)
			w.begin()
			e.logical(w)
			w.end()
		}
		w.end()
	}
	w.i64(3, rows)
	w.list(4, 0, tcStruct)
	w.str(6, "oxdrop test")
	w.end()
	out := append([]byte("PAR1"), w.b...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(w.b)))
	return append(out, "PAR1"...)
}

const (
	opt = 1
	req = 0
	rpt = 2
)

func prim(name string, typ int32) el {
	return el{name: name, typ: typ, rep: opt, converted: -1}
}

func TestParquetDtypes(t *testing.T) {
	with := func(e el, f func(*el)) el { f(&e); return e }
	elems := []el{
		{name: "schema", typ: -1, rep: -1, children: 24, converted: -1},
		prim("b", ptBoolean),
		prim("i32", ptInt32),
		prim("i64", ptInt64),
		with(prim("i8", ptInt32), func(e *el) { e.logical = logicalInt(8, true) }),
		with(prim("u16", ptInt32), func(e *el) { e.converted = ctUint16 }),
		with(prim("u64", ptInt64), func(e *el) { e.logical = logicalInt(64, false) }),
		with(prim("date", ptInt32), func(e *el) { e.converted = ctDate; e.logical = logicalEmpty(ltDate) }),
		with(prim("ts_ms", ptInt64), func(e *el) { e.logical = logicalTimestamp(false, 1) }),
		with(prim("ts_us_utc", ptInt64), func(e *el) { e.logical = logicalTimestamp(true, 2) }),
		with(prim("ts_ns", ptInt64), func(e *el) { e.logical = logicalTimestamp(false, 3) }),
		with(prim("ts_legacy", ptInt64), func(e *el) { e.converted = ctTimestampMicro }),
		prim("int96", ptInt96),
		prim("f32", ptFloat),
		prim("f64", ptDouble),
		with(prim("s", ptByteArray), func(e *el) { e.converted = ctUTF8 }),
		prim("bin", ptByteArray),
		with(prim("dec", ptFixedLenByteArray), func(e *el) { e.converted = ctDecimal; e.precision = 10; e.scale = 2 }),
		with(prim("dec2", ptInt64), func(e *el) { e.logical = logicalDecimal(18, 4) }),
		// 3-level list: list<str>
		{name: "tags", typ: -1, rep: opt, children: 1, converted: ctList},
		{name: "list", typ: -1, rep: rpt, children: 1, converted: -1},
		with(prim("element", ptByteArray), func(e *el) { e.converted = ctUTF8 }),
		// struct of two
		{name: "point", typ: -1, rep: opt, children: 2, converted: -1},
		prim("x", ptDouble),
		prim("y", ptDouble),
		// legacy 2-level list of i32, a bare repeated field, a map
		{name: "legacy", typ: -1, rep: opt, children: 1, converted: ctList},
		{name: "array", typ: ptInt32, rep: rpt, converted: -1},
		{name: "rep", typ: ptInt64, rep: rpt, converted: -1},
		{name: "m", typ: -1, rep: opt, children: 1, converted: ctMap},
		{name: "key_value", typ: -1, rep: rpt, children: 2, converted: -1},
		{name: "key", typ: ptByteArray, rep: req, converted: ctUTF8},
		{name: "value", typ: ptInt32, rep: opt, converted: -1},
		with(prim("nul", ptInt32), func(e *el) { e.logical = logicalEmpty(ltUnknown) }),
	}
	b := buildParquet(42, elems)
	m, err := readBytes(t, b, "parquet")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"b:bool", "i32:i32", "i64:i64", "i8:i8", "u16:u16", "u64:u64", "date:date",
		"ts_ms:datetime[ms]", "ts_us_utc:datetime[μs, UTC]", "ts_ns:datetime[ns]", "ts_legacy:datetime[μs]",
		"int96:datetime[ns]", "f32:f32", "f64:f64", "s:str", "bin:binary", "dec:decimal[10,2]", "dec2:decimal[18,4]",
		"tags:list[str]", "point:struct[2]", "legacy:list[i32]", "rep:list[i64]", "m:list[struct[2]]", "nul:null",
	}
	if got := schemaString(m); got != strings.Join(want, ", ") {
		t.Errorf("schema\n got %s\nwant %s", got, strings.Join(want, ", "))
	}
	if m.Height != 42 || m.Width != uint64(len(want)) {
		t.Errorf("got %dx%d", m.Width, m.Height)
	}
}
