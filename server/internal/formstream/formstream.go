// Package formstream reads a multipart/form-data body part by part, as a
// stream, with one large buffer and bytes.Index to find boundaries.
//
// Why not mime/multipart: its part reader peeks 4 KiB at a time and scans
// byte windows for the boundary, which reached about a third of a plain disk
// write's speed; oxdrop's uploads are many gigabytes, so the boundary scan
// must run at memory speed. This reader finds each delimiter once per
// buffer fill and then hands out the data before it with plain copies.
//
// It also keeps filenames whole, with their folders (Part.FileName in
// mime/multipart keeps only the base name), and as sent: Part.Filename has
// the quoted-string escapes undone (\" and \\, as curl's --form-escape
// and curl before 7.81 send them) but keeps the escapes browsers apply
// (%22, %0D, %0A); Part.DecodedFilename undoes those, and the caller picks
// (see UnescapeFilename for why it cannot always be decided here).
//
// It hands out each part's bytes exactly as they are in the body, so it
// refuses (NotAcceptedError) a part whose headers say they mean something
// else: a Content-Transfer-Encoding other than 7bit, 8bit or binary
// (base64, quoted-printable), a Content-Encoding other than identity, a
// nested multipart Content-Type (RFC 2388's multipart/mixed), RFC 2231
// parameters other than a UTF-8 filename* (other charsets, continuations,
// name*), and two of the same Content-* header. Other headers (a part's
// Content-Type, Content-Length) are kept in Part.Header for the caller.
//
// Limits: headers of a part are capped (MaxHeaderBytes) and there is no
// cap on the number of parts (the caller counts files).
package formstream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
)

// MaxHeaderBytes caps the header block of one part.
const MaxHeaderBytes = 16 << 10

// DefaultBufferSize is the read buffer of a Reader (per request).
const DefaultBufferSize = 1 << 20

// ErrTruncated: the body ended inside a part or before the final boundary.
var ErrTruncated = errors.New("multipart body ended before its closing boundary")

// Reader reads the parts of one multipart body.
type Reader struct {
	src   io.Reader
	delim []byte // "\r\n--" + boundary
	buf   []byte
	r, w  int   // unread data is buf[r:w]
	end   int   // buf[r:end] is known to be part data (no delimiter in it)
	found bool  // a delimiter starts at end
	err   error // sticky read error of src (io.EOF at the end)
	part  *Part
	done  bool
}

// NewReader reads a body whose Content-Type boundary parameter is boundary,
// with a buffer of bufSize bytes (DefaultBufferSize if <= 0).
func NewReader(src io.Reader, boundary string, bufSize int) (*Reader, error) {
	if boundary == "" || len(boundary) > 70 {
		return nil, fmt.Errorf("multipart boundary must be 1 to 70 characters, got %d", len(boundary))
	}
	if bufSize <= 0 {
		bufSize = DefaultBufferSize
	}
	delim := []byte("\r\n--" + boundary)
	if bufSize < 2*(MaxHeaderBytes+len(delim)) {
		bufSize = 2 * (MaxHeaderBytes + len(delim))
	}
	mr := &Reader{src: src, delim: delim, buf: make([]byte, bufSize)}
	// The first delimiter may open the body without a preceding CRLF: act as
	// if the body started with one, so every delimiter looks the same.
	mr.w = copy(mr.buf, "\r\n")
	mr.part = &Part{mr: mr} // the preamble, discarded by the first NextPart
	mr.scan()
	return mr, nil
}

// BoundaryFromContentType returns the boundary of a multipart/form-data
// Content-Type value.
func BoundaryFromContentType(ct string) (string, error) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", fmt.Errorf("invalid Content-Type %q: %v", ct, err)
	}
	if mt != "multipart/form-data" {
		return "", fmt.Errorf("Content-Type %q is not multipart/form-data", mt)
	}
	b := params["boundary"]
	if b == "" {
		return "", errors.New("multipart/form-data Content-Type has no boundary parameter")
	}
	return b, nil
}

// scan updates end/found for the unread data.
func (mr *Reader) scan() {
	data := mr.buf[mr.r:mr.w]
	if i := bytes.Index(data, mr.delim); i >= 0 {
		mr.end, mr.found = mr.r+i, true
		return
	}
	mr.found = false
	// Keep a tail that could be the start of a delimiter, unless the source
	// is exhausted (then it is plain data or a truncated body).
	keep := len(mr.delim) - 1
	if mr.err != nil {
		keep = 0
	}
	mr.end = max(mr.r, mr.w-keep)
}

// fill reads more from src, compacting the buffer first.
func (mr *Reader) fill() {
	if mr.err != nil {
		return
	}
	if mr.r > 0 {
		mr.w = copy(mr.buf, mr.buf[mr.r:mr.w])
		mr.r = 0
	}
	// Read until the buffer is half full (or the body ends): a network
	// read returns what one packet burst brought, and handing out big
	// chunks keeps the writes downstream few and large. The body always
	// ends with EOF, so this never waits for data that will not come.
	start := mr.w
	for mr.w < len(mr.buf) && (mr.w-start == 0 || mr.w < len(mr.buf)/2) {
		n, err := mr.src.Read(mr.buf[mr.w:])
		mr.w += n
		if err != nil {
			mr.err = err
			break
		}
	}
	mr.scan()
}

// Part is one part of the body; read its body with Read until io.EOF.
type Part struct {
	mr *Reader
	// Header holds the part's headers, keys lower-cased; later duplicates
	// win.
	Header map[string]string
	// Name is the Content-Disposition name, as sent.
	Name string
	// Filename is the Content-Disposition filename with its folders, as
	// sent: quoted-string escapes undone, browsers' %22/%0D/%0A kept (see
	// DecodedFilename). When the part has a UTF-8 filename* (RFC 5987,
	// UTF-8'lang'%xx...; it wins over filename, as RFC 6266 says), Filename is its decoded
	// value and FilenameExt is set. HasFilename tells an empty filename
	// from none.
	Filename    string
	HasFilename bool
	FilenameExt bool
	eof         bool
}

// DecodedFilename is Filename with the escapes browsers apply undone
// (UnescapeFilename), or Filename itself when it came from filename*,
// which has none.
func (p *Part) DecodedFilename() string {
	if p.FilenameExt {
		return p.Filename
	}
	return UnescapeFilename(p.Filename)
}

// filenameUnescaper undoes the only three escapes of the WHATWG
// multipart/form-data encoding algorithm, in the exact form browsers (and
// curl since 7.81) write them.
var filenameUnescaper = strings.NewReplacer("%22", "\"", "%0D", "\r", "%0A", "\n")

// UnescapeFilename turns the escapes that browsers apply to a filename in
// multipart/form-data (%22 for ", %0D for CR, %0A for LF, and no others;
// the HTML standard's multipart/form-data encoding algorithm) back into
// the characters. A % of the name itself is not escaped, so a name that
// really contains the text "%22" arrives the same as one with a quote:
// this function cannot tell them apart, and reads the escape. A caller
// that knows the expected names (a manifest) can try the raw Filename too.
func UnescapeFilename(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	return filenameUnescaper.Replace(s)
}

// NotAcceptedError is a well-formed part that asks for something this
// reader does not do (see the package comment); its message names the
// part, what it sent and what is accepted.
type NotAcceptedError struct{ Msg string }

func (e *NotAcceptedError) Error() string { return e.Msg }

func notAccepted(format string, args ...any) error {
	return &NotAcceptedError{fmt.Sprintf(format, args...)}
}

// Describe names a part for messages: its field name, and its filename if
// it has one.
func (p *Part) Describe() string {
	if p.HasFilename {
		return fmt.Sprintf("%q (filename %q)", p.Name, p.Filename)
	}
	return fmt.Sprintf("%q", p.Name)
}

// Read reads the part's body.
func (p *Part) Read(b []byte) (int, error) {
	if p.eof {
		return 0, io.EOF
	}
	mr := p.mr
	if mr.part != p {
		return 0, errors.New("formstream: read of a part after NextPart")
	}
	for {
		if mr.r < mr.end {
			n := copy(b, mr.buf[mr.r:mr.end])
			mr.r += n
			return n, nil
		}
		if mr.found {
			p.eof = true
			return 0, io.EOF
		}
		if mr.err != nil {
			if mr.err == io.EOF {
				return 0, ErrTruncated
			}
			return 0, mr.err
		}
		mr.fill()
	}
}

// WriteTo lets io.Copy hand buffered data straight to w, without a second
// buffer.
func (p *Part) WriteTo(w io.Writer) (int64, error) {
	var total int64
	mr := p.mr
	for !p.eof {
		if mr.part != p {
			return total, errors.New("formstream: read of a part after NextPart")
		}
		if mr.r < mr.end {
			n, err := w.Write(mr.buf[mr.r:mr.end])
			mr.r += n
			total += int64(n)
			if err != nil {
				return total, err
			}
			continue
		}
		if mr.found {
			p.eof = true
			break
		}
		if mr.err != nil {
			if mr.err == io.EOF {
				return total, ErrTruncated
			}
			return total, mr.err
		}
		mr.fill()
	}
	return total, nil
}

// NextPart discards the rest of the current part and returns the next one,
// or io.EOF after the closing boundary.
func (mr *Reader) NextPart() (*Part, error) {
	if mr.done {
		return nil, io.EOF
	}
	if _, err := io.Copy(io.Discard, mr.part); err != nil {
		return nil, err
	}
	// Now at the delimiter: need it plus "--" or the rest of its line.
	mr.r += len(mr.delim)
	line, err := mr.line(256)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(line, []byte("--")) {
		mr.done = true
		return nil, io.EOF
	}
	if len(bytes.Trim(line, " \t")) != 0 {
		return nil, fmt.Errorf("malformed multipart boundary line: unexpected %q after the boundary", line)
	}
	p := &Part{mr: mr, Header: map[string]string{}}
	total := 0
	last := ""
	for {
		line, err := mr.line(MaxHeaderBytes - total)
		if err != nil {
			return nil, fmt.Errorf("part headers: %w", err)
		}
		total += len(line) + 2
		if len(line) == 0 {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && last != "" { // obsolete folding
			p.Header[last] += " " + string(bytes.TrimSpace(line))
			continue
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(k) == 0 {
			return nil, fmt.Errorf("malformed part header line %q", line)
		}
		last = strings.ToLower(string(bytes.TrimSpace(k)))
		if _, dup := p.Header[last]; dup && strings.HasPrefix(last, "content-") {
			// Parsers disagree on which one counts: refuse both.
			return nil, fmt.Errorf("a part has two %s headers", bytes.TrimSpace(k))
		}
		p.Header[last] = string(bytes.TrimSpace(v))
	}
	cd, ok := p.Header["content-disposition"]
	if !ok {
		return nil, errors.New("multipart part has no Content-Disposition header")
	}
	if err := p.parseDisposition(cd); err != nil {
		return nil, err
	}
	if err := p.checkEncoding(); err != nil {
		return nil, err
	}
	mr.part = p
	mr.scan()
	return p, nil
}

// checkEncoding refuses a part whose bytes are not meant as they are.
func (p *Part) checkEncoding() error {
	switch cte := p.Header["content-transfer-encoding"]; strings.ToLower(cte) {
	case "", "7bit", "8bit", "binary":
	default:
		return notAccepted("Part %s has Content-Transfer-Encoding %q, which is not accepted: "+
			"only 7bit, 8bit and binary are (or no such header); send the bytes as they are", p.Describe(), cte)
	}
	switch ce := p.Header["content-encoding"]; strings.ToLower(ce) {
	case "", "identity":
	default:
		return notAccepted("Part %s has Content-Encoding %q, which is not accepted: "+
			"parts are read as they are sent, so only identity is (or no such header)", p.Describe(), ce)
	}
	if ct := p.Header["content-type"]; strings.HasPrefix(strings.ToLower(ct), "multipart/") {
		return notAccepted("Part %s has Content-Type %q, which is not accepted: "+
			"nested multipart parts (RFC 2388's multipart/mixed) are not read; send one part per file", p.Describe(), ct)
	}
	return nil
}

// line returns the next line (without CRLF or LF) of at most max bytes.
func (mr *Reader) line(max int) ([]byte, error) {
	for {
		if i := bytes.IndexByte(mr.buf[mr.r:mr.w], '\n'); i >= 0 {
			if i > max {
				break
			}
			l := mr.buf[mr.r : mr.r+i]
			mr.r += i + 1
			return bytes.TrimSuffix(l, []byte("\r")), nil
		}
		if mr.w-mr.r > max {
			break
		}
		if mr.err != nil {
			if mr.err == io.EOF {
				return nil, ErrTruncated
			}
			return nil, mr.err
		}
		mr.fill()
	}
	return nil, fmt.Errorf("multipart header line longer than %d bytes", max)
}
