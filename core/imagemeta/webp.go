package imagemeta

import (
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
	"github.com/oxdrop/oxdrop/core/model"
)

// readWebP follows image-webp 0.2's read_data (the image crate's WebP
// decoder): the first chunk is VP8, VP8L or VP8X; an extended file's chunk
// list must be consistent with its flags.
func readWebP(s *bounded.Reader) (*model.ImageMeta, error) {
	c, err := s.At(4, 12)
	if err != nil {
		return nil, err
	}
	riffSize, kind := int64(le.Uint32(c[0:4])), string(c[8:12])
	sz, err := s.At(16, 4)
	if err != nil {
		return nil, err
	}
	size := int64(le.Uint32(sz))
	switch kind {
	case "VP8 ":
		p, err := s.At(20, 10)
		if err != nil {
			return nil, err
		}
		if p[0]&1 != 0 {
			return nil, errors.New("VP8 frame is not a key frame")
		}
		if p[3] != 0x9D || p[4] != 0x01 || p[5] != 0x2A {
			return nil, errors.New("VP8 start code missing")
		}
		// The top two bits of each are upscaling hints, not size.
		w, h := uint32(le.Uint16(p[6:8])&0x3FFF), uint32(le.Uint16(p[8:10])&0x3FFF)
		if w == 0 || h == 0 {
			return nil, fmt.Errorf("VP8 frame of %dx%d", w, h)
		}
		return &model.ImageMeta{Width: w, Height: h, ColorSpace: model.ColorRGB}, nil
	case "VP8L":
		p, err := s.At(20, 5)
		if err != nil {
			return nil, err
		}
		if p[0] != 0x2F {
			return nil, errors.New("VP8L signature missing")
		}
		v := le.Uint32(p[1:5])
		if v>>29 != 0 {
			return nil, fmt.Errorf("VP8L version %d is not 0", v>>29)
		}
		cs := model.ColorRGB
		if v>>28&1 == 1 {
			cs = model.ColorRGBA
		}
		// image-webp adds 1 before masking, so 16384 wraps to 0 there (and
		// it does not reject the 0).
		return &model.ImageMeta{Width: (1 + v) & 0x3FFF, Height: (1 + v>>14) & 0x3FFF, ColorSpace: cs}, nil
	case "VP8X":
		return readWebPExtended(s, riffSize, size)
	}
	return nil, fmt.Errorf("unknown first chunk %q", kind)
}

// readWebPExtended reads the VP8X header and walks the chunks after it.
func readWebPExtended(s *bounded.Reader, riffSize, vp8xSize int64) (*model.ImageMeta, error) {
	p, err := s.At(20, 10)
	if err != nil {
		return nil, err
	}
	flags := p[0]
	alpha, exif, xmp, anim := flags&0x10 != 0, flags&0x08 != 0, flags&0x04 != 0, flags&0x02 != 0
	w := (uint32(p[4]) | uint32(p[5])<<8 | uint32(p[6])<<16) + 1
	h := (uint32(p[7]) | uint32(p[8])<<8 | uint32(p[9])<<16) + 1
	if uint64(w)*uint64(h) > 1<<32-1 {
		return nil, fmt.Errorf("canvas %dx%d has more than 2^32-1 pixels", w, h)
	}
	type span struct{ start, end int64 }
	chunks := map[string]span{}
	round := func(n int64) int64 { return n + n&1 }
	pos := 20 + round(vp8xSize)
	maxPos := pos + max(riffSize-12, 0)
	for i := 0; pos < maxPos; i++ {
		if i == maxChunks {
			return nil, fmt.Errorf("more than %d chunks", maxChunks)
		}
		hdr, err := s.At(pos, 8)
		if bounded.Truncated(err) {
			break // the file ends: image-webp stops here too
		} else if err != nil {
			return nil, err
		}
		name, n := string(hdr[0:4]), int64(le.Uint32(hdr[4:8]))
		start := pos + 8
		pos += 8 + round(n)
		switch name {
		case "VP8 ", "VP8L", "ALPH", "ANIM", "ANMF", "ICCP", "EXIF", "XMP ", "RIFF", "WEBP", "VP8X":
			if _, ok := chunks[name]; !ok {
				chunks[name] = span{start, start + n}
			}
		}
		if name == "ANMF" {
			if n < 24 {
				return nil, fmt.Errorf("ANMF chunk of %d bytes, want at least 24", n)
			}
			if _, err := s.At(start+12, 4); err != nil { // frame duration
				return nil, fmt.Errorf("ANMF chunk: %w", err)
			}
			if _, err := s.At(start+16, 8); err != nil { // first sub-chunk header
				return nil, fmt.Errorf("ANMF chunk: %w", err)
			}
		}
	}
	has := func(name string) bool { _, ok := chunks[name]; return ok }
	switch {
	case anim && (!has("ANIM") || !has("ANMF")):
		return nil, errors.New("animated, without ANIM and ANMF chunks")
	case exif && !has("EXIF"):
		return nil, errors.New("EXIF flag set, no EXIF chunk")
	case xmp && !has("XMP "):
		return nil, errors.New("XMP flag set, no XMP chunk")
	case !anim && has("VP8 ") == has("VP8L"):
		return nil, errors.New("still image needs exactly one of VP8 and VP8L")
	}
	if anim {
		a := chunks["ANIM"]
		if a.end-a.start != 6 {
			return nil, fmt.Errorf("ANIM chunk of %d bytes, want 6", a.end-a.start)
		}
		if _, err := s.At(a.start, 6); err != nil {
			return nil, fmt.Errorf("ANIM chunk: %w", err)
		}
		f := chunks["ANMF"]
		at := f.start + 16
		for i := 0; i < 2; i++ {
			hdr, err := s.At(at, 8)
			if err != nil {
				return nil, fmt.Errorf("first frame: %w", err)
			}
			at += 8 + round(int64(le.Uint32(hdr[4:8])))
			if at+8 > f.end {
				break
			}
		}
	}
	cs := model.ColorRGB
	if alpha {
		cs = model.ColorRGBA
	}
	return &model.ImageMeta{Width: w, Height: h, ColorSpace: cs}, nil
}
