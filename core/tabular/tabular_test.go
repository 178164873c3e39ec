package tabular

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestCSVEdgeCases(t *testing.T) {
	huge := strings.Repeat("x", 1<<20)
	var many strings.Builder
	many.WriteString("n\n")
	for i := 0; i < inferRows; i++ {
		fmt.Fprintf(&many, "%d\n", i)
	}
	many.WriteString("not a number\n") // record 10001: outside inference
	tests := []struct {
		name, ext, body string
		width, height   uint64
		schema          string
	}{
		{"crlf", "csv", "a,b\r\n1,2\r\n3,4\r\n", 2, 2, "a:i64, b:i64"},
		{"bom", "csv", "\xEF\xBB\xBFid,name\n1,x\n", 2, 1, "id:i64, name:str"},
		{"quoted newline inflates height", "csv", "id,text\n1,\"a\nb\"\n2,c\n", 2, 3, "id:i64, text:str"},
		{"ragged rows", "csv", "a,b,c\n1,2\n3,4,5,6\n", 3, 2, "a:i64, b:i64, c:i64"},
		{"header only", "csv", "a,b,c\n", 3, 0, "a:str, b:str, c:str"},
		{"header only no newline", "csv", "a,b,c", 3, 0, "a:str, b:str, c:str"},
		{"semicolon", "csv", "a;b;c\n1;2.5;x\n3;4;y\n", 3, 2, "a:i64, b:f64, c:str"},
		{"pipe", "csv", "x|y\nfoo|true\nbar|FALSE\n", 2, 2, "x:str, y:bool"},
		{"unicode header", "csv", "名前,年齢\n太郎,20\n花子,30\n", 2, 2, "名前:str, 年齢:i64"},
		{"duplicate header", "csv", "a,a,b,a\n1,2,3,4\n5,6,7,8\n", 4, 2, "a:i64, a_duplicated_0:i64, b:i64, a_duplicated_1:i64"},
		{"huge field", "csv", "id,blob\n1," + huge + "\n", 2, 1, "id:i64, blob:str"},
		{"all empty column", "csv", "a,b\n1,\n2,\n", 2, 2, "a:i64, b:str"},
		{"int and float", "csv", "v\n1\n2.5\n", 1, 2, "v:f64"},
		{"bool and int", "csv", "v\ntrue\n1\n", 1, 2, "v:str"},
		{"quoted number", "csv", "v,w\n\"5\",x\n\"6\",y\n", 2, 2, "v:i64, w:str"},
		{"float forms", "csv", "a,b,c,d,e,f\n1e5,inf,NaN,1.,.5,+3\n", 6, 1, "a:f64, b:f64, c:f64, d:f64, e:f64, f:str"},
		{"inference stops at 10000 rows", "csv", many.String(), 1, inferRows + 1, "n:i64"},
		{"leading blank lines", "csv", "\n\na,b\n1,2\n", 2, 3, "a:i64, b:i64"},
		{"tsv keeps commas", "tsv", "a\tb\n1,2\tx\n", 2, 1, "a:str, b:str"},
		{"tsv types", "tsv", "a\tb\n1\t2.0\n", 2, 1, "a:i64, b:f64"},
		// Oxen sniffs tsv files for the quote char: here ' (quoted tabs), so
		// the quoted tab does not split the field.
		{"tsv sniffed quote", "tsv", "'a'\t'b'\n'x\ty'\t'1'\n'z'\t'2'\n", 2, 2, "a:str, b:i64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := readBytes(t, []byte(tt.body), tt.ext)
			if err != nil {
				t.Fatal(err)
			}
			if m.Width != tt.width || m.Height != tt.height {
				t.Errorf("got %dx%d, want %dx%d", m.Width, m.Height, tt.width, tt.height)
			}
			if got := schemaString(m); got != tt.schema {
				t.Errorf("schema %q, want %q", got, tt.schema)
			}
		})
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		name, body   string
		delim, quote byte
	}{
		{"comma", "a,b,c\n1,2,3\n4,5,6\n", ',', '"'},
		{"semicolon", "a;b\n1;2\n3;4\n", ';', '"'},
		{"tab", "file\tlabel\nx.png\tdog\n", '\t', '"'},
		{"pipe", "x|y\nfoo|bar\nbaz|qux\n", '|', '"'},
		// A quoted pair around a delimiter sets quote and delimiter.
		{"quoted semicolons", "'a';'b'\n'1';'2'\n'3';'4'\n", ';', '\''},
		// Too little evidence: qsv-sniffer fails and Oxen falls back.
		{"one line", "a;b;c", ',', '"'},
		{"unsteady", "a,b,c\n1,2\n3,4,5,6\n", ',', '"'},
		{"empty", "", ',', '"'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sniffCSV([]byte(tt.body))
			if d.delim != tt.delim || d.quote != tt.quote {
				t.Errorf("got delim %q quote %q, want %q %q", d.delim, d.quote, tt.delim, tt.quote)
			}
		})
	}
}

func TestJSONL(t *testing.T) {
	tests := []struct {
		name, body    string
		width, height uint64
		schema        string
	}{
		{"types", `{"a":1,"b":1.5,"c":true,"d":"x","e":null,"f":[1,2],"g":{"h":1}}` + "\n" +
			`{"a":2.5,"b":1,"c":false,"d":"y","e":null,"f":[1.5],"g":{"h":2,"i":"z"}}` + "\n",
			7, 2, "a:f64, b:f64, c:bool, d:str, e:null, f:list[f64], g:struct[2]"},
		{"new column later, first-seen order", `{"b":1}` + "\n" + `{"a":"x","b":2}`, 2, 2, "b:i64, a:str"},
		{"int and bool", `{"v":1}` + "\n" + `{"v":true}` + "\n", 1, 2, "v:i64"},
		{"str and int", `{"v":"1"}` + "\n" + `{"v":1}` + "\n", 1, 2, "v:str"},
		{"list and scalar", `{"v":[1]}` + "\n" + `{"v":2}` + "\n", 1, 2, "v:list[i64]"},
		{"three types", `{"v":1}` + "\n" + `{"v":"a"}` + "\n" + `{"v":[true]}` + "\n", 1, 3, "v:str"},
		{"null then int", `{"v":null}` + "\n" + `{"v":3}` + "\n", 1, 2, "v:i64"},
		{"big unsigned is i64", `{"v":18446744073709551615}`, 1, 1, "v:i64"},
		{"beyond u64 is f64", `{"v":18446744073709551616}`, 1, 1, "v:f64"},
		{"blank lines", `{"v":1}` + "\n\n" + `{"v":2}` + "\n", 1, 3, "v:i64"},
		{"crlf", `{"v":1}` + "\r\n" + `{"v":2}` + "\r\n", 1, 2, "v:i64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, ext := range []string{"jsonl", "ndjson"} {
				m, err := readBytes(t, []byte(tt.body), ext)
				if err != nil {
					t.Fatal(err)
				}
				if m.Width != tt.width || m.Height != tt.height {
					t.Errorf("%s: got %dx%d, want %dx%d", ext, m.Width, m.Height, tt.width, tt.height)
				}
				if got := schemaString(m); got != tt.schema {
					t.Errorf("%s: schema %q, want %q", ext, got, tt.schema)
				}
			}
		})
	}
}

func TestJSONArray(t *testing.T) {
	var big strings.Builder
	big.WriteString("[")
	for i := 0; i < 20001; i++ {
		if i > 0 {
			big.WriteString(",")
		}
		fmt.Fprintf(&big, `{"i":%d}`, i)
	}
	big.WriteString("]\n")
	tests := []struct {
		name, body    string
		width, height uint64
		schema        string
	}{
		{"objects", `[{"a":1,"b":"x"},{"a":2.0,"c":[1,2]}]`, 3, 2, "a:f64, b:str, c:list[i64]"},
		{"counts past the inference rows", big.String(), 1, 20001, "i:i64"},
		{"null element is a row", `[{"a":1},null]`, 1, 2, "a:i64"},
		{"whitespace", " \n[ {\"a\" : true} ]\n\n", 1, 1, "a:bool"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := readBytes(t, []byte(tt.body), "json")
			if err != nil {
				t.Fatal(err)
			}
			if m.Width != tt.width || m.Height != tt.height {
				t.Errorf("got %dx%d, want %dx%d", m.Width, m.Height, tt.width, tt.height)
			}
			if got := schemaString(m); got != tt.schema {
				t.Errorf("schema %q, want %q", got, tt.schema)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	tests := []struct{ name, ext, body string }{
		{"upper-case extension", "CSV", "a,b\n1,2\n"},
		{"unknown extension", "xlsx", "a,b\n1,2\n"},
		{"empty csv", "csv", ""},
		{"bom only csv", "csv", "\xEF\xBB\xBF"},
		{"newlines only csv", "csv", "\n\r\n\n"},
		{"empty tsv", "tsv", ""},
		{"empty jsonl", "jsonl", ""},
		{"blank jsonl", "jsonl", "\n \n"},
		{"bad jsonl line", "jsonl", `{"a":1}` + "\n" + `{"a":` + "\n"},
		{"jsonl scalar line", "jsonl", "1\n2\n"},
		{"jsonl two values on a line", "ndjson", `{"a":1} {"a":2}`},
		{"empty json", "json", ""},
		{"json object", "json", `{"a":1}`},
		{"empty json array", "json", "[]"},
		{"json array of numbers", "json", "[1,2,3]"},
		{"json mixed elements", "json", `[{"a":1},2]`},
		{"json trailing data", "json", `[{"a":1}] x`},
		{"json truncated", "json", `[{"a":1},{"a":`},
		{"json too deep", "json", `[{"a":` + deep + `}]`},
		{"jsonl too deep", "jsonl", `{"a":` + deep + `}`},
		{"jsonl invalid utf-8", "jsonl", "{\"a\":\"\xff\"}\n"},
		{"json invalid utf-8", "json", "[{\"\xff\":1}]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m, err := readBytes(t, []byte(tt.body), tt.ext); err == nil {
				t.Errorf("no error, got %+v", m)
			}
		})
	}
}

func TestPreview(t *testing.T) {
	tests := []struct {
		name, ext, body string
		maxRows         int
		want            Table
	}{
		{"csv quotes and ragged rows", "csv", "name,note,n\nAl,\"say \"\"hi\"\", ok\",1\nBo,x\n\nCy,y,3,extra\n", 10,
			Table{Columns: []string{"name", "note", "n"}, Dtypes: []string{"str", "str", "i64"},
				Rows: [][]string{{"Al", `say "hi", ok`, "1"}, {"Bo", "x", ""}, {"Cy", "y", "3"}}}},
		{"csv max rows", "csv", "a\n1\n2\n3\n", 2,
			Table{Columns: []string{"a"}, Dtypes: []string{"i64"}, Rows: [][]string{{"1"}, {"2"}}}},
		{"csv crlf", "csv", "a,b\r\n1,x\r\n", 5,
			Table{Columns: []string{"a", "b"}, Dtypes: []string{"i64", "str"}, Rows: [][]string{{"1", "x"}}}},
		{"tsv", "tsv", "a\tb\n1\tx y\n", 5,
			Table{Columns: []string{"a", "b"}, Dtypes: []string{"i64", "str"}, Rows: [][]string{{"1", "x y"}}}},
		{"jsonl", "jsonl", `{"a":1,"b":"x","c":[1, 2]}` + "\n" + `{"a":2,"b":null}` + "\n", 5,
			Table{Columns: []string{"a", "b", "c"}, Dtypes: []string{"i64", "str", "list[i64]"},
				Rows: [][]string{{"1", "x", "[1,2]"}, {"2", "", ""}}}},
		{"json", "json", `[{"a":1,"b":{"c":true}},{"a":2},{"a":3}]`, 2,
			Table{Columns: []string{"a", "b"}, Dtypes: []string{"i64", "struct[1]"},
				Rows: [][]string{{"1", `{"c":true}`}, {"2", ""}}}},
		{"zero rows", "csv", "a\n1\n", 0,
			Table{Columns: []string{"a"}, Dtypes: []string{"i64"}, Rows: [][]string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Preview(strings.NewReader(tt.body), int64(len(tt.body)), tt.ext, tt.maxRows)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestPreviewFixtures(t *testing.T) {
	b := fixture(t, "csvs/quoted_fields.csv")
	p, err := Preview(bytes.NewReader(b), int64(len(b)), "csv", 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Alice", "Has a comma, in description", "10"},
		{"Bob", "Normal description", "20"},
		{"Charlie", `Has "escaped" quotes`, "30"},
	}
	if !reflect.DeepEqual(p.Rows, want) {
		t.Errorf("rows %q", p.Rows)
	}
	b = fixture(t, "parquet/wiki_1k.parquet")
	p, err = Preview(bytes.NewReader(b), int64(len(b)), "parquet", 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Columns, []string{"id", "url", "title"}) || len(p.Rows) != 0 {
		t.Errorf("parquet preview %+v", p)
	}
}

// A head limited by headCap must end on a line boundary.
func TestReadHeadCutsAtLine(t *testing.T) {
	body := []byte("aaaa\nbbbb\ncccc\n")
	head, err := readHead(bytes.NewReader(body), int64(len(body)), 12, 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(head) != "aaaa\nbbbb\n" {
		t.Errorf("head %q", head)
	}
}

func TestInconsistentLineCount(t *testing.T) {
	body := []byte("a\n1\n")
	for _, ext := range []string{"csv", "jsonl"} {
		if ext == "jsonl" {
			body = []byte(`{"a":1}` + "\n")
		}
		m, err := Read(bytes.NewReader(body), int64(len(body)), ext, LineCount{Newlines: 0, EndsWithNewline: true})
		if err != nil {
			t.Fatal(err)
		}
		if m.Height != 0 {
			t.Errorf("%s: height %d from an inconsistent line count", ext, m.Height)
		}
	}
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r *bytes.Reader
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

func TestJSONArrayPreviewStopsEarly(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := 0; i < 5*inferRows; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"i":%d,"pad":"xxxxxxxxxxxxxxxxxxxx"}`, i)
	}
	sb.WriteString("] trailing data the preview never reaches")
	body := []byte(sb.String())
	c := &countingReaderAt{r: bytes.NewReader(body)}
	p, err := Preview(c, int64(len(body)), "json", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 3 || p.Rows[2][0] != "2" || p.Dtypes[0] != "i64" {
		t.Errorf("preview %+v", p)
	}
	if c.n > int64(len(body))/2 {
		t.Errorf("preview read %d of %d bytes", c.n, len(body))
	}
	if _, err := readBytes(t, body, "json"); err == nil {
		t.Error("Read accepted trailing data")
	}
}

func TestCoreStateCountEnds(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []int
	}{
		{"plain", []string{`a;b;c`, `1;2;3`}, []int{2, 2}},
		{"quoted delimiter", []string{`'a;b';c`}, []int{1}},
		{"quoted field spans lines", []string{`'a;`, `b';c`, `d;e`}, []int{0, 1, 1}},
		{"blank line ends the record", []string{`a;b`, ``, `c;d`}, []int{1, 1, 1}},
		{"blank first line ends everything", []string{``, `a;b`, `c;d`}, []int{0, 0, 0}},
		{"terminator inside a line", []string{"a;b\rc;d;e"}, []int{2}},
		{"doubled quote", []string{`'it''s';x`}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newCoreState(';', '\'')
			var got []int
			for _, l := range tt.lines {
				got = append(got, s.countEnds([]byte(l)))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestJSONLRowShapesAreCapped(t *testing.T) {
	var sb strings.Builder
	for line := 0; line < 300; line++ {
		sb.WriteString("{")
		for k := 0; k < 1000; k++ {
			if k > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `"k%d_%d":1`, line, k)
		}
		sb.WriteString("}\n")
	}
	if _, err := readBytes(t, []byte(sb.String()), "jsonl"); err == nil || !strings.Contains(err.Error(), "distinct type nodes") {
		t.Errorf("error %v, want the type node cap", err)
	}
}

// An array of many distinct object shapes is inferred in linear time (the
// types are deduplicated through their signatures), and past the node cap
// it is an error rather than a memory sink.
func TestJSONArrayOfDistinctShapes(t *testing.T) {
	build := func(n int) []byte {
		var sb strings.Builder
		sb.WriteString(`{"a":[`)
		for i := 0; i < n; i++ {
			if i > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `{"k%d":1}`, i)
		}
		sb.WriteString("]}\n")
		return []byte(sb.String())
	}
	m, err := readBytes(t, build(50000), "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if got := schemaString(m); got != "a:list[struct[50000]]" {
		t.Errorf("schema %s", got)
	}
	if _, err := readBytes(t, build(maxTypeNodes), "jsonl"); err == nil {
		t.Error("no error past the type node cap")
	}
}

func TestCSVWideLines(t *testing.T) {
	wide := strings.Repeat(",", maxColumns+1) + "\n1\n"
	if _, err := readBytes(t, []byte(wide), "csv"); err == nil {
		t.Error("no error for a header wider than maxColumns")
	}
	// A data line of a million separators only splits up to the header width.
	body := "a,b\n" + strings.Repeat(",", 1<<20) + "\n1,2\n"
	m, err := readBytes(t, []byte(body), "csv")
	if err != nil {
		t.Fatal(err)
	}
	if got := schemaString(m); got != "a:i64, b:i64" {
		t.Errorf("schema %s", got)
	}
}
