package imagemeta

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
	"github.com/oxdrop/oxdrop/core/model"
)

// readTIFF reads the first IFD's size and sample layout.
func readTIFF(s *bounded.Reader) (*model.ImageMeta, error) {
	b, err := s.At(0, 8)
	if err != nil {
		return nil, err
	}
	var bo binary.ByteOrder = le
	if b[0] == 'M' {
		bo = be
	}
	ifd := int64(bo.Uint32(b[4:8]))
	c, err := s.At(ifd, 2)
	if err != nil {
		return nil, fmt.Errorf("first IFD at %d: %w", ifd, err)
	}
	n := int(bo.Uint16(c))
	if n > maxChunks {
		n = maxChunks
	}
	var w, h uint32
	photometric, spp, sampleFormat := uint32(1<<31), uint32(1), uint32(1)
	var bits uint32 = 1
	planar := uint32(1)
	hasData := false
	for i := 0; i < n; i++ {
		e, err := s.At(ifd+2+int64(12*i), 12)
		if err != nil {
			return nil, fmt.Errorf("IFD entry %d: %w", i, err)
		}
		tag, typ, count := bo.Uint16(e[0:2]), bo.Uint16(e[2:4]), bo.Uint32(e[4:8])
		// The first value, when it is inline: SHORT or LONG.
		var v uint32
		switch typ {
		case 3:
			v = uint32(bo.Uint16(e[8:10]))
		case 4:
			v = bo.Uint32(e[8:12])
		default:
			v = uint32(e[8])
		}
		if typ == 3 && count > 2 && tag == 258 {
			// BitsPerSample values live at an offset; all samples share one depth here.
			o, err := s.At(int64(bo.Uint32(e[8:12])), 2)
			if err != nil {
				return nil, fmt.Errorf("BitsPerSample: %w", err)
			}
			v = uint32(bo.Uint16(o))
		}
		switch tag {
		case 256:
			w = v
		case 257:
			h = v
		case 258:
			bits = v
		case 262:
			photometric = v
		case 277:
			spp = v
		case 339:
			sampleFormat = v
		case 284:
			planar = v
		case 273, 324: // StripOffsets, TileOffsets
			hasData = true
		}
	}
	if !hasData {
		return nil, errors.New("no StripOffsets or TileOffsets tag")
	}
	if photometric == 1<<31 {
		return nil, errors.New("no PhotometricInterpretation tag")
	}
	if w == 0 || h == 0 {
		return nil, fmt.Errorf("zero width or height (%dx%d)", w, h)
	}
	if planar > 1 {
		return nil, fmt.Errorf("planar configuration %d is not supported", planar)
	}
	if sampleFormat == 3 && bits != 32 || sampleFormat > 3 {
		return nil, fmt.Errorf("sample format %d with %d bits is not supported", sampleFormat, bits)
	}
	cs, err := tiffColor(photometric, spp, bits)
	if err != nil {
		return nil, err
	}
	return &model.ImageMeta{Width: w, Height: h, ColorSpace: cs}, nil
}

// tiffColor maps the sample layout as the tiff crate names it and the image
// crate accepts it; the layouts the image crate refuses (palettes, YCbCr,
// odd bit depths) are errors, since Oxen then has no metadata. CMYK, which
// the image crate converts to RGB, is reported as Unknown here (the encoded
// model has no enum value).
func tiffColor(photometric, spp, bits uint32) (string, error) {
	switch {
	case (photometric == 0 || photometric == 1) && spp == 1:
		switch bits {
		case 1, 8:
			return model.ColorGrayscale, nil
		case 16:
			return model.ColorGrayscale16, nil
		}
	case (photometric == 0 || photometric == 1) && spp == 2:
		switch bits {
		case 8:
			return model.ColorGrayscaleAlpha, nil
		case 16:
			return model.ColorGrayscaleAlpha16, nil
		}
	case photometric == 2 && spp == 3:
		switch bits {
		case 8:
			return model.ColorRGB, nil
		case 16:
			return model.ColorRgb16, nil
		case 32:
			return model.ColorRgb32F, nil
		}
	case photometric == 2 && spp == 4:
		switch bits {
		case 8:
			return model.ColorRGBA, nil
		case 16:
			return model.ColorRgba16, nil
		case 32:
			return model.ColorRgba32F, nil
		}
	case photometric == 5 && spp == 4 && (bits == 8 || bits == 16):
		return model.ColorUnknown, nil
	}
	return "", fmt.Errorf("photometric interpretation %d with %d samples of %d bits is not supported", photometric, spp, bits)
}
