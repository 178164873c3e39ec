// Package imagemeta reads an image's pixel size and color model from its
// headers only, as Oxen's image crate reports them (the raw encoded size,
// no EXIF rotation, the format taken from the content, not the name):
// PNG, JPEG, GIF, WebP, BMP, TIFF and ICO. Each reader repeats the header
// checks of the decoder the image crate uses, because where that decoder
// fails Oxen records no metadata. HEIF/AVIF are recognised and refused, as
// the image crate cannot decode them either.
//
// Each format has its own file (png.go, jpeg.go, ...); this one detects
// the format. Every read goes through a bounded.Reader: a parser looks at
// a few fixed-size headers and skips over everything else by offset, so a
// hostile file costs at most a few thousand small reads and never a large
// allocation.
package imagemeta

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
	"github.com/oxdrop/oxdrop/core/model"
)

// Format is an image container recognised by its magic bytes.
type Format string

const (
	PNG     Format = "png"
	JPEG    Format = "jpeg"
	GIF     Format = "gif"
	WebP    Format = "webp"
	BMP     Format = "bmp"
	TIFF    Format = "tiff"
	ICO     Format = "ico"
	HEIF    Format = "heif" // recognised, not decodable (as in Oxen)
	Unknown Format = ""
)

// ErrUnsupported says the content is no format this package decodes.
var ErrUnsupported = errors.New("imagemeta: unsupported image format")

// Detect names the format from the first bytes, with the image crate's
// magic numbers (so "WEBP" at 8 without "RIFF" is not WebP here).
func Detect(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return WebP
	case bytes.HasPrefix(head, []byte("MM\x00*")), bytes.HasPrefix(head, []byte("II*\x00")):
		return TIFF
	case bytes.HasPrefix(head, []byte("BM")):
		return BMP
	case bytes.HasPrefix(head, []byte{0, 0, 1, 0}):
		return ICO
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		switch string(head[8:12]) {
		case "heic", "heix", "hevc", "hevx", "mif1", "msf1", "avif", "avis":
			return HEIF
		}
	}
	return Unknown
}

// Read detects the format from content and returns width, height and the
// encoded color model. HEIF/AVIF and unknown formats give an error (Oxen
// gives null metadata for them).
func Read(r io.ReaderAt, size int64) (*model.ImageMeta, error) {
	src := bounded.New(r, size).SetWindow(jpegWindow, jpegWindow)
	var head []byte
	var m *model.ImageMeta
	var err error
	if size > 0 {
		if head, err = src.At(0, int(min(size, 16))); err != nil {
			return nil, err
		}
	}
	f := Detect(head) // head aliases the read buffer: decide before reading on
	switch f {
	case PNG:
		m, err = readPNG(src)
	case JPEG:
		m, err = readJPEG(src)
	case GIF:
		m, err = readGIF(src)
	case WebP:
		m, err = readWebP(src)
	case BMP:
		m, err = readBMP(src)
	case TIFF:
		m, err = readTIFF(src)
	case ICO:
		m, err = readICO(src)
	case HEIF:
		return nil, fmt.Errorf("imagemeta: HEIF/AVIF images are not decoded: %w", ErrUnsupported)
	default:
		return nil, ErrUnsupported
	}
	if err != nil {
		return nil, fmt.Errorf("imagemeta: %s: %w", f, err)
	}
	return m, nil
}

var (
	be = binary.BigEndian
	le = binary.LittleEndian
)

// maxChunks bounds how many chunks/segments/IFD entries a parser walks, so a
// file made of millions of empty chunks cannot make us loop for long.
const maxChunks = 4096
