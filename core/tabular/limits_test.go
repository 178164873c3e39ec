package tabular

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oxdrop/oxdrop/core/model"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r    *bytes.Reader
	read atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.read.Add(int64(n))
	return n, err
}

func TestLimitErrorMessage(t *testing.T) {
	tests := []struct {
		err  LimitError
		want string
	}{
		{LimitError{Path: "x.csv", What: "columns", Got: 250000, Limit: 100000}, `file "x.csv" has 250000 columns, over the limit of 100000 columns`},
		{LimitError{What: "columns", Limit: 100000}, `table has more than 100000 columns, the limit`},
		{LimitError{Path: "a/b.csv", What: "bytes in the header line", Limit: headCap}, `file "a/b.csv" has more than 16777216 bytes in the header line, the limit`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

// TestSchemaBytesLimit: columns with long names stay under MaxColumns but
// not under MaxSchemaBytes; the error gives the exact size of the schema's
// JSON.
func TestSchemaBytesLimit(t *testing.T) {
	build := func(cols int) ([]byte, int64) {
		var b bytes.Buffer
		size := int64(-1) // the first field has no comma
		for c := 0; c < cols; c++ {
			name := strings.Repeat("long_column_name_", 8) + wideName(c)
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteString(name)
			size += int64(model.FieldJSONSize(model.Field{Name: name, Dtype: "i64"}))
		}
		b.WriteByte('\n')
		for c := 0; c < cols; c++ {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('7')
		}
		b.WriteByte('\n')
		return b.Bytes(), size
	}
	over, size := build(60000)
	_, err := readBytes(t, over, "csv")
	var le *LimitError
	if !errors.As(err, &le) || le.What != "schema bytes" || le.Got != size || le.Limit != MaxSchemaBytes {
		t.Fatalf("error %#v, want schema bytes %d over %d", err, size, MaxSchemaBytes)
	}
}

// TestCSVHeaderPastTheHead: a header line longer than the 16 MiB head is a
// LimitError after reading no more than the head, not a schema of a cut
// line; a header whose quoted newlines outnumber the line target is read
// whole and described exactly.
func TestCSVHeaderPastTheHead(t *testing.T) {
	var b bytes.Buffer
	for c := 0; b.Len() <= headCap; c++ {
		fmt.Fprintf(&b, "%s_%d,", strings.Repeat("n", 9000), c)
	}
	b.WriteString("last\n1,2\n")
	r := &countingReader{r: bytes.NewReader(b.Bytes())}
	_, err := Read(r, int64(b.Len()), "csv", countLines(b.Bytes()))
	var le *LimitError
	if !errors.As(err, &le) || le.What != "bytes in the header line" || le.Limit != headCap {
		t.Fatalf("error %v, want the header line LimitError", err)
	}
	if n := r.read.Load(); n > headCap+64<<10 {
		t.Errorf("read %d bytes for a head of %d", n, headCap)
	}

	quoted := `"a` + strings.Repeat("\n", 3*inferRows) + `b",c` + "\n1,2\n3,4.5\n"
	m, err := readBytes(t, []byte(quoted), "csv")
	if err != nil {
		t.Fatal(err)
	}
	want := "a" + strings.Repeat("\n", 3*inferRows) + "b:i64, c:f64"
	if got := schemaString(m); m.Width != 2 || got != want {
		t.Errorf("%d columns %q", m.Width, got)
	}
}

// refRename is the map-counting rule renameDuplicates replaces.
func refRename(names []string) []string {
	counts := map[string]int{}
	var out []string
	for _, n := range names {
		if c := counts[n]; c > 0 {
			out = append(out, n+"_duplicated_"+strconv.Itoa(c-1))
		} else {
			out = append(out, n)
		}
		counts[n]++
	}
	return out
}

func TestRenameDuplicates(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 2000; i++ {
		names := make([]string, r.IntN(12))
		for k := range names {
			names[k] = []string{"a", "b", "", "a_duplicated_0", "c"}[r.IntN(5)]
		}
		fields := make([]model.Field, len(names))
		for k, n := range names {
			fields[k].Name = n
		}
		renameDuplicates(fields)
		want := refRename(names)
		for k := range fields {
			if fields[k].Name != want[k] {
				t.Fatalf("%q: got %q at %d, want %q", names, fields[k].Name, k, want[k])
			}
		}
	}
	// A wide header of one name repeated.
	m, err := readBytes(t, []byte(strings.Repeat("x,", 69999)+"x\n"), "csv")
	if err != nil {
		t.Fatal(err)
	}
	if f := m.Schema.Fields; f[0].Name != "x" || f[1].Name != "x_duplicated_0" || f[69999].Name != "x_duplicated_69998" {
		t.Errorf("names %q %q %q", f[0].Name, f[1].Name, f[69999].Name)
	}
}

// TestParquetLimits: a footer's schema list is refused by its declared
// length past maxParquetElements, before any element is read.
func TestParquetLimits(t *testing.T) {
	w := &thriftWriter{}
	w.begin()
	w.list(2, maxParquetElements+1, tcStruct)
	for i := 0; i <= maxParquetElements; i++ {
		w.b = append(w.b, 0) // empty structs
	}
	w.end()
	b := append([]byte("PAR1"), w.b...)
	b = append(append(b, byte(len(w.b)), byte(len(w.b)>>8), byte(len(w.b)>>16), byte(len(w.b)>>24)), "PAR1"...)
	_, err := readBytes(t, b, "parquet")
	var le *LimitError
	if !errors.As(err, &le) || le.What != "parquet schema elements" || le.Got != maxParquetElements+1 {
		t.Fatalf("error %v, want the schema element LimitError", err)
	}
}

// TestParquetArrowSchemaKeyOrder: the ARROW:schema value is used whether
// its key comes before it (as writers put it) or after, and other values
// are skipped either way.
func TestParquetArrowSchemaKeyOrder(t *testing.T) {
	arrowB64 := base64.StdEncoding.EncodeToString(wideArrow(3))
	footer := func(kvs [][2]string, valueFirst bool) []byte {
		w := &thriftWriter{}
		w.begin()
		w.i32(1, 1)
		w.list(2, 4, tcStruct)
		for i, e := range []el{{name: "schema", typ: -1, rep: -1, children: 3, converted: -1},
			prim(wideName(0), ptInt32), prim(wideName(1), ptInt32), prim(wideName(2), ptInt32)} {
			w.begin()
			if i > 0 {
				w.i32(1, e.typ)
				w.i32(3, e.rep)
			}
			w.str(4, e.name)
			if i == 0 {
				w.i32(5, e.children)
			}
			w.end()
		}
		w.i64(3, 9)
		w.list(5, len(kvs), tcStruct)
		for _, kv := range kvs {
			w.begin()
			if valueFirst {
				w.str(2, kv[1])
				w.str(1, kv[0])
			} else {
				w.str(1, kv[0])
				w.str(2, kv[1])
			}
			w.end()
		}
		w.end()
		out := append([]byte("PAR1"), w.b...)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(w.b)))
		return append(out, "PAR1"...)
	}
	kvs := [][2]string{{"pandas", strings.Repeat("{}", 40000)}, {"ARROW:schema", arrowB64}, {"other", "x"}}
	for _, valueFirst := range []bool{false, true} {
		m, err := readBytes(t, footer(kvs, valueFirst), "parquet")
		if err != nil {
			t.Fatal(err)
		}
		if got := schemaString(m); got != "feature_00001:i64, feature_00002:f64, feature_00003:bool" {
			t.Errorf("value first %v: schema %s", valueFirst, got)
		}
	}
	m, err := readBytes(t, footer(kvs[:1], false), "parquet")
	if err != nil {
		t.Fatal(err)
	}
	if got := schemaString(m); got != "feature_00001:i32, feature_00002:i32, feature_00003:i32" {
		t.Errorf("without ARROW:schema: schema %s", got)
	}
}
