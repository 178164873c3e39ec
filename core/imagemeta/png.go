package imagemeta

import (
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
	"github.com/oxdrop/oxdrop/core/model"
)

// readPNG reads IHDR and walks the chunks up to the first IDAT, as the png
// crate's read_info does: it verifies each chunk's CRC (the png crate
// rejects a mismatch, so Oxen has no size then) and notes a tRNS, which
// adds alpha.
func readPNG(s *bounded.Reader) (*model.ImageMeta, error) {
	b, err := s.At(8, 25)
	if err != nil {
		return nil, err
	}
	if be.Uint32(b[0:4]) != 13 || string(b[4:8]) != "IHDR" {
		return nil, errors.New("first chunk is not a 13-byte IHDR")
	}
	w, h := be.Uint32(b[8:12]), be.Uint32(b[12:16])
	depth, ctype := b[16], b[17]
	if w == 0 || h == 0 || w > 1<<31-1 || h > 1<<31-1 {
		return nil, fmt.Errorf("invalid dimensions %dx%d", w, h)
	}
	if b[18] != 0 || b[19] != 0 || b[20] > 1 {
		return nil, fmt.Errorf("unknown compression %d, filter %d or interlace %d method", b[18], b[19], b[20])
	}
	off := int64(8)
	trns := false
	for i := 0; ; i++ {
		if i == maxChunks {
			return nil, fmt.Errorf("no IDAT within the first %d chunks", maxChunks)
		}
		c, err := s.At(off, 8)
		if err != nil {
			return nil, fmt.Errorf("no IDAT chunk: %w", err)
		}
		n := int64(be.Uint32(c[0:4]))
		if n > 1<<31-1 {
			return nil, fmt.Errorf("chunk length %d exceeds 2^31-1", n)
		}
		typ := string(c[4:8])
		if typ == "IDAT" {
			break
		}
		if typ == "tRNS" {
			trns = true
		}
		if typ == "IHDR" && i > 0 {
			return nil, errors.New("a second IHDR chunk")
		}
		// The CRC covers the type and the data.
		sum, err := crc32At(s, off+4, 4+n)
		if err != nil {
			return nil, fmt.Errorf("%q chunk: %w", typ, err)
		}
		stored, err := s.At(off+8+n, 4)
		if err != nil {
			return nil, fmt.Errorf("%q chunk CRC: %w", typ, err)
		}
		if got := be.Uint32(stored); got != sum {
			return nil, fmt.Errorf("%q chunk CRC is %08x, computed %08x", typ, got, sum)
		}
		off += 12 + n
	}
	cs, err := pngColor(ctype, depth, trns)
	if err != nil {
		return nil, err
	}
	return &model.ImageMeta{Width: w, Height: h, ColorSpace: cs}, nil
}

// pngDepths lists the bit depths the PNG spec allows per color type.
var pngDepths = map[byte][]byte{0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}

// pngColor maps color type and bit depth to the color model the image crate
// decodes to: low bit depths expand to 8 bits, palettes to RGB(A), and a
// tRNS chunk adds an alpha channel.
func pngColor(ctype, depth byte, trns bool) (string, error) {
	ok := false
	for _, d := range pngDepths[ctype] {
		ok = ok || d == depth
	}
	if !ok {
		return "", fmt.Errorf("invalid color type %d with bit depth %d", ctype, depth)
	}
	wide := depth == 16
	switch ctype {
	case 0:
		switch {
		case trns && wide:
			return model.ColorGrayscaleAlpha16, nil
		case trns:
			return model.ColorGrayscaleAlpha, nil
		case wide:
			return model.ColorGrayscale16, nil
		}
		return model.ColorGrayscale, nil
	case 2:
		switch {
		case trns && wide:
			return model.ColorRgba16, nil
		case trns:
			return model.ColorRGBA, nil
		case wide:
			return model.ColorRgb16, nil
		}
		return model.ColorRGB, nil
	case 3:
		if trns {
			return model.ColorRGBA, nil
		}
		return model.ColorRGB, nil
	case 4:
		if wide {
			return model.ColorGrayscaleAlpha16, nil
		}
		return model.ColorGrayscaleAlpha, nil
	default: // 6
		if wide {
			return model.ColorRgba16, nil
		}
		return model.ColorRGBA, nil
	}
}

// crcBlock is the read size when checksumming chunk data.
const crcBlock = 1024

// crc32At returns the IEEE CRC of the n bytes at off, read crcBlock at a
// time; a span past the end fails before anything is read.
func crc32At(s *bounded.Reader, off, n int64) (uint32, error) {
	if off < 0 || n < 0 || off > s.Size() || s.Size()-off < n {
		return 0, &bounded.PastEndError{N: n, Off: off, Size: s.Size()}
	}
	var buf [crcBlock]byte
	var sum uint32
	for n > 0 {
		want := buf[:min(n, crcBlock)]
		got, err := s.ReadAt(want, off)
		if err != nil {
			return 0, err
		}
		sum = crc32.Update(sum, crc32.IEEETable, want)
		off += int64(got)
		n -= int64(got)
	}
	return sum, nil
}
