// Package tabular reads the shape and schema of tabular files (csv, tsv,
// jsonl/ndjson, json arrays, parquet, arrow IPC) as Oxen's Polars scan does.
//
// Schemas use Polars Display dtype strings (str, i64, f64, bool, null, date,
// datetime[μs], list[str], struct[N], ...), which is what Oxen hashes. Only
// the head of text formats is read for the schema; parquet and arrow are read
// from their footers and message headers, never their data pages.
package tabular

import (
	"fmt"
	"io"

	"github.com/oxdrop/oxdrop/core/model"
)

// LineCount is what a streaming pass over the whole file learned, so the
// csv/tsv/jsonl heights (Oxen counts physical lines) need no second pass.
type LineCount struct {
	Newlines        uint64 // count of '\n' bytes in the file
	EndsWithNewline bool   // the last byte is '\n'
}

// Read returns the tabular metadata of a file whose extension (no dot, case
// kept, as Oxen matches it case-sensitively) is ext. An error means Oxen's
// scan fails too, and the caller downgrades the file to binary.
func Read(r io.ReaderAt, size int64, ext string, lines LineCount) (*model.TabularMeta, error) {
	switch ext {
	case "csv":
		return readCSV(r, size, 0, lines)
	case "tsv":
		return readCSV(r, size, '\t', lines)
	case "jsonl", "ndjson":
		return readJSONL(r, size, lines)
	case "json":
		return readJSONArray(r, size)
	case "parquet":
		return readParquet(r, size)
	case "arrow":
		return readArrow(r, size)
	}
	return nil, fmt.Errorf("tabular: extension %q is not one of csv tsv parquet arrow jsonl ndjson json", ext)
}

// Table is the head of a tabular file, for previews.
type Table struct {
	Columns []string   `json:"columns"`
	Dtypes  []string   `json:"dtypes"`
	Rows    [][]string `json:"rows"`
}

// Preview returns the columns, dtypes and up to maxRows rows of the file's
// head. Parquet and arrow previews carry columns and dtypes only.
func Preview(r io.ReaderAt, size int64, ext string, maxRows int) (*Table, error) {
	maxRows = max(maxRows, 0)
	switch ext {
	case "csv":
		return previewCSV(r, size, 0, maxRows)
	case "tsv":
		return previewCSV(r, size, '\t', maxRows)
	case "jsonl", "ndjson":
		return previewJSONL(r, size, maxRows)
	case "json":
		return previewJSONArray(r, size, maxRows)
	case "parquet", "arrow":
		m, err := Read(r, size, ext, LineCount{})
		if err != nil {
			return nil, err
		}
		t := &Table{Columns: []string{}, Dtypes: []string{}, Rows: [][]string{}}
		for _, f := range m.Schema.Fields {
			t.Columns = append(t.Columns, f.Name)
			t.Dtypes = append(t.Dtypes, f.Dtype)
		}
		return t, nil
	}
	return nil, fmt.Errorf("tabular: extension %q is not one of csv tsv parquet arrow jsonl ndjson json", ext)
}
