package imagemeta

import (
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
	"github.com/oxdrop/oxdrop/core/model"
)

// readGIF reads the logical screen size, which the image crate reports; the
// gif crate's read_info also needs the global color table the flags
// announce. The image crate decodes GIFs to RGBA.
func readGIF(s *bounded.Reader) (*model.ImageMeta, error) {
	b, err := s.At(6, 7)
	if err != nil {
		return nil, err
	}
	w, h, flags := uint32(le.Uint16(b[0:2])), uint32(le.Uint16(b[2:4])), b[4]
	if flags&0x80 != 0 {
		table := int64(3) << (flags&7 + 1)
		if 13+table > s.Size() {
			return nil, fmt.Errorf("global color table of %d bytes runs past the end of the file", table)
		}
	}
	return &model.ImageMeta{Width: w, Height: h, ColorSpace: model.ColorRGBA}, nil
}
