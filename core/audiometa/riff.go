package audiometa

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
)

// readWAV mirrors lofty's wav::read_from and read_properties, quirks
// included: the first data chunk's declared size is the stream length even
// when the file is cut short, the fmt chunk's pad byte is not skipped, and a
// chunk header that cannot be read simply ends the walk.
func readWAV(s *bounded.Reader) (props, error) {
	head, err := s.Bytes(0, 12)
	if err != nil || string(head[:4]) != "RIFF" {
		return props{}, errors.New("audiometa: wav: no RIFF header")
	}
	if string(head[8:12]) != "WAVE" {
		return props{}, errors.New("audiometa: wav: RIFF file is not WAVE")
	}
	var fmtChunk []byte
	var fmtLen int64
	var totalSamples, streamLen uint32
	remaining := uint64(s.Size()) // lofty starts from the whole file length
	pos := int64(12)
	for n := 0; remaining >= 8; n++ {
		if n > maxChunks {
			return props{}, errors.New("audiometa: wav: too many chunks")
		}
		hdr, err := s.Bytes(pos, 8)
		if err != nil {
			break
		}
		id, size := string(hdr[:4]), binary.LittleEndian.Uint32(hdr[4:8])
		remaining -= 8
		pos += 8
		switch id {
		case "fmt ":
			if fmtLen > 0 { // lofty keeps the first non-empty fmt chunk
				pos, remaining = skipChunk(pos, remaining, size)
				continue
			}
			if uint64(size) > remaining {
				return props{}, fmt.Errorf("audiometa: wav: fmt chunk of %d bytes is larger than the file", size)
			}
			// Only the first 40 bytes matter; the rest must still exist.
			if pos+int64(size) > s.Size() {
				return props{}, fmt.Errorf("audiometa: wav: fmt chunk of %d bytes runs past the end of the file", size)
			}
			if fmtChunk, err = s.Bytes(pos, int(min(size, 40))); err != nil {
				return props{}, fmt.Errorf("audiometa: wav: %w", err)
			}
			fmtLen = int64(size)
			remaining -= uint64(size)
			pos += int64(size)
		case "fact":
			if totalSamples == 0 {
				b, err := s.Bytes(pos, 4)
				if err != nil {
					return props{}, fmt.Errorf("audiometa: wav: fact chunk: %w", err)
				}
				totalSamples = binary.LittleEndian.Uint32(b)
			}
			pos += 4
		case "data":
			if streamLen == 0 {
				streamLen = size
			}
			pos, remaining = skipChunk(pos, remaining, size)
		case "LIST":
			if size < 4 {
				return props{}, errors.New("audiometa: wav: LIST chunk smaller than 4 bytes")
			}
			listType, err := s.Bytes(pos, 4)
			if err != nil {
				return props{}, fmt.Errorf("audiometa: wav: LIST chunk: %w", err)
			}
			if string(listType) == "INFO" && pos+int64(size) > s.Size() {
				return props{}, fmt.Errorf("audiometa: wav: LIST INFO chunk of %d bytes runs past the end of the file", size)
			}
			pos, remaining = skipChunk(pos, remaining, size)
		default:
			pos, remaining = skipChunk(pos, remaining, size)
		}
	}
	return wavProperties(fmtChunk, fmtLen, totalSamples, streamLen)
}

// skipChunk moves past a chunk and its pad byte, as lofty's Chunks::skip.
func skipChunk(pos int64, remaining uint64, size uint32) (int64, uint64) {
	pos += int64(size)
	if size%2 == 1 {
		pos++
		remaining = satSub(remaining, 1)
	}
	return pos, satSub(remaining, uint64(size))
}

func satSub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

func wavProperties(f []byte, fmtLen int64, totalSamples, streamLen uint32) (props, error) {
	if fmtLen < 16 {
		return props{}, errors.New(`audiometa: wav: no valid "fmt " chunk`)
	}
	if streamLen == 0 {
		return props{}, errors.New(`audiometa: wav: no "data" chunk`)
	}
	le := binary.LittleEndian
	formatTag := le.Uint16(f[0:2])
	channels := uint8(le.Uint16(f[2:4])) // lofty keeps the low byte
	sampleRate := le.Uint32(f[4:8])
	bytesPerSecond := le.Uint32(f[8:12])
	bitsPerSample := le.Uint16(f[14:16])
	if formatTag == 0xFFFE {
		if fmtLen < 40 {
			return props{}, errors.New(`audiometa: wav: extensible format with a "fmt " chunk under 40 bytes`)
		}
		formatTag = le.Uint16(f[24:26]) // first two bytes of the sub-format GUID
	}
	if channels == 0 {
		return props{}, errors.New("audiometa: wav: 0 channels")
	}
	if bitsPerSample%8 != 0 {
		return props{}, fmt.Errorf("audiometa: wav: %d bits per sample is not a multiple of 8", bitsPerSample)
	}
	pcm := formatTag == 1 || formatTag == 3
	if !pcm && totalSamples == 0 {
		return props{}, errors.New(`audiometa: wav: non-PCM format without a "fact" chunk`)
	}
	if bitsPerSample > 0 && (totalSamples == 0 || pcm) {
		totalSamples = streamLen / (uint32(channels) * uint32(bitsPerSample/8))
	}
	var ms uint64
	switch {
	case sampleRate > 0 && totalSamples > 0:
		ms = divRound(uint64(totalSamples)*1000, uint64(sampleRate))
	case bytesPerSecond > 0:
		ms = divRound(uint64(streamLen)*1000, uint64(bytesPerSecond))
	}
	return props{millis: ms, channels: channels, sampleRate: sampleRate}, nil
}

// readAIFF mirrors lofty's aiff::read_from: COMM and SSND are required; the
// duration is sample_frames*1000/sample_rate in f64, truncated to ms.
func readAIFF(s *bounded.Reader) (props, error) {
	head, err := s.Bytes(0, 12)
	if err != nil || string(head[:4]) != "FORM" || (string(head[8:12]) != "AIFF" && string(head[8:12]) != "AIFC") {
		return props{}, errors.New("audiometa: aiff: no FORM/AIFF header")
	}
	var comm []byte
	var streamLen uint32
	remaining := uint64(s.Size())
	pos := int64(12)
	for n := 0; remaining >= 8; n++ {
		if n > maxChunks {
			return props{}, errors.New("audiometa: aiff: too many chunks")
		}
		hdr, err := s.Bytes(pos, 8)
		if err != nil {
			break
		}
		id, size := string(hdr[:4]), binary.BigEndian.Uint32(hdr[4:8])
		remaining -= 8
		pos += 8
		switch {
		case id == "COMM" && comm == nil:
			if size < 18 {
				return props{}, fmt.Errorf("audiometa: aiff: COMM chunk of %d bytes (< 18)", size)
			}
			if uint64(size) > remaining || pos+int64(size) > s.Size() {
				return props{}, fmt.Errorf("audiometa: aiff: COMM chunk of %d bytes runs past the end of the file", size)
			}
			if comm, err = s.Bytes(pos, 18); err != nil {
				return props{}, fmt.Errorf("audiometa: aiff: %w", err)
			}
			remaining -= uint64(size)
			pos += int64(size)
			if size%2 == 1 {
				pos++
				remaining = satSub(remaining, 1)
			}
		case id == "SSND":
			streamLen = size
			pos, remaining = skipChunk(pos, remaining, size)
		default:
			pos, remaining = skipChunk(pos, remaining, size)
		}
	}
	if comm == nil {
		return props{}, errors.New("audiometa: aiff: no COMM chunk")
	}
	if streamLen == 0 {
		return props{}, errors.New("audiometa: aiff: no SSND chunk")
	}
	channels := binary.BigEndian.Uint16(comm[0:2])
	if channels == 0 {
		return props{}, errors.New("audiometa: aiff: 0 channels")
	}
	frames := binary.BigEndian.Uint32(comm[2:6])
	rate := float80(comm[8:18])
	if math.IsInf(rate, 0) || math.IsNaN(rate) || math.Signbit(rate) {
		return props{}, errors.New("audiometa: aiff: invalid sample rate")
	}
	sampleRate := uint32(min(math.Round(rate), math.MaxUint32)) // Rust's saturating `as u32`
	var ms uint64
	if sampleRate > 0 && frames > 0 {
		ms = uint64(float64(frames) * 1000 / float64(sampleRate))
	}
	return props{millis: ms, channels: uint8(channels), sampleRate: sampleRate}, nil
}

// float80 converts an 80-bit extended float (big-endian) the way lofty's
// F80::as_f64 does: the explicit integer bit is ignored, the fraction is
// truncated to 52 bits and the exponent re-biased without range checks
// (out-of-range exponents give values the caller then rejects).
func float80(b []byte) float64 {
	sign := uint64(b[0] >> 7)
	exp := binary.BigEndian.Uint16(b[0:2]) & 0x7FFF
	frac := binary.BigEndian.Uint64(b[2:10])
	if exp == 0x7FFF {
		if frac == 0 {
			return math.Float64frombits(sign<<63 | math.Float64bits(math.Inf(1)))
		}
		return math.NaN()
	}
	if frac == 0 {
		return math.Float64frombits(sign << 63)
	}
	e := int16(exp) - 16383 + 1023
	return math.Float64frombits(sign<<63 | uint64(int64(e))<<52 | (frac&0x7FFF_FFFF_FFFF_FFFF)>>11)
}
