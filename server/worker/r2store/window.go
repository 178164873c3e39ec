package r2store

import (
	"errors"
	"fmt"
	"io"
)

const (
	// windowSize is how much a ranged get fetches at least: metadata
	// parsers read headers in small pieces near each other.
	windowSize = 256 << 10
	// maxListLimit is R2's cap on keys per list call.
	maxListLimit = 1000
	// maxDeleteBatch is R2's cap on keys per delete call.
	maxDeleteBatch = 1000
	// chunkSize is the piece size of streaming puts: each piece costs a
	// JS round trip, so pieces are large (memory holds one or two).
	chunkSize = 1 << 20
	// partSize: unknown-size puts up to this are buffered and put in one
	// atomic call; larger ones are multipart uploads of parts this size (R2
	// wants equal parts of at least 5 MiB except the last).
	partSize = 8 << 20
)

// fetchFunc reads length bytes of the object at off (fewer only at its end).
type fetchFunc func(off int64, length int) ([]byte, error)

// window serves ReadAt calls from one cached range of an object, fetching
// at least windowSize bytes whenever a read falls outside it.
type window struct {
	size  int64
	fetch fetchFunc
	off   int64  // offset of buf in the object
	buf   []byte // cached bytes
}

func newWindow(size int64, fetch fetchFunc) *window {
	return &window{size: size, fetch: fetch}
}

// ReadAt implements io.ReaderAt over the cached window.
func (w *window) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("r2store: negative offset %d", off)
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		if pos >= w.size {
			return n, io.EOF
		}
		if pos < w.off || pos >= w.off+int64(len(w.buf)) {
			want := max(len(p)-n, windowSize)
			if rest := w.size - pos; int64(want) > rest {
				want = int(rest)
			}
			b, err := w.fetch(pos, want)
			if err != nil {
				return n, err
			}
			if len(b) == 0 {
				return n, errors.New("r2store: ranged get returned no bytes before the object's end")
			}
			w.off, w.buf = pos, b
		}
		n += copy(p[n:], w.buf[pos-w.off:])
	}
	return n, nil
}

// listLimit turns a caller's limit into one R2 accepts.
func listLimit(limit int) int {
	if limit <= 0 || limit > maxListLimit {
		return maxListLimit
	}
	return limit
}

// batches splits keys into groups R2's delete accepts.
func batches(keys []string, size int) [][]string {
	var out [][]string
	for len(keys) > 0 {
		n := min(size, len(keys))
		out = append(out, keys[:n])
		keys = keys[n:]
	}
	return out
}

// knownLength returns the remaining length of readers that know it
// (bytes.Reader, strings.Reader, bytes.Buffer), so a caller's size -1 can
// still stream as one atomic put.
func knownLength(r io.Reader) (int64, bool) {
	if l, ok := r.(interface{ Len() int }); ok {
		return int64(l.Len()), true
	}
	return 0, false
}

// exactReader yields exactly size bytes of r and fails if r is shorter or
// longer, so a put never stores a truncated or overlong object.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left == 0 {
		var one [1]byte
		n, err := io.ReadFull(e.r, one[:])
		if n > 0 {
			return 0, errors.New("r2store: body is longer than its declared size")
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return 0, io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		return n, fmt.Errorf("r2store: body ended %d bytes short of its declared size", e.left)
	}
	if err == io.EOF {
		err = nil
	}
	return n, err
}
