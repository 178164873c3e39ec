// Package imagemeta reads an image's pixel size and color model from its
// headers only, as Oxen's image crate reports them (the raw encoded size,
// no EXIF rotation, the format taken from the content, not the name):
// PNG, JPEG, GIF, WebP, BMP, TIFF and ICO. Each reader repeats the header
// checks of the decoder the image crate uses, because where that decoder
// fails Oxen records no metadata. HEIF/AVIF are recognised and refused, as
// the image crate cannot decode them either.
//
// Every read is bounded: a parser looks at a few fixed-size headers and
// skips over everything else by offset, so a hostile file costs at most a
// few thousand small reads and never a large allocation.
package imagemeta

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

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
	src := &source{r: r, size: size}
	head, err := src.read(0, 16)
	if err != nil {
		return nil, err
	}
	var m *model.ImageMeta
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

// errTruncated says a header runs past the end of the file.
var errTruncated = errors.New("header runs past the end of the file")

// maxRead caps any single header read.
const maxRead = 64

// source reads small header pieces at offsets within size.
type source struct {
	r    io.ReaderAt
	size int64
	buf  [maxRead]byte
}

// read returns n ≤ maxRead bytes at off (valid until the next read), or
// errTruncated when fewer exist. At the start of the file it returns what
// there is (possibly fewer than n) so Detect can run on tiny files.
func (s *source) read(off int64, n int) ([]byte, error) {
	if n > maxRead {
		n = maxRead
	}
	if off < 0 || off >= s.size {
		if off == 0 {
			return nil, nil
		}
		return nil, errTruncated
	}
	want := n
	if rest := s.size - off; rest < int64(n) {
		if off != 0 {
			return nil, errTruncated
		}
		want = int(rest)
	}
	got, err := s.r.ReadAt(s.buf[:want], off)
	if got == want {
		return s.buf[:want], nil
	}
	if err == nil || err == io.EOF {
		return nil, errTruncated
	}
	return nil, err
}

// crcBlock is the read size when checksumming chunk data.
const crcBlock = 1024

// crc32 returns the IEEE CRC of size bytes at off, read crcBlock at a time
// into a buffer that lives on the stack.
func (s *source) crc32(off, n int64) (uint32, error) {
	if off < 0 || n < 0 || off > s.size || s.size-off < n {
		return 0, errTruncated
	}
	var buf [crcBlock]byte
	var sum uint32
	for n > 0 {
		want := buf[:min(n, crcBlock)]
		got, err := s.r.ReadAt(want, off)
		if got < len(want) {
			if err == nil || err == io.EOF {
				err = errTruncated
			}
			return 0, err
		}
		sum = crc32.Update(sum, crc32.IEEETable, want)
		off += int64(got)
		n -= int64(got)
	}
	return sum, nil
}

// exact is read that insists on n bytes.
func (s *source) exact(off int64, n int) ([]byte, error) {
	b, err := s.read(off, n)
	if err == nil && len(b) < n {
		err = errTruncated
	}
	return b, err
}
