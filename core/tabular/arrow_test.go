package tabular

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
)

// The testdata arrow files were written by apache-arrow (JS) 21: a table of
// 5 all-null rows in two record batches (3 + 2), as an IPC file and stream.
func TestArrow(t *testing.T) {
	const typesSchema = "i8:i8, u16:u16, i64:i64, u64:u64, f32:f32, f64:f64, s:str, ls:str, b:bool, bin:binary, " +
		"d:date, dms:datetime[ms], ts:datetime[μs], tsz:datetime[ns, UTC], t:time, lst:list[i32], st:struct[2], " +
		"fsl:array[f32, 3], cat:cat, dec:decimal[10,2], n:null, dur:duration[ms]"
	tests := []struct {
		file          string
		width, height uint64
		schema        string
	}{
		{"types.arrow", 22, 5, typesSchema},
		{"types.arrows", 22, 5, typesSchema},
		// apache-arrow JS dictionary-encodes string arrays: Polars reads them as cat.
		{"simple.arrow", 2, 3, "id:i32, name:cat"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			m, err := readBytes(t, b, "arrow")
			if err != nil {
				t.Fatal(err)
			}
			if m.Width != tt.width || m.Height != tt.height {
				t.Errorf("got %dx%d, want %dx%d", m.Width, m.Height, tt.width, tt.height)
			}
			if got := schemaString(m); got != tt.schema {
				t.Errorf("schema\n got %s\nwant %s", got, tt.schema)
			}
			p, err := Preview(bytes.NewReader(b), int64(len(b)), "arrow", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Columns) != int(tt.width) || len(p.Dtypes) != int(tt.width) || len(p.Rows) != 0 {
				t.Errorf("preview %d columns %d dtypes %d rows", len(p.Columns), len(p.Dtypes), len(p.Rows))
			}
		})
	}
}

func TestArrowBroken(t *testing.T) {
	good, err := os.ReadFile("testdata/types.arrow")
	if err != nil {
		t.Fatal(err)
	}
	stream, err := os.ReadFile("testdata/types.arrows")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":            {},
		"magic only":       []byte("ARROW1\x00\x00"),
		"truncated file":   good[:len(good)/2],
		"no trailer magic": append(bytes.Clone(good[:len(good)-6]), "ARROWX"...),
		"huge footer len":  append(append(bytes.Clone(good[:len(good)-10]), 0xff, 0xff, 0xff, 0x7f), "ARROW1"...),
		"text":             []byte("id,name\n1,a\n"),
		"stream cut":       stream[:100],
		"stream no schema": {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if m, err := readBytes(t, b, "arrow"); err == nil {
				t.Errorf("no error, got %+v", m)
			}
		})
	}
}

// Row counts come from the messages the footer blocks point at: pointing
// the second block at the first batch (3 rows) gives 3+3.
func TestArrowBlocksAreFollowed(t *testing.T) {
	b, err := os.ReadFile("testdata/types.arrow")
	if err != nil {
		t.Fatal(err)
	}
	footerAt := len(b) - 10 - int(binary.LittleEndian.Uint32(b[len(b)-10:]))
	footer, err := fbRoot(b[footerAt : len(b)-10])
	if err != nil {
		t.Fatal(err)
	}
	start, n, err := footer.vector(3, 24)
	if err != nil || n != 2 {
		t.Fatalf("blocks %d, %v", n, err)
	}
	dup := bytes.Clone(b)
	copy(dup[footerAt+start+24:], b[footerAt+start:footerAt+start+24])
	m, err := readBytes(t, dup, "arrow")
	if err != nil {
		t.Fatal(err)
	}
	if m.Height != 6 {
		t.Errorf("height %d, want 3+3", m.Height)
	}
}
