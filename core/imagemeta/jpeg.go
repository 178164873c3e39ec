package imagemeta

import (
	"errors"
	"fmt"
	"io"

	"github.com/oxdrop/oxdrop/core/model"
)

// byteCursor reads single bytes at increasing offsets through a 1 KiB
// window, for the JPEG marker scan (which may skip stray bytes).
type byteCursor struct {
	s    *source
	base int64
	buf  []byte
	win  [1024]byte
}

func (c *byteCursor) u8(off int64) (byte, error) {
	if off >= c.base && off < c.base+int64(len(c.buf)) {
		return c.buf[off-c.base], nil
	}
	if off < 0 || off >= c.s.size {
		return 0, errTruncated
	}
	n := int(min(int64(len(c.win)), c.s.size-off))
	got, err := c.s.r.ReadAt(c.win[:n], off)
	if got < n {
		if err == nil || err == io.EOF {
			err = errTruncated
		}
		return 0, err
	}
	c.base, c.buf = off, c.win[:n]
	return c.buf[0], nil
}

func (c *byteCursor) u16(off int64) (uint16, error) {
	hi, err := c.u8(off)
	if err != nil {
		return 0, err
	}
	lo, err := c.u8(off + 1)
	return uint16(hi)<<8 | uint16(lo), err
}

// readJPEG follows zune-jpeg's header pass (the image crate's JPEG decoder,
// non-strict): bytes between segments are skipped until 0xFF, fill bytes
// (0xFF, 0x00) after it are skipped, and the headers must reach a valid
// start-of-scan. Only SOF0-2 are frame headers there: other SOFn are
// skipped as unknown segments, so a lossless or arithmetic JPEG has no
// frame and no size in Oxen. DQT/DHT/APPn contents are not validated here.
func readJPEG(s *source) (*model.ImageMeta, error) {
	c := &byteCursor{s: s}
	var frame *model.ImageMeta
	var ids [4]byte
	nComp := 0
	off := int64(2)
	for seg := 0; seg < maxChunks; seg++ {
		// Find the next marker.
		var last, m byte
		for {
			b, err := c.u8(off)
			if err != nil {
				return nil, fmt.Errorf("headers end before a start-of-scan: %w", err)
			}
			off++
			if last == 0xFF && (b == 0xFF || b == 0x00) {
				for b == 0xFF || b == 0x00 {
					if b, err = c.u8(off); err != nil {
						return nil, fmt.Errorf("headers end before a start-of-scan: %w", err)
					}
					off++
				}
			}
			if last == 0xFF {
				m = b
				break
			}
			last = b
		}
		switch {
		case m == 0xD9:
			return nil, errors.New("end of image before a start-of-scan")
		case m == 0xCC || m == 0xDC:
			return nil, fmt.Errorf("marker 0x%02x (arithmetic tables / DNL) is not supported", m)
		case m == 0xDD: // DRI
			l, err := c.u16(off)
			if err != nil {
				return nil, err
			}
			if l != 4 {
				return nil, fmt.Errorf("restart interval segment has length %d, not 4", l)
			}
			off += 4
			continue
		case m >= 0xC0 && m <= 0xC2:
			if frame != nil {
				return nil, errors.New("two start-of-frame markers")
			}
			var hdr [8]byte
			for i := range hdr {
				b, err := c.u8(off + int64(i))
				if err != nil {
					return nil, fmt.Errorf("frame header: %w", err)
				}
				hdr[i] = b
			}
			l, prec := be.Uint16(hdr[0:2]), hdr[2]
			h, w, n := be.Uint16(hdr[3:5]), be.Uint16(hdr[5:7]), hdr[7]
			switch {
			case prec != 8:
				return nil, fmt.Errorf("%d-bit precision (only 8 is supported)", prec)
			case w == 0 || h == 0:
				return nil, fmt.Errorf("zero width or height (%dx%d)", w, h)
			case n == 0 || n > 4:
				return nil, fmt.Errorf("%d components", n)
			case l != 8+3*uint16(n):
				return nil, fmt.Errorf("frame header length %d, want %d for %d components", l, 8+3*uint16(n), n)
			}
			for i := 0; i < int(n); i++ {
				var comp [3]byte
				for j := range comp {
					b, err := c.u8(off + 8 + int64(3*i+j))
					if err != nil {
						return nil, fmt.Errorf("frame component %d: %w", i, err)
					}
					comp[j] = b
				}
				hs, vs := comp[1]>>4, comp[1]&0x0F
				if hs == 0 || hs > 4 || hs&(hs-1) != 0 || vs == 0 || vs > 4 || comp[2] >= 4 {
					return nil, fmt.Errorf("frame component %d: sampling %dx%d, quantization table %d", i, hs, vs, comp[2])
				}
				ids[i] = comp[0]
			}
			nComp = int(n)
			cs := model.ColorUnknown
			switch n {
			case 1:
				cs = model.ColorGrayscale
			case 3:
				cs = model.ColorRGB
			}
			frame = &model.ImageMeta{Width: uint32(w), Height: uint32(h), ColorSpace: cs}
			off += int64(l)
			continue
		case m == 0xDA: // SOS
			if frame == nil {
				return nil, errors.New("start-of-scan before any frame header")
			}
			l, err := c.u16(off)
			if err != nil {
				return nil, err
			}
			ns, err := c.u8(off + 2)
			if err != nil {
				return nil, err
			}
			if ns < 1 || ns > 4 || l != 6+2*uint16(ns) {
				return nil, fmt.Errorf("start-of-scan with %d components and length %d", ns, l)
			}
			var seen [4]byte
			for i := 0; i < int(ns); i++ {
				id, err := c.u8(off + 3 + int64(2*i))
				if err != nil {
					return nil, err
				}
				if _, err := c.u8(off + 4 + int64(2*i)); err != nil {
					return nil, err
				}
				for _, prev := range seen[:i] {
					if prev == id {
						return nil, fmt.Errorf("scan component id %d appears twice", id)
					}
				}
				seen[i] = id
				known := false
				for _, fid := range ids[:nComp] {
					known = known || fid == id
				}
				if !known {
					return nil, fmt.Errorf("scan component id %d is not in the frame", id)
				}
			}
			return frame, nil
		}
		// Any other segment (APPn, COM, DQT, DHT, SOF3+, even RSTn) has a length.
		l, err := c.u16(off)
		if err != nil {
			return nil, fmt.Errorf("segment 0x%02x: %w", m, err)
		}
		if l < 2 {
			return nil, fmt.Errorf("segment 0x%02x has length %d < 2", m, l)
		}
		off += int64(l)
	}
	return nil, fmt.Errorf("no start-of-scan within the first %d segments", maxChunks)
}
