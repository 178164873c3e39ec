package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/oxdrop/oxdrop/core/model"
)

// Polars infers a csv schema from the first 10000 records; reading stops
// there or at headCap bytes, so a big file is never read whole. A header
// line longer than headCap is a *LimitError.
const (
	inferRows = 10000
	headCap   = 16 << 20
)

// readHead reads the start of the file, growing its read until the head
// holds more than wantLines '\n'-terminated lines (wantLines <= 0: no line
// target), reaches limit bytes, or the file ends. When the file is longer,
// the head is cut after its last '\n' so that no half line takes part in
// inference. The buffer grows by doubling but never past the bytes to read.
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
		if int64(cap(buf)-start) < n {
			grown := make([]byte, start, min(end, max(2*int64(cap(buf)), int64(start)+n)))
			copy(grown, buf)
			buf = grown
		}
		buf = buf[:start+int(n)]
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

// writeLossy writes what lossy(b) returns to sb, without a string of its
// own when b is valid UTF-8.
func writeLossy(sb *strings.Builder, b []byte) {
	if utf8.Valid(b) {
		sb.Write(b)
		return
	}
	sb.WriteString(strings.ToValidUTF8(string(b), "\uFFFD"))
}

// splitLines splits like Polars' SplitLines: on '\n' outside quotes, where
// every quote byte toggles the quoted state. A last line without '\n' is
// kept.
func splitLines(b []byte, quote byte, max int) [][]byte {
	var lines [][]byte
	for len(b) > 0 && len(lines) < max {
		line, rest, _ := cutLine(b, quote)
		lines = append(lines, line)
		b = rest
	}
	return lines
}

// cutLine returns the first line of b as splitLines finds it, the bytes
// after its '\n', and whether that '\n' was found (false: the line runs
// to the end of b).
func cutLine(b []byte, quote byte) (line, rest []byte, ended bool) {
	inQuote := false
	for i, c := range b {
		if c == quote {
			inQuote = !inQuote
		} else if c == '\n' && !inQuote {
			return b[:i], b[i+1:], true
		}
	}
	return b, nil, false
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
// with the quote char runs to the next separator outside quotes. At most
// limit fields are returned; fields past the header width are never needed.
func splitFields(line []byte, sep, quote byte, limit int) []csvField {
	var fields []csvField
	sc := fieldScanner{line: line, sep: sep, quote: quote}
	for len(fields) < limit {
		f, ok := sc.next()
		if !ok {
			break
		}
		fields = append(fields, f)
	}
	return fields
}

// fieldScanner yields the fields of one line as splitFields splits it, one
// at a time, so that a wide line needs no slice of its fields.
type fieldScanner struct {
	line       []byte
	sep, quote byte
	done       bool
}

func (s *fieldScanner) next() (csvField, bool) {
	if s.done {
		return csvField{}, false
	}
	line := s.line
	if len(line) > 0 && line[0] == s.quote {
		inQuote := false
		end := len(line)
		for i, c := range line {
			if c == s.quote {
				inQuote = !inQuote
			} else if c == s.sep && !inQuote {
				end = i
				break
			}
		}
		if end == len(line) {
			s.done = true
		} else {
			s.line = line[end+1:]
		}
		return csvField{raw: line[:end], quoted: true}, true
	}
	i := bytes.IndexByte(line, s.sep)
	if i < 0 {
		s.done = true
		return csvField{raw: line}, true
	}
	s.line = line[i+1:]
	return csvField{raw: line[:i]}, true
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

// csvHead is a parsed csv head: the columns with their dtypes, and the
// data lines.
type csvHead struct {
	d      dialect
	fields []model.Field
	lines  [][]byte
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
	h, err := parseHead(head, size, sep)
	if err == errHeaderCut && len(head) < headCap {
		// The line target stopped the read inside a header line (its
		// quotes hold many newlines): read the whole window for it.
		if head, err = readHead(r, size, headCap, 0); err != nil {
			return nil, err
		}
		h, err = parseHead(head, size, sep)
	}
	if err == errHeaderCut {
		return nil, &LimitError{What: "bytes in the header line", Limit: headCap}
	}
	return h, err
}

// errHeaderCut reports a head that ends inside the header line.
var errHeaderCut = errors.New("csv header line runs past the head")

// parseHead is parseCSVHead on the head that was read (size is the file's
// size, to tell a header line cut by the head from the file's last line).
func parseHead(head []byte, size int64, sep byte) (*csvHead, error) {
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
	hdr, rest, ended := cutLine(b, d.quote)
	if !ended && int64(len(head)) < size {
		return nil, errHeaderCut
	}
	fields, err := headerFields(stripCR(hdr), d)
	if err != nil {
		return nil, err
	}
	h := &csvHead{d: d, fields: fields, lines: splitLines(rest, d.quote, inferRows)}
	seen := make([]uint8, len(fields))
	for _, line := range h.lines {
		if len(line) == 0 {
			continue
		}
		sc := fieldScanner{line: stripCR(line), sep: d.delim, quote: d.quote}
		for i := range seen {
			f, ok := sc.next()
			if !ok {
				break
			}
			if len(f.raw) == 0 {
				continue // null
			}
			// Invalid UTF-8 never matches a number or bool literal, just as
			// its lossy replacement would not.
			seen[i] |= uint8(inferCSVField(f.inner()))
		}
	}
	for i, s := range seen {
		h.fields[i].Dtype = csvDtype(int(s))
	}
	return h, nil
}

// headerFields returns the columns named by a header line, duplicates
// renamed as Polars does (the second "a" is "a_duplicated_0", the third
// "a_duplicated_1"). The names are cut from one string, so a wide header
// costs its bytes and one Field per column; past MaxColumns it is a
// *LimitError with the exact column count (counting needs no memory).
func headerFields(line []byte, d dialect) ([]model.Field, error) {
	sc := fieldScanner{line: line, sep: d.delim, quote: d.quote}
	var names strings.Builder
	names.Grow(len(line))
	ends := make([]int32, 0, min(bytes.Count(line, []byte{d.delim})+1, MaxColumns))
	for {
		f, ok := sc.next()
		if !ok {
			break
		}
		if len(ends) == MaxColumns {
			n := len(ends) + 1
			for _, ok := sc.next(); ok; _, ok = sc.next() {
				n++
			}
			return nil, columnsError(n)
		}
		writeLossy(&names, f.inner())
		ends = append(ends, int32(names.Len()))
	}
	all := names.String()
	fields := make([]model.Field, len(ends))
	start := int32(0)
	for i, end := range ends {
		fields[i].Name = all[start:end]
		start = end
	}
	renameDuplicates(fields)
	return fields, nil
}

// renameDuplicates gives every repeat of a column name its Polars name,
// name_duplicated_K for the K+1-th repeat in column order. It sorts column
// indices by name (stable, so repeats stay in column order) rather than
// counting names in a map, which would cost more per column.
func renameDuplicates(fields []model.Field) {
	idx := make([]int32, len(fields))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return strings.Compare(fields[a].Name, fields[b].Name) })
	for i := 1; i < len(idx); i++ {
		first := i - 1
		for i < len(idx) && fields[idx[i]].Name == fields[idx[first]].Name {
			fields[idx[i]].Name += "_duplicated_" + strconv.Itoa(i-first-1)
			i++
		}
	}
}

// readCSV returns csv/tsv metadata: the schema from the head, the height
// from Oxen's physical line rule.
func readCSV(r io.ReaderAt, size int64, sep byte, lines LineCount) (*model.TabularMeta, error) {
	h, err := parseCSVHead(r, size, sep)
	if err != nil {
		return nil, err
	}
	return tableMeta(h.fields, max(physicalLines(lines), 1)-1)
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

// columnsOf returns the names and dtypes of fields, for previews (nil for
// none).
func columnsOf(fields []model.Field) (names, dtypes []string) {
	if len(fields) == 0 {
		return nil, nil
	}
	names, dtypes = make([]string, len(fields)), make([]string, len(fields))
	for i, f := range fields {
		names[i], dtypes[i] = f.Name, f.Dtype
	}
	return names, dtypes
}

// previewCSV returns the header and the first maxRows non-empty records,
// ragged rows cut or padded to the header width.
func previewCSV(r io.ReaderAt, size int64, sep byte, maxRows int) (*Table, error) {
	h, err := parseCSVHead(r, size, sep)
	if err != nil {
		return nil, err
	}
	names, dtypes := columnsOf(h.fields)
	t := &Table{Columns: names, Dtypes: dtypes, Rows: [][]string{}}
	for _, line := range h.lines {
		if len(t.Rows) >= maxRows {
			break
		}
		if len(line) == 0 {
			continue
		}
		fs := splitFields(stripCR(line), h.d.delim, h.d.quote, len(names))
		row := make([]string, len(names))
		for i := range row {
			if i < len(fs) {
				row[i] = fs[i].value(h.d.quote)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}
