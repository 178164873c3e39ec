package imagemeta

import (
	"bytes"
	"encoding/binary"
	"image"
	"os"
	"testing"

	"github.com/oxdrop/oxdrop/internal/testenv"
)

// BenchmarkImageMeta measures a header read per format (from memory).
func BenchmarkImageMeta(b *testing.B) {
	files := map[string][]byte{
		"png":  encPNG(b, image.NewNRGBA(image.Rect(0, 0, 64, 64))),
		"jpeg": encJPEG(b, image.NewRGBA(image.Rect(0, 0, 64, 64))),
		"gif":  []byte("GIF89a\x40\x00\x40\x00\x00\x00\x00"),
		"webp": webpChunks(riffChunk{"VP8X", vp8x(64, 64, 0x10)}, riffChunk{"ALPH", []byte{0}}, riffChunk{"VP8 ", vp8(64, 64)}),
		"bmp":  bmpFile(64, 64, 32, 108, 3, 0xFF000000),
		"tiff": tiffRGB(binary.LittleEndian, 64, 64, 3, 8, 2),
		"ico":  icoFile(icoEntry{16, 16, 32, icoBMP(16, 16)}, icoEntry{64, 64, 32, encPNG(b, image.NewNRGBA(image.Rect(0, 0, 64, 64)))}),
	}
	// A real camera-style JPEG walks several segments before its SOF.
	if cat, err := os.ReadFile(testenv.FixturesPath("images", "cat_1.jpg")); err == nil {
		files["jpeg-fixture"] = cat
	}
	for _, name := range []string{"png", "jpeg", "jpeg-fixture", "gif", "webp", "bmp", "tiff", "ico"} {
		f, ok := files[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			r := bytes.NewReader(f)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Read(r, int64(len(f))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
