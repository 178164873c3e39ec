package describe

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/core/model"
)

// wideTable is a table of cols columns (feature_00001, ...) and three rows
// of mixed values, as csv, tsv, jsonl or json.
func wideTable(ext string, cols int) []byte {
	var b bytes.Buffer
	cell := func(r, c int) string { return [...]string{strconv.Itoa(r * c), "2.5", "true", `"x"`}[c%4] }
	switch ext {
	case "csv", "tsv":
		sep := map[string]string{"csv": ",", "tsv": "\t"}[ext]
		names := make([]string, cols)
		for c := range names {
			names[c] = fmt.Sprintf("feature_%05d", c+1)
		}
		b.WriteString(strings.Join(names, sep) + "\n")
		for r := 0; r < 3; r++ {
			for c := range names {
				names[c] = strings.Trim(cell(r, c), `"`)
			}
			b.WriteString(strings.Join(names, sep) + "\n")
		}
	case "jsonl", "json":
		rows := make([]string, 3)
		for r := range rows {
			kv := make([]string, cols)
			for c := range kv {
				kv[c] = fmt.Sprintf(`"feature_%05d":%s`, c+1, cell(r, c))
			}
			rows[r] = "{" + strings.Join(kv, ",") + "}"
		}
		if ext == "json" {
			b.WriteString("[" + strings.Join(rows, ",") + "]")
		} else {
			b.WriteString(strings.Join(rows, "\n") + "\n")
		}
	}
	return b.Bytes()
}

// TestWideTablesDescribed: a 30,000- and a 65,536-column table are tabular
// with their full schema.
func TestWideTablesDescribed(t *testing.T) {
	for _, cols := range []int{30000, 65536} {
		for _, ext := range []string{"csv", "tsv", "jsonl", "json"} {
			if ext != "csv" && cols > 30000 {
				continue // core/tabular reads every format 65,536 wide
			}
			name := fmt.Sprintf("wide_%d.%s", cols, ext)
			info := describeBytes(t, name, wideTable(ext, cols))
			if info.DataType != model.Tabular || info.Metadata == nil || info.Metadata.Tabular == nil {
				t.Fatalf("%s: %s with metadata %v", name, info.DataType, info.Metadata)
			}
			m := info.Metadata.Tabular
			f := m.Schema.Fields
			if m.Width != uint64(cols) || m.Height != 3 || len(f) != cols {
				t.Fatalf("%s: %dx%d with %d fields", name, m.Width, m.Height, len(f))
			}
			for _, c := range []int{0, 1, 2, 3, cols - 1} {
				want := fmt.Sprintf("feature_%05d:%s", c+1, [...]string{"i64", "f64", "bool", "str"}[c%4])
				if got := f[c].Name + ":" + f[c].Dtype; got != want {
					t.Errorf("%s: column %d is %s, want %s", name, c, got, want)
				}
			}
		}
	}
}

// TestLimitErrorFromFinish: a table past MaxColumns is not downgraded to
// binary (as unreadable tables are) but fails with a *LimitError naming
// the file.
func TestLimitErrorFromFinish(t *testing.T) {
	for _, tt := range []struct{ ext, want string }{
		{"csv", `file "data/wide.csv" has 100001 columns, over the limit of 100000 columns`},
		{"jsonl", `file "data/wide.jsonl" has more than 100000 columns, the limit`},
	} {
		name := "data/wide." + tt.ext
		b := wideTable(tt.ext, MaxColumns+1)
		_, err := File(name, bytes.NewReader(b), int64(len(b)), nil, nil)
		var le *LimitError
		if !errors.As(err, &le) {
			t.Fatalf("%s: error %v, want a *LimitError", name, err)
		}
		if le.Path != name || le.What != "columns" || le.Limit != MaxColumns || err.Error() != tt.want {
			t.Errorf("%s: %#v\n got %s\nwant %s", name, le, err, tt.want)
		}
	}
}

// BenchmarkWideCSV describes a 30,000- and a 65,536-column csv end to end
// (-benchmem: B/op over the columns is the allocation per column).
func BenchmarkWideCSV(b *testing.B) {
	for _, cols := range []int{30000, 65536} {
		data := wideTable("csv", cols)
		name := fmt.Sprintf("wide_%d.csv", cols)
		b.Run(strconv.Itoa(cols), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				if _, err := File(name, bytes.NewReader(data), int64(len(data)), nil, nil); err != nil {
					b.Fatal(err)
				}
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(cols), "B/column")
		})
	}
}
