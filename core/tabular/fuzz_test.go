package tabular

import (
	"bytes"
	"os"
	"testing"

	"github.com/oxdrop/oxdrop/internal/testenv"
)

// checkRead runs Read and Preview on hostile input: neither may panic, and a
// success must be self-consistent.
func checkRead(t *testing.T, b []byte, ext string) {
	m, err := readBytes(t, b, ext)
	if err == nil {
		if int(m.Width) != len(m.Schema.Fields) {
			t.Fatalf("width %d but %d fields", m.Width, len(m.Schema.Fields))
		}
		if len(m.Schema.Hash) == 0 {
			t.Fatal("schema without hash")
		}
	}
	p, perr := Preview(bytes.NewReader(b), int64(len(b)), ext, 5)
	if perr != nil {
		return
	}
	if len(p.Columns) != len(p.Dtypes) || len(p.Rows) > 5 {
		t.Fatalf("preview %d columns, %d dtypes, %d rows", len(p.Columns), len(p.Dtypes), len(p.Rows))
	}
	for _, r := range p.Rows {
		if len(r) != len(p.Columns) {
			t.Fatalf("preview row of %d cells for %d columns", len(r), len(p.Columns))
		}
	}
	if err == nil && len(p.Columns) != len(m.Schema.Fields) {
		t.Fatalf("preview has %d columns, metadata %d", len(p.Columns), len(m.Schema.Fields))
	}
}

// addFile adds a committed test file as a seed.
func addFile(f *testing.F, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
}

// addFixture adds a file of Oxen's fixtures (rel inside them) as a seed.
// Without the fixtures a target still runs on its other seeds, except with
// CI set, where a missing fixture fails it (testenv).
func addFixture(f *testing.F, rel string) {
	if testenv.CI() {
		testenv.Fixtures(f)
	}
	b, err := os.ReadFile(testenv.FixturesPath(rel))
	if err != nil {
		if testenv.CI() {
			f.Fatal(err)
		}
		return
	}
	f.Add(b)
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a;b\r\n\"x;y\";2\r\n", "'a','b'\n'1','2'\n", "a\tb\n1\t2",
		"\xEF\xBB\xBFa,a,a\n\"\"\"\",1\n", "x\n\"unterminated\n1\n", "a|b\n1|2|3\n4\n",
	} {
		f.Add([]byte(s))
	}
	addFixture(f, "csvs/quoted_fields.csv")
	addFixture(f, "csvs/llm_fine_tune.csv")
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRead(t, b, "csv")
		checkRead(t, b, "tsv")
	})
}

func FuzzJSONL(f *testing.F) {
	for _, s := range []string{
		`{"a":1}` + "\n" + `{"a":2.5,"b":[1,"x"]}`, `{"a":{"b":{"c":null}}}`, "\n\n{}\n", `{"a":[[],[null]]}`,
	} {
		f.Add([]byte(s))
	}
	addFixture(f, "text/test.jsonl")
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRead(t, b, "jsonl")
	})
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`[{"a":1},{"a":2.5,"b":[1,"x"]}]`, `[null,{"a":{"b":true}}]`, `[]`, `[{"a":1}]]`, `[{"a":"\u00e9"}]`,
	} {
		f.Add([]byte(s))
	}
	addFixture(f, "json/tabular.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRead(t, b, "json")
	})
}

func FuzzParquet(f *testing.F) {
	f.Add(buildParquet(3, []el{
		{name: "schema", typ: -1, rep: -1, children: 2, converted: -1},
		prim("a", ptInt64),
		{name: "l", typ: -1, rep: opt, children: 1, converted: ctList},
		{name: "list", typ: -1, rep: rpt, children: 1, converted: -1},
		{name: "element", typ: ptByteArray, rep: opt, converted: ctUTF8},
	}))
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	addFixture(f, "data/invalid.parquet")
	addFixture(f, "parquet/wiki_1k.parquet")
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRead(t, b, "parquet")
	})
}

func FuzzArrow(f *testing.F) {
	addFile(f, "testdata/simple.arrow")
	addFile(f, "testdata/types.arrows")
	f.Add([]byte("ARROW1\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRead(t, b, "arrow")
	})
}
