package tabular

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// syntheticCSV is a ReaderAt over a csv of fixed-width lines that is never
// materialized, counting the bytes read so tests can prove that only the
// head is read.
type syntheticCSV struct {
	header, row string
	size        int64
	read        atomic.Int64
}

func newSyntheticCSV(size int64) *syntheticCSV {
	return &syntheticCSV{header: "id,name,score,ok\n", row: "123456,abcdef,1.25,true\n", size: size}
}

func (s *syntheticCSV) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off < s.size {
		var c byte
		if h := int64(len(s.header)); off < h {
			c = s.header[off]
		} else {
			c = s.row[(off-h)%int64(len(s.row))]
		}
		p[n] = c
		n++
		off++
	}
	s.read.Add(int64(n))
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (s *syntheticCSV) lines() LineCount {
	rows := (s.size - int64(len(s.header))) / int64(len(s.row))
	return LineCount{Newlines: uint64(rows + 1), EndsWithNewline: true}
}

const bigCSV = 64 << 20

func TestBigCSVReadsOnlyTheHead(t *testing.T) {
	size := int64(len("id,name,score,ok\n")) + int64(len("123456,abcdef,1.25,true\n"))*(bigCSV/24)
	s := newSyntheticCSV(size)
	m, err := Read(s, size, "csv", s.lines())
	if err != nil {
		t.Fatal(err)
	}
	if got := schemaString(m); got != "id:i64, name:str, score:f64, ok:bool" {
		t.Errorf("schema %s", got)
	}
	if m.Height != uint64(bigCSV/24) {
		t.Errorf("height %d, want %d", m.Height, bigCSV/24)
	}
	// 10000 records of 24 bytes fit in the first 1 MiB read.
	if r := s.read.Load(); r > 2<<20 {
		t.Errorf("read %d bytes of a %d byte file", r, size)
	}
}

func BenchmarkCSVCifar(b *testing.B) {
	data := fixture(b, "csvs/train_cifar_5x50000.csv")
	lc := countLines(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), int64(len(data)), "csv", lc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCSV64MiB(b *testing.B) {
	size := int64(len("id,name,score,ok\n")) + int64(len("123456,abcdef,1.25,true\n"))*(bigCSV/24)
	s := newSyntheticCSV(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(s, size, "csv", s.lines()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.read.Load())/float64(b.N), "bytes-read/op")
}

func BenchmarkParquetFooter(b *testing.B) {
	data := fixture(b, "parquet/wiki_30k.parquet")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), int64(len(data)), "parquet", LineCount{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONArray(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := 0; sb.Len() < 8<<20; i++ {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, `{"id":%d,"text":"row number %d","score":%d.5,"tags":["a","b"]}`, i, i, i)
	}
	sb.WriteString("]")
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), int64(len(data)), "json", LineCount{}); err != nil {
			b.Fatal(err)
		}
	}
}
