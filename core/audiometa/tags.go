package audiometa

import (
	"errors"
	"fmt"
	"math"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
)

// cursorWindow is the most of the file a bounded.Cursor caches at once.
// Formats that lofty walks from end to end (ADTS frames, Musepack SV8
// packets, WavPack blocks) stream through this window instead of holding
// the file.
const cursorWindow = bounded.MaxWindow

// nextSync is lofty's search_for_frame_sync: the offset of the first
// 0xFF byte at or after the cursor whose next byte has its top three bits
// set. It consumes the bytes it looks at; at the end of the file it gives
// false with the position at the end.
func nextSync(c *bounded.Cursor) (int64, bool, error) {
	var prev byte
	have := false
	for c.Pos < c.Size() {
		w, err := c.Window(c.Pos, 1)
		if err != nil {
			return 0, false, err
		}
		for i, b := range w {
			if have && prev == 0xFF && b>>5 == 7 {
				c.Pos += int64(i) + 1
				return c.Pos - 2, true, nil
			}
			prev, have = b, true
		}
		c.Pos += int64(len(w))
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
func parseID3v2(c *bounded.Cursor) (id3v2Info, error) {
	h, err := c.ReadExact(10)
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
		x, err := c.ReadExact(6)
		if err != nil {
			return id3v2Info{}, fmt.Errorf("ID3v2 extended header: %w", err)
		}
		info.extSize = syncsafe(x[:4])
		if info.extSize < 6 {
			return id3v2Info{}, fmt.Errorf("ID3v2 extended header size %d (< 6)", info.extSize)
		}
		extFlags := x[5]
		if extFlags&0x20 != 0 {
			if _, err := c.ReadExact(6); err != nil {
				return id3v2Info{}, fmt.Errorf("ID3v2 extended header CRC: %w", err)
			}
		}
		if extFlags&0x10 != 0 {
			if _, err := c.ReadExact(2); err != nil {
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
func findID3v2(c *bounded.Cursor) (*id3v2Info, error) {
	h, err := parseID3v2(c)
	if err != nil {
		if err := c.Move(-10); err != nil {
			return nil, fmt.Errorf("no room for an ID3v2 header: %w", err)
		}
		return nil, nil
	}
	if int64(h.size) > c.Size()-c.Pos {
		return nil, fmt.Errorf("ID3v2 tag of %d bytes runs past the end of the file", h.size)
	}
	c.Pos += int64(h.size)
	if h.footer {
		c.Pos += 10
	}
	return &h, nil
}

// trailingTags is what lofty's APE, Musepack and WavPack readers do at the
// end of the file: an ID3v1 tag shortens the stream, the Lyrics3v2 probe
// seeks 15 bytes back and the APE footer probe 32 bytes back (so short
// files fail), and an APE footer must hold a valid size. It returns the
// stream length left and the APE tag's size (0 without one). When checked,
// the subtractions fail on underflow as in Musepack; APE and WavPack wrap.
func trailingTags(s *bounded.Reader, streamLen uint64, checked bool) (uint64, uint64, error) {
	pos := s.Size()
	if s.Size() >= 128 {
		b, err := s.Bytes(s.Size()-128, 3)
		if err != nil {
			return 0, 0, err
		}
		if string(b) == "TAG" {
			pos = s.Size() - 128
			if streamLen < 128 {
				return 0, 0, errors.New("ID3v1 tag larger than the stream")
			}
			streamLen -= 128
		}
	}
	if pos < 32 { // the Lyrics3v2 (15 bytes) and APE footer (32) probes
		return 0, 0, fmt.Errorf("%d bytes before the trailing tags, too few for lofty's 32-byte APE footer probe", pos)
	}
	f, err := s.Bytes(pos-32, 32)
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
	if int64(size) > s.Size() {
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
