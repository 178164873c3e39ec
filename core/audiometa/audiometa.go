// Package audiometa reads an audio file's duration, channels and sample rate
// from its headers, with the rules of lofty 0.22, which Oxen uses: the same
// integer millisecond arithmetic, so num_seconds matches Oxen's exactly.
// Every read goes through the io.ReaderAt and is bounded: audio data is
// never loaded, only headers and, for Ogg, MP3 and trailing tags, a small
// window at the end of the file. The exceptions are walks lofty itself
// makes through the whole stream (every ADTS AAC frame for the average
// bitrate; Musepack SV8 packets and WavPack blocks until the one that ends
// the header search): those stream through one 64 KiB window, so memory
// stays bounded and the time is linear in the file size.
package audiometa

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
	"github.com/oxdrop/oxdrop/core/model"
)

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
	formatAAC
	formatAPE
	formatMPC
	formatWavPack
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
	case "aac":
		return formatAAC
	case "ape":
		return formatAPE
	case "mpc", "mp+", "mpp":
		return formatMPC
	case "wv":
		return formatWavPack
	}
	return formatUnknown
}

// Read picks the parser from ext (no dot, any case), as Oxen's lofty Probe
// does from the file name; a wrong extension therefore fails as in Oxen.
// When ext names no known audio type, the content picks the parser instead.
func Read(r io.ReaderAt, size int64, ext string) (*model.AudioMeta, error) {
	s := bounded.New(r, size)
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
	case formatAAC:
		p, err = readAAC(s)
	case formatAPE:
		p, err = readAPE(s)
	case formatMPC:
		p, err = readMPC(s)
	case formatWavPack:
		p, err = readWavPack(s)
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
func sniff(s *bounded.Reader) (format, error) {
	head := make([]byte, min(s.Size(), 36))
	if _, err := s.ReadAt(head, 0); err != nil {
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
	case bytes.HasPrefix(head, []byte("MAC")):
		return formatAPE, nil
	case len(head) >= 2 && head[0] == 0xFF && head[1]>>5 == 7:
		return mpegOrAAC(head[1]), nil
	case bytes.HasPrefix(head, []byte("wvpk")):
		return formatWavPack, nil
	case bytes.HasPrefix(head, []byte("MPCK")), bytes.HasPrefix(head, []byte("MP+")):
		return formatMPC, nil
	case len(head) >= 10 && string(head[:3]) == "ID3":
		// lofty's Probe looks at what follows the tag (its 10-byte header
		// plus the size, footer ignored), then for a frame sync.
		after := 10 + int64(syncsafe(head[6:10]))
		next := make([]byte, 4)
		if after < s.Size() {
			s.ReadAt(next[:min(4, s.Size()-after)], after)
		}
		switch {
		case bytes.HasPrefix(next, []byte("MAC")):
			return formatAPE, nil
		case string(next) == "fLaC":
			return formatFLAC, nil
		case string(next) == "MPCK", bytes.HasPrefix(next, []byte("MP+")):
			return formatMPC, nil
		}
		if f, ok := junkSync(s, after); ok {
			return f, nil
		}
	default:
		// lofty searches the first 1024 bytes for a frame sync.
		if f, ok := junkSync(s, 0); ok {
			return f, nil
		}
	}
	return formatUnknown, errors.New("audiometa: unknown audio format (extension and content both unrecognized)")
}

// maxJunk is lofty's ParseOptions::DEFAULT_MAX_JUNK_BYTES: how far its
// Probe searches for a frame sync in an unrecognized file.
const maxJunk = 1024

// junkSync is lofty's check_mpeg_or_aac: a frame sync within maxJunk bytes
// of off decides between MPEG and ADTS AAC.
func junkSync(s *bounded.Reader, off int64) (format, bool) {
	if off >= s.Size() {
		return formatUnknown, false
	}
	b, err := s.Bytes(off, int(min(maxJunk, s.Size()-off)))
	if err != nil {
		return formatUnknown, false
	}
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 0xFF && b[i+1]>>5 == 7 {
			return mpegOrAAC(b[i+1]), true
		}
	}
	return formatUnknown, false
}

// mpegOrAAC tells the two frame syncs apart as lofty does: the bit that is
// the MPEG version's high bit set and a layer of 0 mean ADTS.
func mpegOrAAC(b1 byte) format {
	if b1&0x10 != 0 && b1&0x06 == 0 {
		return formatAAC
	}
	return formatMPEG
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

func syncsafe(b []byte) uint32 {
	return uint32(b[0]&0x7F)<<21 | uint32(b[1]&0x7F)<<14 | uint32(b[2]&0x7F)<<7 | uint32(b[3]&0x7F)
}
