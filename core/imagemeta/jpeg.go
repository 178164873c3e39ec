package imagemeta

import (
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
	"github.com/oxdrop/oxdrop/core/model"
)

// jpegWindow is the window the JPEG marker scan reads bytes through
// (which may skip stray bytes between segments).
const jpegWindow = 1 << 10

// byteAt is the byte at off, read through s's window.
func byteAt(s *bounded.Reader, off int64) (byte, error) {
	w, err := s.Window(off, 1)
	if err != nil {
		return 0, err
	}
	if len(w) == 0 {
		return 0, &bounded.PastEndError{N: 1, Off: off, Size: s.Size()}
	}
	return w[0], nil
}

// u16At is the big-endian uint16 at off, read through s's window.
func u16At(s *bounded.Reader, off int64) (uint16, error) {
	hi, err := byteAt(s, off)
	if err != nil {
		return 0, err
	}
	lo, err := byteAt(s, off+1)
	return uint16(hi)<<8 | uint16(lo), err
}

// readJPEG follows zune-jpeg's header pass (the image crate's JPEG decoder,
// non-strict): bytes between segments are skipped until 0xFF, fill bytes
// (0xFF, 0x00) after it are skipped, and the headers must reach a valid
// start-of-scan. Only SOF0-2 are frame headers there: other SOFn are
// skipped as unknown segments, so a lossless or arithmetic JPEG has no
// frame and no size in Oxen. DQT/DHT/APPn contents are not validated here.
func readJPEG(s *bounded.Reader) (*model.ImageMeta, error) {
	var frame *model.ImageMeta
	var ids [4]byte
	nComp := 0
	off := int64(2)
	for seg := 0; seg < maxChunks; seg++ {
		// Find the next marker.
		var last, m byte
		for {
			b, err := byteAt(s, off)
			if err != nil {
				return nil, fmt.Errorf("headers end before a start-of-scan: %w", err)
			}
			off++
			if last == 0xFF && (b == 0xFF || b == 0x00) {
				for b == 0xFF || b == 0x00 {
					if b, err = byteAt(s, off); err != nil {
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
			l, err := u16At(s, off)
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
				b, err := byteAt(s, off+int64(i))
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
					b, err := byteAt(s, off+8+int64(3*i+j))
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
			l, err := u16At(s, off)
			if err != nil {
				return nil, err
			}
			ns, err := byteAt(s, off+2)
			if err != nil {
				return nil, err
			}
			if ns < 1 || ns > 4 || l != 6+2*uint16(ns) {
				return nil, fmt.Errorf("start-of-scan with %d components and length %d", ns, l)
			}
			var seen [4]byte
			for i := 0; i < int(ns); i++ {
				id, err := byteAt(s, off+3+int64(2*i))
				if err != nil {
					return nil, err
				}
				if _, err := byteAt(s, off+4+int64(2*i)); err != nil {
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
		l, err := u16At(s, off)
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
