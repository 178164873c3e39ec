package imagemeta

import (
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
	"github.com/oxdrop/oxdrop/core/model"
)

// readICO picks the entry the image crate decodes (the highest bit depth,
// then the largest area; the first on ties) and reads its embedded PNG or
// headerless BMP. BMP entries decode to RGBA (the AND mask adds alpha); the
// BMP height counts both the image and its mask, so it is halved.
func readICO(s *bounded.Reader) (*model.ImageMeta, error) {
	h, err := s.At(0, 6)
	if err != nil {
		return nil, err
	}
	count := int64(le.Uint16(h[4:6]))
	if count == 0 {
		return nil, errors.New("ICO directory has no entries")
	}
	if 6+16*count > s.Size() {
		return nil, fmt.Errorf("ICO directory of %d entries runs past the end of the file", count)
	}
	var bestOff uint32
	var bestBPP uint16
	var bestArea uint32
	for i := int64(0); i < count; i++ {
		e, err := s.At(6+16*i, 16)
		if err != nil {
			return nil, err
		}
		planes, bpp := le.Uint16(e[4:6]), le.Uint16(e[6:8])
		if planes > 256 || bpp > 256 {
			return nil, fmt.Errorf("ICO entry %d has %d planes and %d bits per pixel", i, planes, bpp)
		}
		w, hh := uint32(e[0]), uint32(e[1])
		if w == 0 {
			w = 256
		}
		if hh == 0 {
			hh = 256
		}
		if i == 0 || bpp > bestBPP || bpp == bestBPP && w*hh > bestArea {
			bestOff, bestBPP, bestArea = le.Uint32(e[12:16]), bpp, w*hh
		}
	}
	off := int64(bestOff)
	if off >= s.Size() {
		return nil, fmt.Errorf("ICO image at %d is past the end of the file", off)
	}
	inner := s.Section(off)
	sig, err := inner.At(0, 8)
	if err != nil {
		return nil, err
	}
	if string(sig) == "\x89PNG\r\n\x1a\n" {
		return readPNG(inner)
	}
	return readDIB(inner, 0, true)
}
