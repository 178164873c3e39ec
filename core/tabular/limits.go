package tabular

import (
	"fmt"

	"github.com/oxdrop/oxdrop/core/model"
)

// Caps on what describing a table produces, so that the memory it takes
// and the size of the metadata record it yields never depend on the input
// beyond them. A file over a cap gets a *LimitError, never a downgrade to
// binary: a server answers 413 rather than store a table it would describe
// differently from Oxen.
//
// Measured on 65,536-column tables (TestWideMemory here, BenchmarkWideCSV
// in core/describe), the metadata keeps 32 bytes per column plus the names
// (46 bytes per column for names like feature_00001), and reading peaks at
// under 100 (csv, tsv), 110 (arrow), 150 (parquet) and 260 (jsonl, json)
// bytes per column, those kept and the head read included. At MaxColumns
// that is under 5 MB kept and 26 MB at the peak, within a 64 MiB server,
// with room for the 65,536-column tables people make. Other caps:
//
//   - MaxSchemaBytes bounds the schema's JSON in the record (names like
//     feature_00001 take about 70 bytes a column);
//   - a csv header line must end within the 16 MiB head (headCap);
//   - JSON rows may merge into at most maxTypeNodes (262,144) distinct
//     fields and types at all depths, and a parquet schema may have as
//     many elements (maxParquetElements).
const (
	// MaxColumns is the most columns a table may have.
	MaxColumns = 100_000
	// MaxSchemaBytes caps the JSON of a schema's fields as the metadata
	// record holds it ([{"name":..,"dtype":..,"metadata":null,
	// "changes":null},..], names escaped): 100,000 columns with names of
	// up to about 25 bytes fit.
	MaxSchemaBytes = 8 << 20
)

// maxColumns is MaxColumns under the name the readers' tests use.
const maxColumns = MaxColumns

// LimitError reports a file that describing refuses because its schema is
// over one of the caps above (or a header line over the csv head window).
// Its message names the file (Path, set by describe), what is counted and
// the limit, e.g. `file "x.csv" has 250000 columns, over the limit of
// 100000 columns`.
type LimitError struct {
	Path  string // the file's name as given to describe; "" inside tabular
	What  string // what is counted: "columns", "schema bytes", ...
	Got   int64  // how many the file has; 0 when reading stopped past Limit
	Limit int64
}

func (e *LimitError) Error() string {
	file := "table"
	if e.Path != "" {
		file = fmt.Sprintf("file %q", e.Path)
	}
	if e.Got > e.Limit {
		return fmt.Sprintf("%s has %d %s, over the limit of %d %s", file, e.Got, e.What, e.Limit, e.What)
	}
	return fmt.Sprintf("%s has more than %d %s, the limit", file, e.Limit, e.What)
}

// columnsError is the LimitError for n columns (0: more than MaxColumns,
// not all counted).
func columnsError(n int) error {
	return &LimitError{What: "columns", Got: int64(n), Limit: MaxColumns}
}

// tableMeta checks fields against the caps and returns the table's
// metadata, the fields kept as they are.
func tableMeta(fields []model.Field, height uint64) (*model.TabularMeta, error) {
	if len(fields) > MaxColumns {
		return nil, columnsError(len(fields))
	}
	size := int64(0)
	for _, f := range fields {
		size += int64(model.FieldJSONSize(f))
	}
	size = max(size-1, 0) // no comma before the first field
	if size > MaxSchemaBytes {
		return nil, &LimitError{What: "schema bytes", Got: size, Limit: MaxSchemaBytes}
	}
	return &model.TabularMeta{Width: uint64(len(fields)), Height: height, Schema: model.NewSchema(fields)}, nil
}
