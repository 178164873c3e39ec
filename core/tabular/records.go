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

// next returns the next record's field count and field bytes, or false at
// the end of input. Only counts are kept, so memory stays constant however
// many fields a record has.
func (r *recordReader) next() (fields, size int, ok bool) {
	// Skip blank lines between records.
	for len(r.buf) > 0 && (r.buf[0] == '\n' || r.buf[0] == '\r') {
		r.buf = r.buf[1:]
	}
	if len(r.buf) == 0 {
		return 0, 0, false
	}
	const (
		start = iota
		plain
		quoted
		afterQuote
	)
	st := start
	for i := 0; i < len(r.buf); i++ {
		c := r.buf[i]
		switch st {
		case start, plain:
			if st == start && r.quoting && c == r.quote {
				st = quoted
				continue
			}
			switch {
			case c == r.delim:
				fields++
				st = start
			case c == '\n' || c == '\r':
				r.buf = r.buf[i+1:]
				return fields + 1, size, true
			default:
				size++
				st = plain
			}
		case quoted:
			if c == r.quote {
				st = afterQuote
			} else {
				size++
			}
		case afterQuote:
			switch {
			case c == r.quote:
				size++
				st = quoted
			case c == r.delim:
				fields++
				st = start
			case c == '\n' || c == '\r':
				r.buf = r.buf[i+1:]
				return fields + 1, size, true
			default:
				size++
				st = plain
			}
		}
	}
	r.buf = nil
	return fields + 1, size, true
}
