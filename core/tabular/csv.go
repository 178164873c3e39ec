package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/oxdrop/oxdrop/core/model"
)

// Polars infers a csv schema from the first 10000 records; reading stops
// there or at headCap bytes, so a big file is never read whole.
const (
	inferRows = 10000
	headCap   = 16 << 20
	// maxColumns bounds the header, so a line of separators cannot turn
	// into millions of columns.
	maxColumns = 1 << 16
)

// readHead reads the start of the file, growing its read until the head
// holds more than wantLines '\n'-terminated lines (wantLines <= 0: no line
// target), reaches limit bytes, or the file ends. When the file is longer,
// the head is cut after its last '\n' so that no half line takes part in
// inference.
func readHead(r io.ReaderAt, size int64, limit, wantLines int) ([]byte, error) {
	if size < 0 {
		return nil, errors.New("negative file size")
	}
	end := min(size, int64(limit))
	chunk := int64(256 << 10)
	var buf []byte
	lines := 0
	for int64(len(buf)) < end {
		n := min(end-int64(len(buf)), chunk)
		start := len(buf)
		buf = append(buf, make([]byte, n)...)
		m, err := r.ReadAt(buf[start:], int64(start))
		if m < int(n) {
			if err == nil || errors.Is(err, io.EOF) {
				buf = buf[:start+m]
				break
			}
			return nil, fmt.Errorf("reading file head: %w", err)
		}
		lines += bytes.Count(buf[start:], []byte{'\n'})
		if wantLines > 0 && lines > wantLines {
			break
		}
		chunk *= 2
	}
	if int64(len(buf)) < size {
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			buf = buf[:i+1]
		}
	}
	return buf, nil
}

// Dtype bits for the set of types seen in a csv column.
const (
	seenBool = 1 << iota
	seenF64
	seenI64
	seenStr
)

// inferCSVField is Polars' infer_field_schema without date parsing: a field
// starting with '"' is str, then the BOOLEAN_RE `^(?i:true|false)$`,
// FLOAT_RE `^[-+]?((\d*\.\d+)([eE][-+]?\d+)?|inf|NaN|(\d+)[eE][-+]?\d+|\d+\.)$`
// and INTEGER_RE `^-?(\d+)$` of polars-io, in this order. They are matched
// by hand (regexp was the hot spot); Rust's \d is Unicode-aware, so any
// Unicode decimal digit counts.
func inferCSVField(s []byte) int {
	switch {
	case len(s) > 0 && s[0] == '"':
		return seenStr
	case isBoolLiteral(s):
		return seenBool
	case isFloatLiteral(s):
		return seenF64
	case isIntLiteral(s):
		return seenI64
	}
	return seenStr
}

func isBoolLiteral(s []byte) bool {
	if len(s) > 15 { // "false" in the widest case folds still fits
		return false
	}
	str := string(s)
	return strings.EqualFold(str, "true") || strings.EqualFold(str, "false")
}

// digits returns the length of the run of decimal digits at the start of s.
func digits(s []byte) int {
	n := 0
	for n < len(s) {
		c := s[n]
		if c >= '0' && c <= '9' {
			n++
			continue
		}
		if c < utf8.RuneSelf {
			return n
		}
		r, size := utf8.DecodeRune(s[n:])
		if !unicode.IsDigit(r) {
			return n
		}
		n += size
	}
	return n
}

func isIntLiteral(s []byte) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	n := digits(s)
	return n > 0 && n == len(s)
}

func isFloatLiteral(s []byte) bool {
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if str := string(s); str == "inf" || str == "NaN" {
		return true
	}
	whole := digits(s)
	s = s[whole:]
	if len(s) == 0 {
		return false
	}
	switch s[0] {
	case '.':
		frac := digits(s[1:])
		s = s[1+frac:]
		if frac == 0 {
			return whole > 0 && len(s) == 0 // `\d+\.`
		}
		if len(s) == 0 {
			return true // `\d*\.\d+`
		}
		return isExponent(s)
	case 'e', 'E':
		return whole > 0 && isExponent(s)
	}
	return false
}

// isExponent matches `[eE][-+]?\d+` to the end of s.
func isExponent(s []byte) bool {
	if len(s) == 0 || (s[0] != 'e' && s[0] != 'E') {
		return false
	}
	s = s[1:]
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	n := digits(s)
	return n > 0 && n == len(s)
}

// csvDtype resolves a column's set of seen types as Polars does: one type
// is kept, i64 with f64 gives f64, anything else (or nothing) gives str.
func csvDtype(seen int) string {
	switch seen {
	case seenBool:
		return "bool"
	case seenF64, seenF64 | seenI64:
		return "f64"
	case seenI64:
		return "i64"
	}
	return "str"
}

// lossy decodes bytes as Rust's String::from_utf8_lossy does.
func lossy(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// splitLines splits like Polars' SplitLines: on '\n' outside quotes, where
// every quote byte toggles the quoted state. A last line without '\n' is
// kept.
func splitLines(b []byte, quote byte, max int) [][]byte {
	var lines [][]byte
	for len(b) > 0 && len(lines) < max {
		inQuote := false
		end := -1
		for i, c := range b {
			if c == quote {
				inQuote = !inQuote
			} else if c == '\n' && !inQuote {
				end = i
				break
			}
		}
		if end < 0 {
			lines = append(lines, b)
			break
		}
		lines = append(lines, b[:end])
		b = b[end+1:]
	}
	return lines
}

// csvField is one field of a line; quoted fields keep their quotes.
type csvField struct {
	raw    []byte
	quoted bool
}

// stripCR drops a trailing '\r' from a line longer than one byte, as Polars
// does before splitting fields.
func stripCR(line []byte) []byte {
	if n := len(line); n > 1 && line[n-1] == '\r' {
		return line[:n-1]
	}
	return line
}

// splitFields splits one line like Polars' SplitFields: a field that starts
// with the quote char runs to the next separator outside quotes.
func splitFields(line []byte, sep, quote byte, limit int) []csvField {
	return appendFields(nil, line, sep, quote, limit)
}

// appendFields appends at most limit fields of line to fields (a slice the
// caller reuses); fields past the header width are never needed.
func appendFields(fields []csvField, line []byte, sep, quote byte, limit int) []csvField {
	for n := len(fields) + limit; len(fields) < n; {
		if len(line) > 0 && line[0] == quote {
			inQuote := false
			end := len(line)
			for i, c := range line {
				if c == quote {
					inQuote = !inQuote
				} else if c == sep && !inQuote {
					end = i
					break
				}
			}
			fields = append(fields, csvField{raw: line[:end], quoted: true})
			if end == len(line) {
				return fields
			}
			line = line[end+1:]
			continue
		}
		i := bytes.IndexByte(line, sep)
		if i < 0 {
			return append(fields, csvField{raw: line})
		}
		fields = append(fields, csvField{raw: line[:i]})
		line = line[i+1:]
	}
	return fields
}

// inner is the field as Polars hands it to inference: a quoted field loses
// its first and last byte, doubled quotes stay doubled.
func (f csvField) inner() []byte {
	if f.quoted && len(f.raw) >= 2 {
		return f.raw[1 : len(f.raw)-1]
	}
	return f.raw
}

// value is the field's cell value, with doubled quotes undone.
func (f csvField) value(quote byte) string {
	in := f.inner()
	if f.quoted {
		q := []byte{quote}
		in = bytes.ReplaceAll(in, append(q, quote), q)
	}
	return lossy(in)
}

// csvHead is a parsed csv head: column names, dtypes and the data lines.
type csvHead struct {
	d       dialect
	columns []string
	dtypes  []string
	lines   [][]byte
}

// parseCSVHead infers header and schema of a csv (sep 0: sniffed) from the
// file head, as Polars does with infer_schema_length 10000.
func parseCSVHead(r io.ReaderAt, size int64, sep byte) (*csvHead, error) {
	if size == 0 {
		return nil, errors.New("empty csv file")
	}
	// Quoted newlines can make records fewer than lines; the margin
	// covers the common case, and the cap bounds the rest.
	head, err := readHead(r, size, headCap, 2*(inferRows+1))
	if err != nil {
		return nil, err
	}
	// Oxen sniffs tsv files too and keeps only the quote char: the tab
	// separator is forced.
	d := sniffCSV(head)
	if sep != 0 {
		d.delim = sep
	}
	b := bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	b = bytes.TrimLeft(b, "\r\n")
	if len(b) == 0 {
		return nil, errors.New("empty csv: no header line")
	}
	lines := splitLines(b, d.quote, inferRows+1)
	hdr := splitFields(stripCR(lines[0]), d.delim, d.quote, maxColumns+1)
	if len(hdr) > maxColumns {
		return nil, fmt.Errorf("csv header has more than %d columns", maxColumns)
	}
	h := &csvHead{d: d, lines: lines[1:]}
	counts := map[string]int{}
	for _, f := range hdr {
		name := lossy(f.inner())
		if c := counts[name]; c > 0 {
			h.columns = append(h.columns, name+"_duplicated_"+strconv.Itoa(c-1))
		} else {
			h.columns = append(h.columns, name)
		}
		counts[name]++
	}
	seen := make([]int, len(h.columns))
	var fs []csvField
	for _, line := range h.lines {
		if len(line) == 0 {
			continue
		}
		fs = appendFields(fs[:0], stripCR(line), d.delim, d.quote, len(seen))
		for i := 0; i < len(seen) && i < len(fs); i++ {
			if len(fs[i].raw) == 0 {
				continue // null
			}
			// Invalid UTF-8 never matches a number or bool literal, just as
			// its lossy replacement would not.
			seen[i] |= inferCSVField(fs[i].inner())
		}
	}
	for _, s := range seen {
		h.dtypes = append(h.dtypes, csvDtype(s))
	}
	return h, nil
}

// readCSV returns csv/tsv metadata: the schema from the head, the height
// from Oxen's physical line rule.
func readCSV(r io.ReaderAt, size int64, sep byte, lines LineCount) (*model.TabularMeta, error) {
	h, err := parseCSVHead(r, size, sep)
	if err != nil {
		return nil, err
	}
	return &model.TabularMeta{
		Width:  uint64(len(h.columns)),
		Height: max(physicalLines(lines), 1) - 1,
		Schema: model.NewSchema(fieldsOf(h.columns, h.dtypes)),
	}, nil
}

// physicalLines is Oxen's count_lines with remove_trailing_blank_line: one
// more than the '\n' count, less one when the file ends with '\n'. (An
// inconsistent count, a final '\n' with no '\n' counted, gives 0 rather
// than wrapping around.)
func physicalLines(lines LineCount) uint64 {
	if lines.EndsWithNewline {
		return lines.Newlines
	}
	return lines.Newlines + 1
}

func fieldsOf(names, dtypes []string) []model.Field {
	fs := make([]model.Field, len(names))
	for i := range names {
		fs[i] = model.Field{Name: names[i], Dtype: dtypes[i]}
	}
	return fs
}

// previewCSV returns the header and the first maxRows non-empty records,
// ragged rows cut or padded to the header width.
func previewCSV(r io.ReaderAt, size int64, sep byte, maxRows int) (*Table, error) {
	h, err := parseCSVHead(r, size, sep)
	if err != nil {
		return nil, err
	}
	t := &Table{Columns: h.columns, Dtypes: h.dtypes, Rows: [][]string{}}
	for _, line := range h.lines {
		if len(t.Rows) >= maxRows {
			break
		}
		if len(line) == 0 {
			continue
		}
		fs := splitFields(stripCR(line), h.d.delim, h.d.quote, len(h.columns))
		row := make([]string, len(h.columns))
		for i := range row {
			if i < len(fs) {
				row[i] = fs[i].value(h.d.quote)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}
