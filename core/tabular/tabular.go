// Package tabular reads the shape and schema of tabular files (csv, tsv,
// jsonl/ndjson, json arrays, parquet, arrow IPC) as Oxen's Polars scan does.
package tabular

import (
	"errors"
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
// kept, as Oxen matches it case-sensitively) is ext.
// PLACEHOLDER until the format readers land.
func Read(r io.ReaderAt, size int64, ext string, lines LineCount) (*model.TabularMeta, error) {
	return nil, errors.New("tabular: not implemented yet")
}

// Table is the head of a tabular file, for previews.
type Table struct {
	Columns []string   `json:"columns"`
	Dtypes  []string   `json:"dtypes"`
	Rows    [][]string `json:"rows"`
}

// Preview returns up to maxRows rows of the file's head.
// PLACEHOLDER until the format readers land.
func Preview(r io.ReaderAt, size int64, ext string, maxRows int) (*Table, error) {
	return nil, errors.New("tabular: preview not implemented yet")
}
