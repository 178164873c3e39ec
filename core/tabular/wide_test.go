package tabular

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Builders of wide tables: columns named like real feature tables
// (feature_00001, ...) with five rows of mixed values where rows exist.

func wideName(c int) string {
	n := strconv.Itoa(c + 1)
	return "feature_" + strings.Repeat("0", max(5-len(n), 0)) + n
}

// wideDtype is the dtype column c gets from the mixed rows below.
func wideDtype(c int) string { return [...]string{"i64", "f64", "bool", "str", "str"}[c%5] }

// wideCSV is a csv (sep ',' or '\t') of cols columns and five rows: an
// i64, f64, bool, str and empty column in turn.
func wideCSV(cols int, sep byte) []byte {
	var b bytes.Buffer
	for c := 0; c < cols; c++ {
		if c > 0 {
			b.WriteByte(sep)
		}
		b.WriteString(wideName(c))
	}
	b.WriteByte('\n')
	for r := 0; r < 5; r++ {
		for c := 0; c < cols; c++ {
			if c > 0 {
				b.WriteByte(sep)
			}
			switch c % 5 {
			case 0:
				b.WriteString(strconv.Itoa(r * c))
			case 1:
				b.WriteString(strconv.Itoa(r) + ".5")
			case 2:
				b.WriteString([]string{"true", "false"}[r%2])
			case 3:
				b.WriteString("x")
			}
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// wideJSONRows is five objects of cols keys (as jsonl lines, or as the
// elements of a json array): an i64, f64, bool, str and a str-or-null key
// in turn, nulls in varying places so that every row has a distinct type.
func wideJSONRows(cols int, array bool) []byte {
	var b bytes.Buffer
	if array {
		b.WriteByte('[')
	}
	for r := 0; r < 5; r++ {
		if array && r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for c := 0; c < cols; c++ {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + wideName(c) + `":`)
			switch {
			case c%5 == 0:
				b.WriteString(strconv.Itoa(r * c))
			case c%5 == 1:
				b.WriteString(strconv.Itoa(r) + ".5")
			case c%5 == 2:
				b.WriteString([]string{"true", "false"}[r%2])
			case c%5 == 3 || (c+r)%2 == 0:
				b.WriteString(`"x"`)
			default:
				b.WriteString("null")
			}
		}
		b.WriteByte('}')
		if !array {
			b.WriteByte('\n')
		}
	}
	if array {
		b.WriteByte(']')
	}
	return b.Bytes()
}

// wideParquet is a parquet footer of cols optional columns cycling through
// int64, double, boolean and utf8 byte arrays.
func wideParquet(cols int) []byte {
	elems := []el{{name: "schema", typ: -1, rep: -1, children: int32(cols), converted: -1}}
	for c := 0; c < cols; c++ {
		e := prim(wideName(c), [...]int32{ptInt64, ptDouble, ptBoolean, ptByteArray}[c%4])
		if c%4 == 3 {
			e.converted = ctUTF8
		}
		elems = append(elems, e)
	}
	return buildParquet(5, elems)
}

// wideParquetDtype is the dtype of column c of wideParquet.
func wideParquetDtype(c int) string { return [...]string{"i64", "f64", "bool", "str"}[c%4] }

// fbWriter writes flatbuffers front to back: a table's children follow it
// (uoffsets point forward), and the reader needs no alignment.
type fbWriter struct{ b []byte }

// fbField is one table slot: absent (zero), inline bytes, or a child
// written after the table by child, which returns its position.
type fbField struct {
	inline []byte
	child  func(w *fbWriter) int
}

func (w *fbWriter) u32At(p int, v uint32) { binary.LittleEndian.PutUint32(w.b[p:], v) }

// table writes a vtable, then the table, then its children; it returns the
// table's position.
func (w *fbWriter) table(fields ...fbField) int {
	vt := len(w.b)
	w.b = binary.LittleEndian.AppendUint16(w.b, uint16(4+2*len(fields)))
	sizeAt := len(w.b)
	w.b = binary.LittleEndian.AppendUint16(w.b, 0)
	slots := len(w.b)
	w.b = append(w.b, make([]byte, 2*len(fields))...)
	pos := len(w.b)
	w.b = binary.LittleEndian.AppendUint32(w.b, uint32(pos-vt))
	offsets := make([]int, len(fields))
	for i, f := range fields {
		switch {
		case f.inline != nil:
			binary.LittleEndian.PutUint16(w.b[slots+2*i:], uint16(len(w.b)-pos))
			w.b = append(w.b, f.inline...)
		case f.child != nil:
			binary.LittleEndian.PutUint16(w.b[slots+2*i:], uint16(len(w.b)-pos))
			offsets[i] = len(w.b)
			w.b = append(w.b, 0, 0, 0, 0)
		}
	}
	binary.LittleEndian.PutUint16(w.b[sizeAt:], uint16(len(w.b)-pos))
	for i, f := range fields {
		if f.child != nil {
			c := f.child(w)
			w.u32At(offsets[i], uint32(c-offsets[i]))
		}
	}
	return pos
}

func fbString(s string) func(w *fbWriter) int {
	return func(w *fbWriter) int {
		p := len(w.b)
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(len(s)))
		w.b = append(w.b, s...)
		return p
	}
}

func fbTableList(n int, table func(w *fbWriter, i int) int) func(w *fbWriter) int {
	return func(w *fbWriter) int {
		p := len(w.b)
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(n))
		slots := len(w.b)
		w.b = append(w.b, make([]byte, 4*n)...)
		for i := 0; i < n; i++ {
			c := table(w, i)
			w.u32At(slots+4*i, uint32(c-(slots+4*i)))
		}
		return p
	}
}

// wideArrow is an arrow IPC stream of one Schema message with cols fields
// cycling through int64, float64, bool and utf8, and the end marker.
func wideArrow(cols int) []byte {
	w := &fbWriter{b: make([]byte, 4)}
	field := func(w *fbWriter, i int) int {
		kind := [...]byte{atInt, atFloatingPoint, atBool, atUtf8}[i%4]
		var typ []fbField
		switch kind {
		case atInt:
			typ = []fbField{{inline: []byte{64, 0, 0, 0}}, {inline: []byte{1}}}
		case atFloatingPoint:
			typ = []fbField{{inline: []byte{2, 0}}}
		}
		return w.table(fbField{child: fbString(wideName(i))}, fbField{inline: []byte{1}}, fbField{inline: []byte{kind}},
			fbField{child: func(w *fbWriter) int { return w.table(typ...) }})
	}
	schema := func(w *fbWriter) int {
		return w.table(fbField{inline: []byte{0, 0}}, fbField{child: fbTableList(cols, field)})
	}
	root := w.table(fbField{inline: []byte{4, 0}}, fbField{inline: []byte{msgSchema}}, fbField{child: schema},
		fbField{inline: make([]byte, 8)})
	w.u32At(0, uint32(root))
	out := binary.LittleEndian.AppendUint32([]byte{0xff, 0xff, 0xff, 0xff}, uint32(len(w.b)))
	out = append(out, w.b...)
	return append(out, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0)
}

// wideArrowDtype is the dtype of column c of wideArrow.
func wideArrowDtype(c int) string { return [...]string{"i64", "f64", "bool", "str"}[c%4] }

// wideFormats builds each format at a width, with the dtype of each column.
var wideFormats = []struct {
	ext   string
	build func(cols int) []byte
	dtype func(c int) string
}{
	{"csv", func(n int) []byte { return wideCSV(n, ',') }, wideDtype},
	{"tsv", func(n int) []byte { return wideCSV(n, '\t') }, wideDtype},
	{"jsonl", func(n int) []byte { return wideJSONRows(n, false) }, wideDtype},
	{"json", func(n int) []byte { return wideJSONRows(n, true) }, wideDtype},
	{"parquet", wideParquet, wideParquetDtype},
	{"arrow", wideArrow, wideArrowDtype},
}

// TestWideTables describes 30,000- and 65,536-column tables of every
// format: width, height, the names and dtypes of every column. (The json
// formats share the row inference; json is only read 30,000 wide.)
func TestWideTables(t *testing.T) {
	heights := map[string]uint64{"csv": 5, "tsv": 5, "jsonl": 5, "json": 5, "parquet": 5, "arrow": 0}
	for _, cols := range []int{30000, 65536} {
		for _, f := range wideFormats {
			if f.ext == "json" && cols > 30000 {
				continue
			}
			t.Run(fmt.Sprintf("%s/%d", f.ext, cols), func(t *testing.T) {
				m, err := readBytes(t, f.build(cols), f.ext)
				if err != nil {
					t.Fatal(err)
				}
				if m.Width != uint64(cols) || len(m.Schema.Fields) != cols || m.Height != heights[f.ext] {
					t.Fatalf("%dx%d with %d fields, want %dx%d", m.Width, m.Height, len(m.Schema.Fields), cols, heights[f.ext])
				}
				for c, fd := range m.Schema.Fields {
					if fd.Name != wideName(c) || fd.Dtype != f.dtype(c) {
						t.Fatalf("column %d is %s:%s, want %s:%s", c, fd.Name, fd.Dtype, wideName(c), f.dtype(c))
					}
				}
			})
		}
	}
}

// TestWideLimit: one column past MaxColumns is a *LimitError naming the
// column count, for every format.
func TestWideLimit(t *testing.T) {
	for _, f := range wideFormats {
		t.Run(f.ext, func(t *testing.T) {
			_, err := readBytes(t, f.build(MaxColumns+1), f.ext)
			var le *LimitError
			if !errors.As(err, &le) || le.What != "columns" || le.Limit != MaxColumns {
				t.Fatalf("error %v, want a column LimitError", err)
			}
			if le.Got != 0 && le.Got != MaxColumns+1 {
				t.Errorf("Got %d columns, want %d (or 0: not counted)", le.Got, MaxColumns+1)
			}
			if f.ext == "json" {
				return // as jsonl
			}
			if _, err := readBytes(t, f.build(MaxColumns), f.ext); err != nil {
				t.Errorf("%d columns: %v", MaxColumns, err)
			}
		})
	}
}

var heapObjects = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

func heapNow() uint64 {
	metrics.Read(heapObjects)
	return heapObjects[0].Value.Uint64()
}

// heapUse runs fn once with the collector at GOGC=1 while a sampler
// records the largest heap seen, and returns, above the heap before fn:
// that peak (about fn's peak live heap), what fn's result still holds, and
// all fn allocated.
func heapUse(fn func() any) (peak, kept, alloc uint64) {
	old := debug.SetGCPercent(1)
	defer debug.SetGCPercent(old)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, total := ms.HeapAlloc, ms.TotalAlloc
	var top atomic.Uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			if h := heapNow(); h > top.Load() {
				top.Store(h)
			}
			select {
			case <-done:
				return
			default:
				time.Sleep(10 * time.Microsecond)
			}
		}
	}()
	v := fn()
	close(done)
	<-stopped
	runtime.ReadMemStats(&ms)
	alloc = ms.TotalAlloc - total
	runtime.GC()
	runtime.ReadMemStats(&ms)
	after := ms.HeapAlloc
	runtime.KeepAlive(v)
	sub := func(a uint64) uint64 { return a - min(a, base) }
	return sub(top.Load()), sub(after), alloc
}

// TestWideMemory measures, per column of a 65,536-column table of each
// format, what reading it allocates in all, its peak heap, and what the
// metadata keeps; run with -v for the figures. Past the metadata kept and
// the file's own bytes (read whole here, as the head or footer of a small
// file), reading must cost well under 1 KiB per column.
func TestWideMemory(t *testing.T) {
	if testing.Short() || runtime.GOARCH == "wasm" {
		// On wasm the lone thread sweeps lazily: the heap sampled holds
		// garbage not yet swept, and the figures mean nothing.
		t.Skip("measures memory natively only (the native run covers it; wasm heap figures mean nothing; -short skips it)")
	}
	const cols = 65536
	for _, f := range wideFormats {
		data := f.build(cols)
		peak, kept, alloc := heapUse(func() any {
			m, err := readBytes(t, data, f.ext)
			if err != nil {
				t.Fatal(err)
			}
			return m
		})
		runtime.KeepAlive(data) // in the heap before and after: not counted
		perCol := func(n uint64) float64 { return float64(n) / cols }
		t.Logf("%-7s %5.0f file bytes/column: allocated %5.0f B/column, peak heap %4.0f B/column, metadata kept %3.0f B/column",
			f.ext, perCol(uint64(len(data))), perCol(alloc), perCol(peak), perCol(kept))
		if extra := perCol(peak) - perCol(kept) - perCol(uint64(len(data))); extra > 512 {
			t.Errorf("%s: peak heap %.0f B/column past the metadata and the file", f.ext, extra)
		}
		if perCol(kept) > 64 {
			t.Errorf("%s: metadata keeps %.0f B/column", f.ext, perCol(kept))
		}
	}
}

// BenchmarkWide reads a 65,536-column table of each format (-benchmem:
// B/op divided by 65,536 is the allocation per column).
func BenchmarkWide(b *testing.B) {
	for _, f := range wideFormats {
		data := f.build(65536)
		lc := countLines(data)
		b.Run(f.ext, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Read(bytes.NewReader(data), int64(len(data)), f.ext, lc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
