// Package formstream reads a multipart/form-data body part by part, as a
// stream, with one large buffer and bytes.Index to find boundaries.
//
// Why not mime/multipart: its part reader peeks 4 KiB at a time and scans
// byte windows for the boundary, which reached about a third of a plain disk
// write's speed; oxdrop's uploads are many gigabytes, so the boundary scan
// must run at memory speed. This reader finds each delimiter once per
// buffer fill and then hands out the data before it with plain copies.
//
// It also keeps headers raw: the caller reads the Content-Disposition
// filename itself, with its folders (Part.FileName in mime/multipart keeps
// only the base name). Limits: headers of a part are capped (MaxHeaderBytes)
// and there is no cap on the number of parts (the caller counts files).
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
	// Name and Filename come from Content-Disposition (Filename raw, with
	// folders; HasFilename tells an empty filename from none).
	Name        string
	Filename    string
	HasFilename bool
	eof         bool
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
		p.Header[last] = string(bytes.TrimSpace(v))
	}
	cd, ok := p.Header["content-disposition"]
	if !ok {
		return nil, errors.New("multipart part has no Content-Disposition header")
	}
	disp, params, err := mime.ParseMediaType(cd)
	if err != nil {
		return nil, fmt.Errorf("invalid Content-Disposition %q: %v", cd, err)
	}
	if disp != "form-data" {
		return nil, fmt.Errorf("Content-Disposition of a part is %q, not form-data", disp)
	}
	p.Name = params["name"]
	if p.Name == "" {
		return nil, errors.New("multipart part has no name in its Content-Disposition")
	}
	p.Filename, p.HasFilename = params["filename"]
	mr.part = p
	mr.scan()
	return p, nil
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
