package tabular

// recordReader reads records the way the Rust csv crate does for
// qsv-sniffer: '\r', '\n' and "\r\n" end a record, blank lines are skipped,
// a field that starts with the quote char is quoted (doubled quotes escape
// a quote), and bytes after a closing quote are kept literally.
type recordReader struct {
	buf     []byte
	delim   byte
	quote   byte
	quoting bool
}

// next returns the next record's fields, or false at the end of input.
func (r *recordReader) next() ([][]byte, bool) {
	// Skip blank lines between records.
	for len(r.buf) > 0 && (r.buf[0] == '\n' || r.buf[0] == '\r') {
		r.buf = r.buf[1:]
	}
	if len(r.buf) == 0 {
		return nil, false
	}
	var rec [][]byte
	var field []byte
	const (
		start = iota
		plain
		quoted
		afterQuote
	)
	st := start
	i := 0
	for ; i < len(r.buf); i++ {
		c := r.buf[i]
		switch st {
		case start, plain:
			if st == start && r.quoting && c == r.quote {
				st = quoted
				continue
			}
			switch {
			case c == r.delim:
				rec = append(rec, field)
				field, st = nil, start
			case c == '\n' || c == '\r':
				r.buf = r.buf[i+1:]
				return append(rec, field), true
			default:
				field = append(field, c)
				st = plain
			}
		case quoted:
			if c == r.quote {
				st = afterQuote
			} else {
				field = append(field, c)
			}
		case afterQuote:
			switch {
			case c == r.quote:
				field = append(field, c)
				st = quoted
			case c == r.delim:
				rec = append(rec, field)
				field, st = nil, start
			case c == '\n' || c == '\r':
				r.buf = r.buf[i+1:]
				return append(rec, field), true
			default:
				field = append(field, c)
				st = plain
			}
		}
	}
	r.buf = nil
	return append(rec, field), true
}
