package imagemeta

import (
	"bytes"
	"encoding/binary"
	"image"
	"testing"
)

// FuzzImage: no panic, no huge reads, and an answer always has a color
// model. (A zero size is a valid answer where the image crate's decoder
// accepts it: GIF, BMP, VP8L.)
func FuzzImage(f *testing.F) {
	f.Add(encPNG(f, image.NewGray(image.Rect(0, 0, 3, 2))))
	f.Add(pngWithTRNS(f))
	f.Add(encJPEG(f, image.NewGray(image.Rect(0, 0, 3, 2))))
	f.Add(webpFile("VP8 ", vp8(3, 3)))
	f.Add(webpFile("VP8L", vp8l(3, 9, true)))
	f.Add(webpChunks(riffChunk{"VP8X", vp8x(2, 3, 0x10)}, riffChunk{"ALPH", []byte{0}}, riffChunk{"VP8 ", vp8(2, 3)}))
	f.Add(webpChunks(riffChunk{"VP8X", vp8x(4, 5, 0x12)}, riffChunk{"ANIM", make([]byte, 6)},
		riffChunk{"ANMF", append(make([]byte, 16), webpChunks(riffChunk{"VP8L", vp8l(4, 5, true)})[12:]...)}))
	f.Add(bmpFile(5, -6, 32, 108, 3, 0xFF000000))
	f.Add(bmpCore(3, 4))
	f.Add([]byte("GIF89a\x03\x00\x04\x00\x00\x00\x00"))
	f.Add(icoFile(icoEntry{16, 16, 8, icoBMP(16, 16)}, icoEntry{0, 0, 32, encPNG(f, image.NewNRGBA(image.Rect(0, 0, 2, 2)))}))
	f.Add(tiffRGB(binary.LittleEndian, 5, 5, 3, 8, 2))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &countingReader{r: bytes.NewReader(b)}
		m, err := Read(r, int64(len(b)))
		if r.calls > 3*maxChunks+16 {
			t.Fatalf("%d reads", r.calls)
		}
		if err == nil && m.ColorSpace == "" {
			t.Fatalf("incomplete answer %+v", *m)
		}
	})
}

type countingReader struct {
	r     *bytes.Reader
	calls int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.calls++
	if len(p) > crcBlock {
		panic("read larger than crcBlock")
	}
	return c.r.ReadAt(p, off)
}
