package tabular

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/oxdrop/oxdrop/core/model"
)

// maxJSONValue caps one JSON line or array element; a bigger one is an
// error, never buffered.
const maxJSONValue = 16 << 20

// jsonlLines calls fn for each non-blank line of the file head, up to
// inferRows lines.
func jsonlLines(r io.ReaderAt, size int64, fn func(n int, line []byte) error) error {
	// A small file needs no 64 KiB buffer (bufio's floor is 16 bytes):
	// thousands of small JSONL files would allocate one each.
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), int(min(size+1, 64<<10)))
	var long []byte
	seen := 0
	for n := 1; seen < inferRows; n++ {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, chunk...)
			if len(long) > maxJSONValue {
				return fmt.Errorf("jsonl line %d longer than %d bytes", n, maxJSONValue)
			}
			n--
			continue
		}
		line := chunk
		if len(long) > 0 {
			// The buffer of long lines is reused: fn keeps no line.
			line = append(long, chunk...)
			long = line[:0]
		}
		if t := bytes.TrimSpace(line); len(t) > 0 {
			seen++
			if ferr := fn(n, t); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading jsonl: %w", err)
		}
	}
	if seen == 0 {
		return errors.New("empty jsonl file")
	}
	return nil
}

// inferJSONL infers the schema of the first inferRows lines, each an object.
func inferJSONL(r io.ReaderAt, size int64) ([]model.Field, error) {
	var rows rowTypes
	err := jsonlLines(r, size, func(n int, line []byte) error {
		if !json.Valid(line) {
			return fmt.Errorf("jsonl line %d is not one valid JSON value", n)
		}
		if !utf8.Valid(line) {
			return fmt.Errorf("jsonl line %d is not valid UTF-8", n)
		}
		t, err := inferJSON(line)
		if err != nil {
			return fmt.Errorf("jsonl line %d: %w", n, err)
		}
		if t.kind != jStruct {
			return fmt.Errorf("jsonl line %d is %s, not an object", n, t)
		}
		return rows.add(t)
	})
	if err != nil {
		return nil, err
	}
	return rows.rowFields()
}

func readJSONL(r io.ReaderAt, size int64, lines LineCount) (*model.TabularMeta, error) {
	fields, err := inferJSONL(r, size)
	if err != nil {
		return nil, err
	}
	return tableMeta(fields, physicalLines(lines))
}

// jsonArray streams a JSON array of objects: it infers the schema of the
// first inferRows elements, counts all elements, and validates the file to
// its end, one element in memory at a time.
type jsonArray struct {
	fields []model.Field
	count  uint64
	rows   []json.RawMessage // the first keepRows elements
}

// With whole false (previews) it stops once inference and the kept rows
// are done, leaving the rest of the file unread and unvalidated.
func scanJSONArray(r io.ReaderAt, size int64, keepRows int, whole bool) (*jsonArray, error) {
	if size == 0 {
		return nil, errors.New("empty json file")
	}
	cr := &capReader{r: io.NewSectionReader(r, 0, size), limit: maxJSONValue}
	dec := json.NewDecoder(cr)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	if tok != json.Delim('[') {
		return nil, errors.New("json file is not an array")
	}
	out := &jsonArray{}
	var types rowTypes
	var raw json.RawMessage
	for dec.More() {
		if !whole && out.count >= inferRows && len(out.rows) >= keepRows {
			break
		}
		cr.mark = dec.InputOffset()
		// Decoding into a RawMessage validates the element with the
		// decoder's scanner; the buffer is reused past the kept rows.
		raw = raw[:0]
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("json element %d: %w", out.count, err)
		}
		// Polars parses with simd-json, which rejects invalid UTF-8.
		if !utf8.Valid(raw) {
			return nil, fmt.Errorf("json element %d is not valid UTF-8", out.count)
		}
		if out.count < inferRows || len(out.rows) < keepRows {
			if out.count < inferRows {
				t, err := inferJSON(raw)
				if err != nil {
					return nil, fmt.Errorf("json element %d: %w", out.count, err)
				}
				if err := types.add(t); err != nil {
					return nil, err
				}
			}
			if len(out.rows) < keepRows {
				out.rows = append(out.rows, bytes.Clone(raw))
			}
		}
		out.count++
	}
	if whole {
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("json: %w", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, errors.New("json: data after the closing ']'")
		}
	}
	if out.count == 0 {
		return nil, errors.New("json array is empty")
	}
	out.fields, err = types.rowFields()
	if err != nil {
		return nil, err
	}
	return out, nil
}

func readJSONArray(r io.ReaderAt, size int64) (*model.TabularMeta, error) {
	a, err := scanJSONArray(r, size, 0, true)
	if err != nil {
		return nil, err
	}
	return tableMeta(a.fields, a.count)
}

// cellText renders one JSON value as a preview cell: strings as they are,
// null or missing as "", anything else as compact JSON.
func cellText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s
	}
	if string(raw) == "null" {
		return ""
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return string(raw)
}

func tableRows(names []string, raws []json.RawMessage) [][]string {
	rows := [][]string{}
	for _, raw := range raws {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			continue // a null element
		}
		row := make([]string, len(names))
		for i, n := range names {
			row[i] = cellText(obj[n])
		}
		rows = append(rows, row)
	}
	return rows
}

func previewJSONL(r io.ReaderAt, size int64, maxRows int) (*Table, error) {
	fields, err := inferJSONL(r, size)
	if err != nil {
		return nil, err
	}
	names, dtypes := columnsOf(fields)
	var raws []json.RawMessage
	errStop := errors.New("stop")
	err = jsonlLines(r, size, func(_ int, line []byte) error {
		if len(raws) >= maxRows {
			return errStop
		}
		raws = append(raws, json.RawMessage(bytes.Clone(line)))
		return nil
	})
	if err != nil && err != errStop {
		return nil, err
	}
	return &Table{Columns: names, Dtypes: dtypes, Rows: tableRows(names, raws)}, nil
}

func previewJSONArray(r io.ReaderAt, size int64, maxRows int) (*Table, error) {
	a, err := scanJSONArray(r, size, maxRows, false)
	if err != nil {
		return nil, err
	}
	names, dtypes := columnsOf(a.fields)
	return &Table{Columns: names, Dtypes: dtypes, Rows: tableRows(names, a.rows)}, nil
}
