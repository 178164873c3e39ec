package imagemeta

import (
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
	"github.com/oxdrop/oxdrop/core/model"
)

// readBMP reads a bitmap's headers as the image crate's BMP decoder does.
func readBMP(s *bounded.Reader) (*model.ImageMeta, error) { return readDIB(s, 14, false) }

// readDIB reads the DIB header at off (14 in a .bmp, 0 inside an icon):
// the image crate's read_metadata checks, including that the palette of an
// indexed bitmap is in the file. Only 16/32-bit bitfields with an alpha mask
// (V3+ headers) decode to RGBA, and icons always do (their AND mask).
func readDIB(s *bounded.Reader, off int64, ico bool) (*model.ImageMeta, error) {
	b, err := s.At(off, 4)
	if err != nil {
		return nil, err
	}
	hdr := int64(le.Uint32(b))
	switch hdr {
	case 12, 40, 52, 56, 108, 124:
	default:
		return nil, fmt.Errorf("unsupported DIB header size %d", hdr)
	}
	var w, h int64
	var bpp uint16
	var compression, colorsUsed uint32
	if hdr == 12 {
		c, err := s.At(off+4, 8)
		if err != nil {
			return nil, err
		}
		w, h, bpp = int64(le.Uint16(c[0:2])), int64(le.Uint16(c[2:4])), le.Uint16(c[6:8])
		if le.Uint16(c[4:6]) != 1 {
			return nil, errors.New("more than one color plane")
		}
		if bpp != 1 && bpp != 4 && bpp != 8 && bpp != 24 {
			return nil, fmt.Errorf("%d bits per pixel in an OS/2 bitmap", bpp)
		}
	} else {
		c, err := s.At(off+4, 36)
		if err != nil {
			return nil, err
		}
		w, h = int64(int32(le.Uint32(c[0:4]))), int64(int32(le.Uint32(c[4:8])))
		bpp, compression, colorsUsed = le.Uint16(c[10:12]), le.Uint32(c[12:16]), le.Uint32(c[28:32])
		switch {
		case w < 0:
			return nil, fmt.Errorf("negative width %d", w)
		case w > 0xFFFF || h > 0xFFFF:
			return nil, fmt.Errorf("%dx%d is larger than 65535", w, h)
		case h == -1<<31:
			return nil, errors.New("invalid height")
		case le.Uint16(c[8:10]) != 1:
			return nil, errors.New("more than one color plane")
		}
		if h < 0 {
			h = -h
			if compression != 0 && compression != 3 {
				return nil, fmt.Errorf("compression %d in a top-down bitmap", compression)
			}
		}
		ok := false
		switch compression {
		case 0:
			ok = bpp == 1 || bpp == 2 || bpp == 4 || bpp == 8 || bpp == 16 || bpp == 24 || bpp == 32
		case 1:
			ok = bpp == 8
		case 2:
			ok = bpp == 4
		case 3:
			ok = bpp == 16 || bpp == 32
		}
		if !ok {
			return nil, fmt.Errorf("compression %d with %d bits per pixel is not supported", compression, bpp)
		}
	}
	cs := model.ColorRGB
	if compression == 3 {
		m, err := s.At(off+40, 16)
		if err != nil {
			return nil, fmt.Errorf("bit masks: %w", err)
		}
		if hdr >= 56 && le.Uint32(m[12:16]) != 0 {
			cs = model.ColorRGBA
		}
	}
	indexed := hdr == 12 && bpp <= 8 || hdr > 12 && (compression == 1 || compression == 2 || compression == 0 && bpp <= 8)
	if indexed {
		entries := int64(1) << bpp
		if colorsUsed != 0 {
			if int64(colorsUsed) > entries {
				return nil, fmt.Errorf("%d palette colors for %d bits per pixel", colorsUsed, bpp)
			}
			entries = int64(colorsUsed)
		}
		perColor := int64(4)
		if hdr == 12 {
			perColor = 3
		}
		if n := min(entries, 256) * perColor; off+hdr+n > s.Size() {
			return nil, fmt.Errorf("palette of %d bytes runs past the end of the file", n)
		}
	}
	if ico {
		h /= 2 // the height counts the AND mask too
		cs = model.ColorRGBA
	}
	return &model.ImageMeta{Width: uint32(w), Height: uint32(h), ColorSpace: cs}, nil
}
