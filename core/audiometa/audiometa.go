// Package audiometa reads an audio file's duration, channels and sample rate
// from its headers, with the rules of lofty 0.22, which Oxen uses: the same
// integer millisecond arithmetic, so num_seconds matches Oxen's exactly.
// Every read goes through the io.ReaderAt and is bounded: audio data is
// never loaded, only headers and, for Ogg, MP3 and trailing tags, a small
// window at the end of the file.
package audiometa

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"

	"github.com/oxdrop/oxdrop/core/model"
)

// maxRead caps any single read whose length comes from a header.
const maxRead = 1 << 20

// maxChunks bounds how many chunks, pages or blocks one file may make a
// parser visit, so hostile files cannot keep the CPU busy.
const maxChunks = 100_000

// format names one lofty file type.
type format int

const (
	formatUnknown format = iota
	formatWAV
	formatAIFF
	formatFLAC
	formatMPEG
	formatVorbis
	formatOpus
	formatSpeex
	formatMP4
)

// formatFromExt mirrors lofty's FileType::from_ext for the types read here.
func formatFromExt(ext string) format {
	switch strings.ToLower(strings.TrimPrefix(ext, ".")) {
	case "wav", "wave":
		return formatWAV
	case "aiff", "aif", "afc", "aifc":
		return formatAIFF
	case "flac":
		return formatFLAC
	case "mp3", "mp2", "mp1":
		return formatMPEG
	case "ogg":
		return formatVorbis
	case "opus":
		return formatOpus
	case "spx":
		return formatSpeex
	case "mp4", "m4a", "m4b", "m4p", "m4r", "m4v", "3gp":
		return formatMP4
	}
	return formatUnknown
}

// Read picks the parser from ext (no dot, any case), as Oxen's lofty Probe
// does from the file name; a wrong extension therefore fails as in Oxen.
// When ext names no known audio type, the content picks the parser instead.
func Read(r io.ReaderAt, size int64, ext string) (*model.AudioMeta, error) {
	s := &source{r: r, size: size}
	f := formatFromExt(ext)
	if f == formatUnknown {
		var err error
		if f, err = sniff(s); err != nil {
			return nil, err
		}
	}
	var p props
	var err error
	switch f {
	case formatWAV:
		p, err = readWAV(s)
	case formatAIFF:
		p, err = readAIFF(s)
	case formatFLAC:
		p, err = readFLAC(s)
	case formatMPEG:
		p, err = readMPEG(s)
	case formatVorbis:
		p, err = readOgg(s, oggVorbis)
	case formatOpus:
		p, err = readOgg(s, oggOpus)
	case formatSpeex:
		p, err = readOgg(s, oggSpeex)
	case formatMP4:
		p, err = readMP4(s)
	}
	if err != nil {
		return nil, err
	}
	return &model.AudioMeta{NumSeconds: secondsFromMillis(p.millis), NumChannels: uint64(p.channels), SampleRate: uint64(p.sampleRate)}, nil
}

// props is what lofty's FileProperties gives Oxen: a duration in whole
// milliseconds, channels as u8 and the sample rate.
type props struct {
	millis     uint64
	channels   uint8
	sampleRate uint32
}

// sniff guesses the format from the first bytes, for unknown extensions.
func sniff(s *source) (format, error) {
	head := make([]byte, min(s.size, 36))
	if _, err := s.readAt(head, 0); err != nil {
		return formatUnknown, fmt.Errorf("audiometa: reading the first bytes: %w", err)
	}
	switch {
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WAVE":
		return formatWAV, nil
	case len(head) >= 12 && string(head[:4]) == "FORM" && (string(head[8:12]) == "AIFF" || string(head[8:12]) == "AIFC"):
		return formatAIFF, nil
	case bytes.HasPrefix(head, []byte("fLaC")):
		return formatFLAC, nil
	case len(head) >= 8 && string(head[4:8]) == "ftyp":
		return formatMP4, nil
	case bytes.HasPrefix(head, []byte("OggS")):
		if bytes.Contains(head, []byte("OpusHead")) {
			return formatOpus, nil
		}
		if bytes.Contains(head, []byte("\x01vorbis")) {
			return formatVorbis, nil
		}
		if bytes.Contains(head, []byte("Speex   ")) {
			return formatSpeex, nil
		}
	case bytes.HasPrefix(head, []byte("ID3")):
		// An ID3v2 tag: lofty then looks at what follows it.
		if len(head) >= 10 {
			after := 10 + int64(syncsafe(head[6:10]))
			next := make([]byte, 4)
			if after < s.size {
				s.readAt(next[:min(4, s.size-after)], after)
			}
			if string(next) == "fLaC" {
				return formatFLAC, nil
			}
		}
		return formatMPEG, nil
	case len(head) >= 2 && head[0] == 0xFF && head[1]>>5 == 7 && (head[1]>>1)&3 != 0:
		return formatMPEG, nil // a frame sync with a layer (AAC/ADTS has layer 0)
	}
	return formatUnknown, errors.New("audiometa: unknown audio format (extension and content both unrecognized)")
}

// secondsFromMillis mirrors Rust's Duration::from_millis(ms).as_secs_f64().
func secondsFromMillis(ms uint64) float64 {
	return float64(ms/1000) + float64((ms%1000)*1_000_000)/1e9
}

// divRound is lofty's RoundedDivision: (a + b/2) / b, wrapping like Rust
// release builds.
func divRound(a, b uint64) uint64 { return (a + b>>1) / b }

// mulDivRound128 computes (a*m + d/2) / d in 128 bits, keeping the low 64
// bits of the quotient as Rust's `as u64` does.
func mulDivRound128(a, m, d uint64) uint64 {
	hi, lo := bits.Mul64(a, m)
	lo, carry := bits.Add64(lo, d>>1, 0)
	hi += carry
	_, r := bits.Div64(0, hi, d) // r = hi mod d keeps Div64 from overflowing
	q, _ := bits.Div64(r, lo, d)
	return q
}

// source is the file: every read is checked against its size.
type source struct {
	r    io.ReaderAt
	size int64
}

func (s *source) readAt(p []byte, off int64) (int, error) {
	if len(p) > maxRead {
		return 0, fmt.Errorf("read of %d bytes exceeds the %d-byte cap", len(p), maxRead)
	}
	if off < 0 || off > s.size || int64(len(p)) > s.size-off {
		return 0, fmt.Errorf("read of %d bytes at offset %d runs past the end of the %d-byte file", len(p), off, s.size)
	}
	n, err := s.r.ReadAt(p, off)
	if n == len(p) {
		return n, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, fmt.Errorf("reading %d bytes at offset %d: %w", len(p), off, err)
}

// bytesAt returns n bytes at off.
func (s *source) bytesAt(off int64, n int) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("negative read length %d", n)
	}
	b := make([]byte, n)
	_, err := s.readAt(b, off)
	return b, err
}

func syncsafe(b []byte) uint32 {
	return uint32(b[0]&0x7F)<<21 | uint32(b[1]&0x7F)<<14 | uint32(b[2]&0x7F)<<7 | uint32(b[3]&0x7F)
}
