package repobuild

import (
	"io"
	"sync"
)

// The describers read headers and footers through an io.ReaderAt. A file
// has just streamed through the server on its way to the store, so instead
// of opening the stored blob again (on R2: a HEAD and ranged GETs per
// file), a creation keeps the first and the last bytes of each file as
// they pass (windows) and answers the describers from them. Only a read
// that falls outside both windows (a tag deep inside a big file, a table's
// schema past the head) opens the stored blob, once.

// Window sizes: enough for the headers and footers of almost every file
// (and the whole of a small one), little enough to keep per creation in
// progress.
const (
	headWindow = 256 << 10
	tailWindow = 256 << 10
)

// windows collects a file's head and tail while it is written.
type windows struct {
	head []byte
	tail []byte // a ring of the last tailWindow bytes once full
	next int    // where the ring's next byte goes
	n    int64  // bytes seen
}

func (w *windows) reset() {
	w.head, w.tail, w.next, w.n = w.head[:0], w.tail[:0], 0, 0
}

// Write keeps what falls in the head, and the latest tailWindow bytes.
func (w *windows) Write(p []byte) (int, error) {
	n := len(p)
	w.n += int64(n)
	if room := headWindow - len(w.head); room > 0 {
		k := min(room, len(p))
		w.head = append(w.head, p[:k]...)
		p = p[k:]
	}
	if len(p) >= tailWindow {
		w.tail = append(w.tail[:0], p[len(p)-tailWindow:]...)
		w.next = 0
		return n, nil
	}
	for len(p) > 0 {
		if len(w.tail) < tailWindow {
			k := min(tailWindow-len(w.tail), len(p))
			w.tail = append(w.tail, p[:k]...)
			p = p[k:]
			continue
		}
		k := copy(w.tail[w.next:], p)
		w.next = (w.next + k) % tailWindow
		p = p[k:]
	}
	return n, nil
}

// tailBytes returns the tail in file order (the ring unrolled in place).
func (w *windows) tailBytes() []byte {
	if w.next != 0 {
		rot := append(append(make([]byte, 0, len(w.tail)), w.tail[w.next:]...), w.tail[:w.next]...)
		w.tail, w.next = rot, 0
	}
	return w.tail
}

// windowReader answers ReadAt from the windows, opening the stored blob
// only for a read outside them.
type windowReader struct {
	head, tail []byte
	size       int64
	tailStart  int64
	open       func() (io.ReaderAt, io.Closer, error)

	once   sync.Once
	blob   io.ReaderAt
	closer io.Closer
	err    error
	opened bool // for tests and the log: the blob had to be read
}

func (w *windows) reader(open func() (io.ReaderAt, io.Closer, error)) *windowReader {
	tail := w.tailBytes()
	return &windowReader{head: w.head, tail: tail, size: w.n, tailStart: w.n - int64(len(tail)), open: open}
}

func (r *windowReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if off >= r.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), r.size)
	switch {
	case end <= int64(len(r.head)):
		n := copy(p, r.head[off:end])
		return r.short(n, p)
	case off >= r.tailStart:
		n := copy(p, r.tail[off-r.tailStart:end-r.tailStart])
		return r.short(n, p)
	case r.tailStart <= int64(len(r.head)): // head and tail meet: the whole file is here
		n := copy(p, r.head[off:])
		n += copy(p[n:], r.tail[int64(len(r.head))-r.tailStart:end-r.tailStart])
		return r.short(n, p)
	}
	r.once.Do(func() {
		r.opened = true
		r.blob, r.closer, r.err = r.open()
	})
	if r.err != nil {
		return 0, r.err
	}
	return r.blob.ReadAt(p, off)
}

// short reports io.EOF when a read served from a window stops at the end.
func (r *windowReader) short(n int, p []byte) (int, error) {
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Close closes the blob if it was opened.
func (r *windowReader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}
