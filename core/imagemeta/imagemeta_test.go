package imagemeta

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/internal/testenv"
)

func encPNG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encJPEG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// cmykJPEG rewrites a 3-component baseline JPEG's frame header to hold a
// fourth component: enough for a header-only reader.
func cmykJPEG(t testing.TB) []byte {
	b := encJPEG(t, image.NewRGBA(image.Rect(0, 0, 7, 5)))
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	out := append([]byte{}, b[:i+2]...)
	out = append(out, 0, 20)           // length 8+3*4
	out = append(out, b[i+4:i+9]...)   // precision, height, width
	out = append(out, 4)               // components
	out = append(out, b[i+10:i+19]...) // the three components
	out = append(out, 4, 0x11, 0)      // K
	return append(out, b[i+19:]...)
}

// jpegWithSOF rewrites a baseline JPEG's frame marker to 0xFF sof.
func jpegWithSOF(t testing.TB, sof byte) []byte {
	b := append([]byte{}, encJPEG(t, image.NewGray(image.Rect(0, 0, 6, 4)))...)
	b[bytes.Index(b, []byte{0xFF, 0xC0})+1] = sof
	return b
}

// jpegCutBeforeScan keeps the headers of a JPEG up to (not including) SOS.
func jpegCutBeforeScan(t testing.TB) []byte {
	b := encJPEG(t, image.NewGray(image.Rect(0, 0, 6, 4)))
	return b[:bytes.Index(b, []byte{0xFF, 0xDA})]
}

func webpFile(chunk string, payload []byte) []byte {
	var b []byte
	b = append(b, "RIFF"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(4+8+len(payload)))
	b = append(b, "WEBP"...)
	b = append(b, chunk...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

type riffChunk struct {
	name string
	data []byte
}

// webpChunks builds a RIFF WEBP file of the given chunks (odd sizes padded).
func webpChunks(chunks ...riffChunk) []byte {
	var body []byte
	for _, c := range chunks {
		body = append(body, c.name...)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(c.data)))
		body = append(body, c.data...)
		if len(c.data)%2 == 1 {
			body = append(body, 0)
		}
	}
	b := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)))...)
	return append(append(b, "WEBP"...), body...)
}

func vp8(w, h uint16) []byte {
	p := []byte{0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint16(p[6:], w)
	binary.LittleEndian.PutUint16(p[8:], h)
	return p
}

func vp8l(w, h uint32, alpha bool) []byte {
	v := (w - 1) | (h-1)<<14
	if alpha {
		v |= 1 << 28
	}
	return binary.LittleEndian.AppendUint32([]byte{0x2F}, v)
}

func vp8x(w, h uint32, flags byte) []byte {
	p := []byte{flags, 0, 0, 0}
	p = append(p, byte(w-1), byte((w-1)>>8), byte((w-1)>>16))
	return append(p, byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
}

// bmpFile builds a BITMAPINFOHEADER (or V4 when alphaMask is set) bitmap
// header; pixel data is irrelevant to a header reader.
func bmpFile(w, h int32, bpp uint16, hdrSize uint32, compression, alphaMask uint32) []byte {
	b := make([]byte, 14+hdrSize+16)
	copy(b, "BM")
	le := binary.LittleEndian
	le.PutUint32(b[14:], hdrSize)
	le.PutUint32(b[18:], uint32(w))
	le.PutUint32(b[22:], uint32(h))
	le.PutUint16(b[26:], 1)
	le.PutUint16(b[28:], bpp)
	le.PutUint32(b[30:], compression)
	if hdrSize >= 56 {
		le.PutUint32(b[14+52:], alphaMask)
	}
	if bpp <= 8 {
		b = append(b[:14+hdrSize], make([]byte, 4<<bpp)...) // the palette
	}
	return b
}

func bmpCore(w, h uint16) []byte {
	b := make([]byte, 26+8)
	copy(b, "BM")
	binary.LittleEndian.PutUint32(b[14:], 12)
	binary.LittleEndian.PutUint16(b[18:], w)
	binary.LittleEndian.PutUint16(b[20:], h)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint16(b[24:], 24)
	return b
}

// order is a byte order that can also append.
type order interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

type tiffTag struct {
	tag, typ uint16
	count    uint32
	value    uint32
}

// tiffFile builds a TIFF whose first IFD (at 8) holds tags; extra is
// appended after the IFD (for out-of-line values).
func tiffFile(bo order, tags []tiffTag, extra []byte) []byte {
	var b []byte
	if bo.String() == binary.BigEndian.String() {
		b = append(b, "MM\x00*"...)
	} else {
		b = append(b, "II*\x00"...)
	}
	b = bo.AppendUint32(b, 8)
	b = bo.AppendUint16(b, uint16(len(tags)))
	for _, t := range tags {
		b = bo.AppendUint16(b, t.tag)
		b = bo.AppendUint16(b, t.typ)
		b = bo.AppendUint32(b, t.count)
		if t.typ == 3 && t.count <= 2 {
			b = bo.AppendUint16(b, uint16(t.value))
			b = bo.AppendUint16(b, 0)
		} else {
			b = bo.AppendUint32(b, t.value)
		}
	}
	b = bo.AppendUint32(b, 0)
	return append(b, extra...)
}

func tiffRGB(bo order, w, h uint32, spp, bits, photometric uint16) []byte {
	tags := []tiffTag{
		{256, 4, 1, w}, {257, 3, 1, h}, {258, 3, uint32(spp), uint32(bits)},
		{262, 3, 1, uint32(photometric)}, {273, 4, 1, 8}, {277, 3, 1, uint32(spp)}, {339, 3, 1, 1},
	}
	ifdEnd := uint32(8 + 2 + 12*len(tags) + 4)
	var extra []byte
	if spp > 2 { // BitsPerSample values out of line
		tags[2].value = ifdEnd
		for i := uint16(0); i < spp; i++ {
			extra = bo.AppendUint16(extra, bits)
		}
	}
	return tiffFile(bo, tags, extra)
}

// fixIHDRCRC recomputes the IHDR CRC after a test edits the header.
func fixIHDRCRC(b []byte) []byte {
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

type icoEntry struct {
	w, h byte
	bpp  uint16
	data []byte
}

// icoFile builds an icon directory followed by the entries' data.
func icoFile(entries ...icoEntry) []byte {
	b := []byte{0, 0, 1, 0}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(entries)))
	off := 6 + 16*len(entries)
	for _, e := range entries {
		b = append(b, e.w, e.h, 0, 0, 1, 0)
		b = binary.LittleEndian.AppendUint16(b, e.bpp)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(e.data)))
		b = binary.LittleEndian.AppendUint32(b, uint32(off))
		off += len(e.data)
	}
	for _, e := range entries {
		b = append(b, e.data...)
	}
	return b
}

// icoBMP is a headerless BMP as icons hold it: the height counts the mask too.
func icoBMP(w, h int32) []byte {
	return bmpFile(w, 2*h, 32, 40, 0, 0)[14:]
}

func pngWithTRNS(t testing.TB) []byte {
	// A paletted PNG whose palette has a transparent entry gets tRNS.
	p := image.NewPaletted(image.Rect(0, 0, 3, 2), color.Palette{color.NRGBA{0, 0, 0, 0}, color.NRGBA{255, 0, 0, 255}})
	return encPNG(t, p)
}

func TestReadGenerated(t *testing.T) {
	gray16 := image.NewGray16(image.Rect(0, 0, 9, 4))
	rgba := image.NewNRGBA(image.Rect(0, 0, 10, 3))
	rgba.Set(0, 0, color.NRGBA{1, 2, 3, 4}) // not opaque: the encoder keeps alpha
	rgb := image.NewRGBA(image.Rect(0, 0, 11, 2))
	for i := range rgb.Pix {
		rgb.Pix[i] = 255
	}
	rgba64 := image.NewNRGBA64(image.Rect(0, 0, 5, 6))
	rgba64.Set(0, 0, color.NRGBA64{1, 2, 3, 4})
	rgb48 := image.NewRGBA64(image.Rect(0, 0, 5, 7))
	for i := range rgb48.Pix {
		rgb48.Pix[i] = 0xFF
	}
	pal := image.NewPaletted(image.Rect(0, 0, 4, 4), palette.Plan9)
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, pal, nil); err != nil {
		t.Fatal(err)
	}
	be, le := binary.BigEndian, binary.LittleEndian
	cases := []struct {
		name string
		file []byte
		want model.ImageMeta
	}{
		{"png gray", encPNG(t, image.NewGray(image.Rect(0, 0, 13, 7))), model.ImageMeta{Width: 13, Height: 7, ColorSpace: model.ColorGrayscale}},
		{"png gray16", encPNG(t, gray16), model.ImageMeta{Width: 9, Height: 4, ColorSpace: model.ColorGrayscale16}},
		{"png rgb", encPNG(t, rgb), model.ImageMeta{Width: 11, Height: 2, ColorSpace: model.ColorRGB}},
		{"png rgba", encPNG(t, rgba), model.ImageMeta{Width: 10, Height: 3, ColorSpace: model.ColorRGBA}},
		{"png rgba16", encPNG(t, rgba64), model.ImageMeta{Width: 5, Height: 6, ColorSpace: model.ColorRgba16}},
		{"png rgb16", encPNG(t, rgb48), model.ImageMeta{Width: 5, Height: 7, ColorSpace: model.ColorRgb16}},
		{"png palette", encPNG(t, pal), model.ImageMeta{Width: 4, Height: 4, ColorSpace: model.ColorRGB}},
		{"png palette with tRNS", pngWithTRNS(t), model.ImageMeta{Width: 3, Height: 2, ColorSpace: model.ColorRGBA}},
		{"jpeg rgb", encJPEG(t, rgb), model.ImageMeta{Width: 11, Height: 2, ColorSpace: model.ColorRGB}},
		{"jpeg gray", encJPEG(t, image.NewGray(image.Rect(0, 0, 17, 3))), model.ImageMeta{Width: 17, Height: 3, ColorSpace: model.ColorGrayscale}},
		{"jpeg progressive header", jpegWithSOF(t, 0xC2), model.ImageMeta{Width: 6, Height: 4, ColorSpace: model.ColorGrayscale}},
		{"jpeg extended sequential header", jpegWithSOF(t, 0xC1), model.ImageMeta{Width: 6, Height: 4, ColorSpace: model.ColorGrayscale}},
		{"jpeg with stray bytes and fill bytes between segments", func() []byte {
			b := encJPEG(t, image.NewGray(image.Rect(0, 0, 6, 4)))
			i := bytes.Index(b, []byte{0xFF, 0xC0})
			return append(append(append([]byte{}, b[:i]...), "junk\xff\xff\x00"...), b[i+1:]...)
		}(), model.ImageMeta{Width: 6, Height: 4, ColorSpace: model.ColorGrayscale}},
		{"jpeg cmyk", cmykJPEG(t), model.ImageMeta{Width: 7, Height: 5, ColorSpace: model.ColorUnknown}},
		{"gif", gifBuf.Bytes(), model.ImageMeta{Width: 4, Height: 4, ColorSpace: model.ColorRGBA}},
		{"webp vp8", webpFile("VP8 ", vp8(320, 240)), model.ImageMeta{Width: 320, Height: 240, ColorSpace: model.ColorRGB}},
		{"webp vp8 scale bits ignored", webpFile("VP8 ", vp8(0xC000|320, 0x4000|240)), model.ImageMeta{Width: 320, Height: 240, ColorSpace: model.ColorRGB}},
		{"webp vp8l", webpFile("VP8L", vp8l(16383, 1, false)), model.ImageMeta{Width: 16383, Height: 1, ColorSpace: model.ColorRGB}},
		{"webp vp8l 16384 wide wraps to 0 as in image-webp", webpFile("VP8L", vp8l(16384, 1, false)), model.ImageMeta{Width: 0, Height: 1, ColorSpace: model.ColorRGB}},
		{"bmp zero width is accepted as by the image crate", bmpFile(0, 5, 24, 40, 0, 0), model.ImageMeta{Width: 0, Height: 5, ColorSpace: model.ColorRGB}},
		{"gif zero screen is accepted as by the gif crate", []byte("GIF89a\x00\x00\x00\x00\x00\x00\x00"), model.ImageMeta{Width: 0, Height: 0, ColorSpace: model.ColorRGBA}},
		{"webp vp8l alpha", webpFile("VP8L", vp8l(3, 9, true)), model.ImageMeta{Width: 3, Height: 9, ColorSpace: model.ColorRGBA}},
		{"webp vp8x", webpChunks(riffChunk{"VP8X", vp8x(1<<24, 255, 0)}, riffChunk{"VP8 ", vp8(3, 3)}), model.ImageMeta{Width: 1 << 24, Height: 255, ColorSpace: model.ColorRGB}},
		{"webp vp8x alpha", webpChunks(riffChunk{"VP8X", vp8x(2, 3, 0x10)}, riffChunk{"ALPH", []byte{0}}, riffChunk{"VP8 ", vp8(2, 3)}), model.ImageMeta{Width: 2, Height: 3, ColorSpace: model.ColorRGBA}},
		{"webp vp8x with exif and unknown chunks", webpChunks(riffChunk{"VP8X", vp8x(9, 9, 0x08)}, riffChunk{"VP8L", vp8l(9, 9, false)},
			riffChunk{"zzzz", []byte("x")}, riffChunk{"EXIF", []byte("II*\x00")}), model.ImageMeta{Width: 9, Height: 9, ColorSpace: model.ColorRGB}},
		{"webp animated", webpChunks(riffChunk{"VP8X", vp8x(4, 5, 0x12)}, riffChunk{"ANIM", make([]byte, 6)},
			riffChunk{"ANMF", append(make([]byte, 16), webpChunks(riffChunk{"VP8L", vp8l(4, 5, true)})[12:]...)}), model.ImageMeta{Width: 4, Height: 5, ColorSpace: model.ColorRGBA}},
		{"bmp 24", bmpFile(640, 480, 24, 40, 0, 0), model.ImageMeta{Width: 640, Height: 480, ColorSpace: model.ColorRGB}},
		{"bmp top-down", bmpFile(5, -6, 24, 40, 0, 0), model.ImageMeta{Width: 5, Height: 6, ColorSpace: model.ColorRGB}},
		{"bmp 32 no alpha", bmpFile(5, 6, 32, 40, 0, 0), model.ImageMeta{Width: 5, Height: 6, ColorSpace: model.ColorRGB}},
		{"bmp v4 alpha mask", bmpFile(5, 6, 32, 108, 3, 0xFF000000), model.ImageMeta{Width: 5, Height: 6, ColorSpace: model.ColorRGBA}},
		{"bmp 8-bit palette", bmpFile(5, 6, 8, 40, 0, 0), model.ImageMeta{Width: 5, Height: 6, ColorSpace: model.ColorRGB}},
		{"bmp v3 32-bit bitfields with alpha", bmpFile(5, 6, 32, 56, 3, 0xFF000000), model.ImageMeta{Width: 5, Height: 6, ColorSpace: model.ColorRGBA}},
		{"bmp v4 BI_RGB 32-bit ignores the alpha mask", bmpFile(5, 6, 32, 108, 0, 0xFF000000), model.ImageMeta{Width: 5, Height: 6, ColorSpace: model.ColorRGB}},
		{"bmp os/2 core", bmpCore(30, 20), model.ImageMeta{Width: 30, Height: 20, ColorSpace: model.ColorRGB}},
		{"ico png entry", icoFile(icoEntry{0, 0, 32, encPNG(t, rgba)}), model.ImageMeta{Width: 10, Height: 3, ColorSpace: model.ColorRGBA}},
		{"ico bmp entry", icoFile(icoEntry{16, 16, 32, icoBMP(16, 16)}), model.ImageMeta{Width: 16, Height: 16, ColorSpace: model.ColorRGBA}},
		{"ico picks deepest then largest", icoFile(icoEntry{16, 16, 8, icoBMP(16, 16)}, icoEntry{48, 48, 32, icoBMP(48, 48)},
			icoEntry{32, 32, 32, icoBMP(32, 32)}, icoEntry{48, 48, 32, icoBMP(47, 47)}), model.ImageMeta{Width: 48, Height: 48, ColorSpace: model.ColorRGBA}},
		{"tiff le rgb8", tiffRGB(le, 100, 50, 3, 8, 2), model.ImageMeta{Width: 100, Height: 50, ColorSpace: model.ColorRGB}},
		{"tiff be rgba16", tiffRGB(be, 70000, 3, 4, 16, 2), model.ImageMeta{Width: 70000, Height: 3, ColorSpace: model.ColorRgba16}},
		{"tiff gray8", tiffRGB(le, 8, 9, 1, 8, 1), model.ImageMeta{Width: 8, Height: 9, ColorSpace: model.ColorGrayscale}},
		{"tiff gray16 min-is-white", tiffRGB(be, 8, 9, 1, 16, 0), model.ImageMeta{Width: 8, Height: 9, ColorSpace: model.ColorGrayscale16}},
		{"tiff gray alpha", tiffRGB(le, 8, 9, 2, 8, 1), model.ImageMeta{Width: 8, Height: 9, ColorSpace: model.ColorGrayscaleAlpha}},
		{"tiff cmyk", tiffRGB(le, 8, 9, 4, 8, 5), model.ImageMeta{Width: 8, Height: 9, ColorSpace: model.ColorUnknown}},
		{"tiff bilevel", tiffRGB(le, 8, 9, 1, 1, 0), model.ImageMeta{Width: 8, Height: 9, ColorSpace: model.ColorGrayscale}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Read(bytes.NewReader(c.file), int64(len(c.file)))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if *got != c.want {
				t.Errorf("Read = %+v, want %+v", *got, c.want)
			}
			// Where the standard library decodes the format, its size must agree.
			if cfg, _, err := image.DecodeConfig(bytes.NewReader(c.file)); err == nil {
				if uint32(cfg.Width) != got.Width || uint32(cfg.Height) != got.Height {
					t.Errorf("image.DecodeConfig says %dx%d", cfg.Width, cfg.Height)
				}
			}
			// Every strict prefix of a valid file either fails or gives the same answer.
			for n := 0; n < len(c.file) && n < 600; n++ {
				if m, err := Read(bytes.NewReader(c.file[:n]), int64(n)); err == nil && *m != c.want {
					t.Fatalf("prefix %d: %+v", n, *m)
				}
			}
		})
	}
}

func TestReadRejects(t *testing.T) {
	cases := []struct {
		name string
		file []byte
	}{
		{"empty", nil},
		{"text", []byte("hello world, not an image")},
		{"BM text", []byte("BMW is a car maker and this is text")},
		{"GIF text", []byte("GIFs are fun")},
		{"webp without RIFF", append([]byte("XXXX\x10\x00\x00\x00WEBP"), webpFile("VP8 ", vp8(3, 3))[12:]...)},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")},
		{"avif", []byte("\x00\x00\x00\x18ftypavif\x00\x00\x00\x00mif1avif")},
		{"png zero width", func() []byte {
			b := encPNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
			binary.BigEndian.PutUint32(b[16:], 0)
			return fixIHDRCRC(b)
		}()},
		{"png bad depth", func() []byte {
			b := encPNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
			b[24] = 3
			return fixIHDRCRC(b)
		}()},
		{"png unknown interlace method", func() []byte {
			b := encPNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
			b[28] = 2
			return fixIHDRCRC(b)
		}()},
		{"png bad IHDR CRC", func() []byte {
			b := encPNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
			b[29] ^= 1
			return b
		}()},
		{"png bad tRNS CRC", func() []byte {
			b := pngWithTRNS(t)
			i := bytes.Index(b, []byte("tRNS"))
			b[i+4] ^= 1 // first data byte
			return b
		}()},
		{"png without IDAT", encPNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))[:33]},
		{"jpeg without SOF", []byte{0xFF, 0xD8, 0xFF, 0xDA, 0, 2}},
		{"jpeg lossless SOF3", jpegWithSOF(t, 0xC3)},
		{"jpeg arithmetic SOF9", jpegWithSOF(t, 0xC9)},
		{"jpeg headers without a scan", jpegCutBeforeScan(t)},
		{"jpeg 12-bit", func() []byte {
			b := jpegWithSOF(t, 0xC0)
			b[bytes.Index(b, []byte{0xFF, 0xC0})+4] = 12
			return b
		}()},
		{"jpeg scan names an unknown component", func() []byte {
			b := jpegWithSOF(t, 0xC0)
			b[bytes.Index(b, []byte{0xFF, 0xDA})+5] = 9
			return b
		}()},
		{"jpeg two frames", func() []byte {
			b := jpegWithSOF(t, 0xC0)
			i := bytes.Index(b, []byte{0xFF, 0xC0})
			sof := b[i : i+2+11]
			return append(append(append([]byte{}, b[:i]...), sof...), b[i:]...)
		}()},
		{"jpeg bad segment length", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 1, 0, 0}},
		{"vp8x without image chunk", webpFile("VP8X", vp8x(2, 3, 0))},
		{"vp8x with both VP8 and VP8L", webpChunks(riffChunk{"VP8X", vp8x(2, 3, 0)}, riffChunk{"VP8 ", vp8(2, 3)}, riffChunk{"VP8L", vp8l(2, 3, false)})},
		{"vp8x exif flag without chunk", webpChunks(riffChunk{"VP8X", vp8x(2, 3, 0x08)}, riffChunk{"VP8 ", vp8(2, 3)})},
		{"vp8x animated without ANIM", webpChunks(riffChunk{"VP8X", vp8x(2, 3, 0x02)}, riffChunk{"ANMF", make([]byte, 40)})},
		{"vp8x canvas too large", webpChunks(riffChunk{"VP8X", vp8x(1<<24, 70000, 0)}, riffChunk{"VP8 ", vp8(2, 3)})},
		{"vp8 zero width", webpFile("VP8 ", vp8(0, 3))},
		{"tiff zero height", tiffRGB(binary.LittleEndian, 8, 0, 3, 8, 2)},
		{"vp8 not keyframe", webpFile("VP8 ", append([]byte{0x11}, vp8(3, 3)[1:]...))},
		{"vp8l bad version", webpFile("VP8L", []byte{0x2F, 0, 0, 0, 0x20})},
		{"bmp palette missing", bmpFile(5, 5, 8, 40, 0, 0)[:60]},
		{"bmp alpha bitfields (compression 6)", bmpFile(5, 5, 32, 56, 6, 0xFF000000)},
		{"bmp rle8 with 24 bits", bmpFile(5, 5, 24, 40, 1, 0)},
		{"bmp top-down rle", bmpFile(5, -5, 8, 40, 1, 0)},
		{"bmp odd header", bmpFile(5, 5, 24, 20, 0, 0)},
		{"gif with a missing global color table", []byte("GIF89a\x03\x00\x04\x00\xf7\x00\x00")},
		{"ico no entries", []byte{0, 0, 1, 0, 0, 0}},
		{"ico directory past the end", []byte{0, 0, 1, 0, 9, 0, 16, 16}},
		{"ico entry with 300 bpp", icoFile(icoEntry{16, 16, 300, icoBMP(16, 16)})},
		{"tiff palette (the image crate refuses it)", tiffRGB(binary.LittleEndian, 8, 9, 1, 8, 3)},
		{"tiff ycbcr", tiffRGB(binary.LittleEndian, 8, 9, 3, 8, 6)},
		{"tiff gray 4-bit", tiffRGB(binary.LittleEndian, 8, 9, 1, 4, 1)},
		{"tiff without strips", tiffFile(binary.LittleEndian, []tiffTag{{256, 3, 1, 5}, {257, 3, 1, 5}, {262, 3, 1, 1}}, nil)},
		{"tiff IFD beyond end", []byte("II*\x00\xff\xff\x00\x00")},
		{"tiff no photometric", tiffFile(binary.LittleEndian, []tiffTag{{256, 3, 1, 5}, {257, 3, 1, 5}}, nil)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if m, err := Read(bytes.NewReader(c.file), int64(len(c.file))); err == nil {
				t.Errorf("Read = %+v, want an error", *m)
			}
		})
	}
}

type failingReader struct{}

var errDisk = errors.New("disk on fire")

func (failingReader) ReadAt([]byte, int64) (int, error) { return 0, errDisk }

func TestReadPassesIOErrors(t *testing.T) {
	if _, err := Read(failingReader{}, 100); !errors.Is(err, errDisk) {
		t.Errorf("err = %v, want the reader's error", err)
	}
}

func fixtures(t testing.TB) string {
	t.Helper()
	return testenv.Fixtures(t, "images")
}

// TestFixtures checks the sizes in oxen-behaviour.md §6.1/§6.2.
func TestFixtures(t *testing.T) {
	dir := fixtures(t)
	cases := []struct {
		file string
		w, h uint32
		cs   string
	}{
		{"cat_1.jpg", 499, 375, model.ColorRGB}, {"cat_2.jpg", 480, 380, model.ColorRGB},
		{"cat_3.jpg", 499, 500, model.ColorRGB}, {"cat_grayscale.jpg", 499, 375, model.ColorGrayscale},
		{"cat_rgba.png", 499, 375, model.ColorRGBA}, {"cole_anthony.jpeg", 275, 183, model.ColorRGB},
		{"dog_1.jpg", 381, 499, model.ColorRGB}, {"dog_2.jpg", 296, 299, model.ColorRGB},
		{"dog_3.jpg", 499, 459, model.ColorRGB}, {"dog_4.jpg", 499, 375, model.ColorRGB},
		{"dwight_vince.jpeg", 259, 194, model.ColorRGB}, {"hotdog_1.jpg", 283, 178, model.ColorRGB},
		{"hotdog_2.jpg", 276, 183, model.ColorRGB}, {"mnist_7.png", 28, 28, model.ColorGrayscale},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			m, err := Read(f, st.Size())
			if err != nil {
				t.Fatal(err)
			}
			if m.Width != c.w || m.Height != c.h || m.ColorSpace != c.cs {
				t.Errorf("got %dx%d %s, want %dx%d %s", m.Width, m.Height, m.ColorSpace, c.w, c.h, c.cs)
			}
		})
	}
}
