package imagemeta

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/oxdrop/oxdrop/core/model"
)

var (
	be = binary.BigEndian
	le = binary.LittleEndian
)

// maxChunks bounds how many chunks/segments/IFD entries a parser walks, so a
// file made of millions of empty chunks cannot make us loop for long.
const maxChunks = 4096

// readPNG reads IHDR and walks the chunks up to the first IDAT, as the png
// crate's read_info does: it verifies each chunk's CRC (the png crate
// rejects a mismatch, so Oxen has no size then) and notes a tRNS, which
// adds alpha.
func readPNG(s *source) (*model.ImageMeta, error) {
	b, err := s.exact(8, 25)
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
		c, err := s.exact(off, 8)
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
		sum, err := s.crc32(off+4, 4+n)
		if err != nil {
			return nil, fmt.Errorf("%q chunk: %w", typ, err)
		}
		stored, err := s.exact(off+8+n, 4)
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

// readGIF reads the logical screen size, which the image crate reports; the
// gif crate's read_info also needs the global color table the flags
// announce. The image crate decodes GIFs to RGBA.
func readGIF(s *source) (*model.ImageMeta, error) {
	b, err := s.exact(6, 7)
	if err != nil {
		return nil, err
	}
	w, h, flags := uint32(le.Uint16(b[0:2])), uint32(le.Uint16(b[2:4])), b[4]
	if flags&0x80 != 0 {
		table := int64(3) << (flags&7 + 1)
		if 13+table > s.size {
			return nil, fmt.Errorf("global color table of %d bytes runs past the end of the file", table)
		}
	}
	return &model.ImageMeta{Width: w, Height: h, ColorSpace: model.ColorRGBA}, nil
}

// readWebP follows image-webp 0.2's read_data (the image crate's WebP
// decoder): the first chunk is VP8, VP8L or VP8X; an extended file's chunk
// list must be consistent with its flags.
func readWebP(s *source) (*model.ImageMeta, error) {
	c, err := s.exact(4, 12)
	if err != nil {
		return nil, err
	}
	riffSize, kind := int64(le.Uint32(c[0:4])), string(c[8:12])
	sz, err := s.exact(16, 4)
	if err != nil {
		return nil, err
	}
	size := int64(le.Uint32(sz))
	switch kind {
	case "VP8 ":
		p, err := s.exact(20, 10)
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
		p, err := s.exact(20, 5)
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
func readWebPExtended(s *source, riffSize, vp8xSize int64) (*model.ImageMeta, error) {
	p, err := s.exact(20, 10)
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
		hdr, err := s.exact(pos, 8)
		if err == errTruncated {
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
			if _, err := s.exact(start+12, 4); err != nil { // frame duration
				return nil, fmt.Errorf("ANMF chunk: %w", err)
			}
			if _, err := s.exact(start+16, 8); err != nil { // first sub-chunk header
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
		if _, err := s.exact(a.start, 6); err != nil {
			return nil, fmt.Errorf("ANIM chunk: %w", err)
		}
		f := chunks["ANMF"]
		at := f.start + 16
		for i := 0; i < 2; i++ {
			hdr, err := s.exact(at, 8)
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

// readBMP reads a bitmap's headers as the image crate's BMP decoder does.
func readBMP(s *source) (*model.ImageMeta, error) { return readDIB(s, 14, false) }

// readDIB reads the DIB header at off (14 in a .bmp, 0 inside an icon):
// the image crate's read_metadata checks, including that the palette of an
// indexed bitmap is in the file. Only 16/32-bit bitfields with an alpha mask
// (V3+ headers) decode to RGBA, and icons always do (their AND mask).
func readDIB(s *source, off int64, ico bool) (*model.ImageMeta, error) {
	b, err := s.exact(off, 4)
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
		c, err := s.exact(off+4, 8)
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
		c, err := s.exact(off+4, 36)
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
		m, err := s.exact(off+40, 16)
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
		if n := min(entries, 256) * perColor; off+hdr+n > s.size {
			return nil, fmt.Errorf("palette of %d bytes runs past the end of the file", n)
		}
	}
	if ico {
		h /= 2 // the height counts the AND mask too
		cs = model.ColorRGBA
	}
	return &model.ImageMeta{Width: uint32(w), Height: uint32(h), ColorSpace: cs}, nil
}

// readTIFF reads the first IFD's size and sample layout.
func readTIFF(s *source) (*model.ImageMeta, error) {
	b, err := s.exact(0, 8)
	if err != nil {
		return nil, err
	}
	var bo binary.ByteOrder = le
	if b[0] == 'M' {
		bo = be
	}
	ifd := int64(bo.Uint32(b[4:8]))
	c, err := s.exact(ifd, 2)
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
		e, err := s.exact(ifd+2+int64(12*i), 12)
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
			o, err := s.exact(int64(bo.Uint32(e[8:12])), 2)
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

// readICO picks the entry the image crate decodes (the highest bit depth,
// then the largest area; the first on ties) and reads its embedded PNG or
// headerless BMP. BMP entries decode to RGBA (the AND mask adds alpha); the
// BMP height counts both the image and its mask, so it is halved.
func readICO(s *source) (*model.ImageMeta, error) {
	h, err := s.exact(0, 6)
	if err != nil {
		return nil, err
	}
	count := int64(le.Uint16(h[4:6]))
	if count == 0 {
		return nil, errors.New("ICO directory has no entries")
	}
	if 6+16*count > s.size {
		return nil, fmt.Errorf("ICO directory of %d entries runs past the end of the file", count)
	}
	var bestOff uint32
	var bestBPP uint16
	var bestArea uint32
	for i := int64(0); i < count; i++ {
		e, err := s.exact(6+16*i, 16)
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
	if off >= s.size {
		return nil, fmt.Errorf("ICO image at %d is past the end of the file", off)
	}
	inner := &source{r: io.NewSectionReader(s.r, off, s.size-off), size: s.size - off}
	sig, err := inner.exact(0, 8)
	if err != nil {
		return nil, err
	}
	if string(sig) == "\x89PNG\r\n\x1a\n" {
		return readPNG(inner)
	}
	return readDIB(inner, 0, true)
}
