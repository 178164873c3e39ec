package audiometa

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// cursorWindow is how much of the file a cursor caches at once. Formats
// that lofty walks from end to end (ADTS frames, Musepack SV8 packets,
// WavPack blocks) stream through this window instead of holding the file.
const cursorWindow = 64 << 10

// errEOF is what a cursor returns for a read that runs past the end, as
// Rust's read_exact fails with UnexpectedEof.
var errEOF = io.ErrUnexpectedEOF

// cursor reads a source sequentially with seeks, the way lofty reads a
// BufReader<File>: a failed read leaves the position at the end of the file
// (the bytes before the end were consumed), a seek may go past the end but
// not before the start.
type cursor struct {
	s      *source
	pos    int64
	win    []byte // bytes of the file from winOff
	winOff int64
	next   int // size of the next window load
}

func newCursor(s *source, pos int64) *cursor { return &cursor{s: s, pos: pos} }

// window returns the cached bytes from off onwards, loading a new window
// of at least need bytes (when the file has them) when off is outside the
// cached one; empty at or past the end.
func (c *cursor) window(off int64, need int) ([]byte, error) {
	if off >= c.s.size {
		return nil, nil
	}
	if off >= c.winOff && off < c.winOff+int64(len(c.win)) {
		return c.win[off-c.winOff:], nil
	}
	// The first window is small (most readers want a header), and each
	// reload doubles it up to cursorWindow for the readers that walk on.
	c.next = min(max(2*c.next, 4<<10), cursorWindow)
	n := int(min(int64(max(c.next, need)), c.s.size-off))
	if cap(c.win) < n {
		c.win = make([]byte, n)
	}
	c.win = c.win[:n]
	if _, err := c.s.readAt(c.win, off); err != nil {
		c.win = c.win[:0]
		return nil, err
	}
	c.winOff = off
	return c.win, nil
}

// readExact returns the next n bytes (valid until the next read) and
// advances; past the end it fails and leaves the position at the end.
func (c *cursor) readExact(n int) ([]byte, error) {
	if n < 0 || n > maxRead {
		return nil, fmt.Errorf("read of %d bytes exceeds the %d-byte cap", n, maxRead)
	}
	if c.pos < 0 || int64(n) > c.s.size-c.pos {
		c.pos = max(c.pos, c.s.size)
		return nil, errEOF
	}
	if n > cursorWindow {
		b, err := c.s.bytesAt(c.pos, n)
		if err == nil {
			c.pos += int64(n)
		}
		return b, err
	}
	w, err := c.window(c.pos, n)
	if err != nil {
		return nil, err
	}
	if len(w) < n { // the cached window ends too soon: reload from pos
		c.win = c.win[:0]
		if w, err = c.window(c.pos, n); err != nil {
			return nil, err
		}
	}
	c.pos += int64(n)
	return w[:n], nil
}

// readU8 reads one byte.
func (c *cursor) readU8() (byte, error) {
	b, err := c.readExact(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// seek moves by delta; like Rust's File seek it fails before the start.
func (c *cursor) seek(delta int64) error { return c.seekTo(c.pos + delta) }

func (c *cursor) seekTo(off int64) error {
	if off < 0 {
		return fmt.Errorf("seek to negative offset %d", off)
	}
	c.pos = off
	return nil
}

// searchSync is lofty's search_for_frame_sync: the offset of the first
// 0xFF byte at or after the position whose next byte has its top three bits
// set. It consumes the bytes it looks at; at the end of the file it gives
// false with the position at the end.
func (c *cursor) searchSync() (int64, bool, error) {
	var prev byte
	have := false
	for c.pos < c.s.size {
		w, err := c.window(c.pos, 1)
		if err != nil {
			return 0, false, err
		}
		for i, b := range w {
			if have && prev == 0xFF && b>>5 == 7 {
				c.pos += int64(i) + 1
				return c.pos - 2, true, nil
			}
			prev, have = b, true
		}
		c.pos += int64(len(w))
	}
	return 0, false, nil
}

// id3v2Info is what lofty's Id3v2Header::parse gives back.
type id3v2Info struct {
	size, extSize uint32
	footer        bool
}

// fullSize is lofty's Id3v2Header::full_tag_size.
func (h id3v2Info) fullSize() uint64 {
	n := uint64(h.size) + 10 + uint64(h.extSize)
	if h.footer {
		n += 10
	}
	return n
}

// parseID3v2 is lofty's Id3v2Header::parse at the cursor: the 10-byte
// header and, for v3/v4 with the flag set, the extended header fields it
// reads (size, flag count, flags, CRC, restrictions), which it consumes.
func parseID3v2(c *cursor) (id3v2Info, error) {
	h, err := c.readExact(10)
	if err != nil {
		return id3v2Info{}, fmt.Errorf("ID3v2 header: %w", err)
	}
	if string(h[:3]) != "ID3" {
		return id3v2Info{}, errors.New("not an ID3v2 tag")
	}
	major, flags := h[3], h[5]
	if major < 2 || major > 4 {
		return id3v2Info{}, fmt.Errorf("ID3v2 major version %d is not 2, 3 or 4", major)
	}
	if major == 2 && flags&0x40 != 0 {
		return id3v2Info{}, errors.New("ID3v2.2 tag with compression")
	}
	info := id3v2Info{size: syncsafe(h[6:10]), footer: major >= 3 && flags&0x10 != 0}
	if major >= 3 && flags&0x40 != 0 {
		x, err := c.readExact(6)
		if err != nil {
			return id3v2Info{}, fmt.Errorf("ID3v2 extended header: %w", err)
		}
		info.extSize = syncsafe(x[:4])
		if info.extSize < 6 {
			return id3v2Info{}, fmt.Errorf("ID3v2 extended header size %d (< 6)", info.extSize)
		}
		extFlags := x[5]
		if extFlags&0x20 != 0 {
			if _, err := c.readExact(6); err != nil {
				return id3v2Info{}, fmt.Errorf("ID3v2 extended header CRC: %w", err)
			}
		}
		if extFlags&0x10 != 0 {
			if _, err := c.readExact(2); err != nil {
				return id3v2Info{}, fmt.Errorf("ID3v2 extended header restrictions: %w", err)
			}
		}
		if info.extSize >= info.size {
			return id3v2Info{}, fmt.Errorf("ID3v2 extended header size %d is invalid for a %d-byte tag", info.extSize, info.size)
		}
	}
	return info, nil
}

// findID3v2 is lofty's find_id3v2 with tag reading on (APE, Musepack): a
// valid header is followed by size bytes that must all be present (lofty
// reads them) and an optional footer; an invalid one sends the cursor 10
// bytes back from wherever parsing stopped. It returns the header or nil.
// The tag's frames are not parsed, which lofty also does (see the report
// in the package README for that limit).
func findID3v2(c *cursor) (*id3v2Info, error) {
	h, err := parseID3v2(c)
	if err != nil {
		if err := c.seek(-10); err != nil {
			return nil, fmt.Errorf("no room for an ID3v2 header: %w", err)
		}
		return nil, nil
	}
	if int64(h.size) > c.s.size-c.pos {
		return nil, fmt.Errorf("ID3v2 tag of %d bytes runs past the end of the file", h.size)
	}
	c.pos += int64(h.size)
	if h.footer {
		c.pos += 10
	}
	return &h, nil
}

// trailingTags is what lofty's APE, Musepack and WavPack readers do at the
// end of the file: an ID3v1 tag shortens the stream, the Lyrics3v2 probe
// seeks 15 bytes back and the APE footer probe 32 bytes back (so short
// files fail), and an APE footer must hold a valid size. It returns the
// stream length left and the APE tag's size (0 without one). When checked,
// the subtractions fail on underflow as in Musepack; APE and WavPack wrap.
func trailingTags(s *source, streamLen uint64, checked bool) (uint64, uint64, error) {
	pos := s.size
	if s.size >= 128 {
		b, err := s.bytesAt(s.size-128, 3)
		if err != nil {
			return 0, 0, err
		}
		if string(b) == "TAG" {
			pos = s.size - 128
			if streamLen < 128 {
				return 0, 0, errors.New("ID3v1 tag larger than the stream")
			}
			streamLen -= 128
		}
	}
	if pos < 32 { // the Lyrics3v2 (15 bytes) and APE footer (32) probes
		return 0, 0, fmt.Errorf("%d bytes before the trailing tags, too few for lofty's 32-byte APE footer probe", pos)
	}
	f, err := s.bytesAt(pos-32, 32)
	if err != nil {
		return 0, 0, err
	}
	if string(f[:8]) != "APETAGEX" {
		return streamLen, 0, nil
	}
	version := le32(f[8:])
	size := le32(f[12:])
	if size < 32 {
		return 0, 0, fmt.Errorf("APE tag size %d (< 32)", size)
	}
	if int64(size) > pos { // lofty seeks from the footer back to the items
		return 0, 0, fmt.Errorf("APE tag size %d larger than the file before it", size)
	}
	if version == 2000 {
		size = uint32(min(uint64(size)+32, math.MaxUint32))
	}
	if int64(size) > s.size {
		return 0, 0, fmt.Errorf("APE tag size %d larger than the file", size)
	}
	if checked {
		// lofty reads the items, skips the footer, then seeks back by
		// the size from there: the tag's end when its items are sound.
		if int64(size) > pos {
			return 0, 0, fmt.Errorf("APE tag of %d bytes starts before the file", size)
		}
		if streamLen < uint64(size) {
			return 0, 0, fmt.Errorf("APE tag of %d bytes larger than the stream", size)
		}
	}
	return streamLen - uint64(size), uint64(size), nil
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// msFromFloat is Rust's `f as u64` for a float millisecond count:
// truncation that saturates at 0 and at the u64 maximum (NaN gives 0).
func msFromFloat(f float64) uint64 {
	switch {
	case !(f > 0):
		return 0
	case f >= 18446744073709551615.0:
		return math.MaxUint64
	}
	return uint64(f)
}
