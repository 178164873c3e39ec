package audiometa

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
)

// mpcSampleRates is lofty's Musepack FREQUENCY_TABLE.
var mpcSampleRates = [8]uint32{44100, 48000, 37800, 32000, 0, 0, 0, 0}

const (
	mpcFrameLength = 36 * 32 // samples per frame
	mpcSynthDelay  = 481
)

// readMPC mirrors lofty's musepack::read_from: an optional ID3v2 tag, the
// trailing-tag probes (with checked subtractions), then the stream version
// from the 4 bytes after the ID3v2 tag: "MPCK" is SV8, "MP+" SV7 and
// anything else SV4-6.
func readMPC(s *bounded.Reader) (props, error) {
	c := bounded.NewCursor(s, 0)
	id3, err := findID3v2(c)
	if err != nil {
		return props{}, fmt.Errorf("audiometa: mpc: %w", err)
	}
	streamLen := uint64(s.Size())
	if id3 != nil {
		if id3.fullSize() > streamLen {
			return props{}, errors.New("audiometa: mpc: ID3v2 tag larger than the file")
		}
		streamLen -= id3.fullSize()
	}
	start := c.Pos
	if _, _, err := trailingTags(s, streamLen, true); err != nil {
		return props{}, fmt.Errorf("audiometa: mpc: %w", err)
	}
	c.Pos = start
	magic, err := c.ReadExact(4)
	if err != nil {
		return props{}, fmt.Errorf("audiometa: mpc: reading the stream header: %w", err)
	}
	var p props
	switch {
	case string(magic) == "MPCK":
		p, err = mpcSV8(c)
	case string(magic[:3]) == "MP+":
		c.Pos--
		p, err = mpcSV7(c)
	default:
		c.Pos -= 4
		p, err = mpcSV4to6(c)
	}
	if err != nil {
		return props{}, fmt.Errorf("audiometa: mpc: %w", err)
	}
	return p, nil
}

// mpcSV4to6 is lofty's MpcSv4to6Properties::read: eight little-endian u32,
// stream version in bits 11-20 of the first (4 to 6 or an error), frame
// count 32 bits from version 5 (else the top 16 bits), one frame less
// before version 6; always 2 channels at 44100 Hz. Duration =
// (frames*1152 - 481, saturating)*1000/44100, rounded.
func mpcSV4to6(c *bounded.Cursor) (props, error) {
	h, err := c.ReadExact(32)
	if err != nil {
		return props{}, fmt.Errorf("SV4-6 header: %w", err)
	}
	w0, w1 := binary.LittleEndian.Uint32(h), binary.LittleEndian.Uint32(h[4:])
	version := (w0 >> 11) & 0x3FF
	if version < 4 || version > 6 {
		return props{}, fmt.Errorf("stream version %d is not SV4-6 (and no MPCK or MP+ marker)", version)
	}
	frames := w1
	if version < 5 {
		frames = w1 >> 16
	}
	if version < 6 && frames > 0 {
		frames--
	}
	p := props{channels: 2, sampleRate: 44100}
	if frames == 0 {
		return p, nil
	}
	samples := uint64(frames) * mpcFrameLength
	samples -= min(samples, mpcSynthDelay)
	p.millis = divRound(samples*1000, uint64(p.sampleRate))
	return p, nil
}

// mpcSV7 is lofty's MpcSv7Properties::read from the version byte after
// "MP+" (its low nibble must be 7): frame count, a flags word whose second
// byte's low bits index the sample rate, gains, a gapless word (last frame
// length, at most 1152) and the encoder byte. Always 2 channels. Duration
// = frames * (1152/rate) * 1000 in f64, truncated. lofty then divides by
// the sample total for the bitrate, which panics when a gapless stream of
// one frame has a last frame length of 0: that is an error here.
func mpcSV7(c *bounded.Cursor) (props, error) {
	h, err := c.ReadExact(22)
	if err != nil {
		return props{}, fmt.Errorf("SV7 header: %w", err)
	}
	if h[0]&0x0F != 7 {
		return props{}, fmt.Errorf("stream version %d after MP+, want 7", h[0]&0x0F)
	}
	le := binary.LittleEndian
	frames := le.Uint32(h[1:])
	flags := le.Uint32(h[5:])
	p := props{channels: 2, sampleRate: mpcSampleRates[(flags>>16)&3]}
	gapless := le.Uint32(h[17:])
	var lastFrame uint64
	if gapless>>31 == 1 {
		lastFrame = uint64(gapless>>20) & 0x7FF
	}
	if lastFrame > mpcFrameLength {
		return props{}, fmt.Errorf("last frame length %d > %d", lastFrame, mpcFrameLength)
	}
	if frames == 0 {
		return p, nil
	}
	perFrame := float64(mpcFrameLength) / float64(p.sampleRate)
	p.millis = msFromFloat(float64(frames) * perFrame * 1000)
	if gapless>>31 == 1 && uint64(frames)*mpcFrameLength-(mpcFrameLength-lastFrame) == 0 {
		return props{}, errors.New("gapless stream of 0 samples (lofty divides by zero)")
	}
	return p, nil
}

// mpcSV8 is lofty's sv8 read_from: packets of a two-uppercase-letter key
// and a size of 1 to 9 bytes (7 bits each, big-endian, counting the key and
// itself) walked from after "MPCK" until "SE" or the first packet that
// cannot be read. "SH" (stream header: CRC, version, sample count and
// beginning silence as sizes, rate index in the top 3 bits, channels-1 in
// the top 4), "RG" (9 bytes) and "EI" (4 bytes) must hold their fields or
// the file fails; the last "SH" wins and without one rate and channels are
// 0. Duration = (samples - silence)*1000/rate, rounded, in wrapping u64.
func mpcSV8(c *bounded.Cursor) (props, error) {
	var sh *props
	var samples, silence uint64
	for {
		key, err := c.ReadExact(2)
		if err != nil {
			break
		}
		k0, k1 := key[0], key[1]
		if k0 < 'A' || k0 > 'Z' || k1 < 'A' || k1 > 'Z' {
			break
		}
		size, n, err := mpcSize(c, -1)
		if err != nil {
			break
		}
		payload := size - min(size, uint64(2+n))
		end := c.Pos + int64(min(payload, uint64(1<<62)))
		limit := int64(min(payload, uint64(c.Size())))
		switch string([]byte{k0, k1}) {
		case "SH":
			if limit < 5 {
				return props{}, errors.New("SV8 stream header cut short")
			}
			if _, err := c.ReadExact(5); err != nil { // CRC and version
				return props{}, errors.New("SV8 stream header cut short")
			}
			left := limit - 5
			var a, b uint64
			var used int
			if a, used, err = mpcSize(c, left); err != nil {
				return props{}, fmt.Errorf("SV8 stream header sample count: %w", err)
			}
			left -= int64(used)
			if b, used, err = mpcSize(c, left); err != nil {
				return props{}, fmt.Errorf("SV8 stream header beginning silence: %w", err)
			}
			left -= int64(used)
			if left < 2 {
				return props{}, errors.New("SV8 stream header cut short before its flags")
			}
			f, err := c.ReadExact(2)
			if err != nil {
				return props{}, errors.New("SV8 stream header cut short before its flags")
			}
			sh = &props{sampleRate: mpcSampleRates[f[0]>>5], channels: f[1]>>4 + 1}
			samples, silence = a, b
		case "RG", "EI":
			need := int64(9)
			if k0 == 'E' {
				need = 4
			}
			if limit < need {
				return props{}, fmt.Errorf("SV8 %s packet of %d bytes (< %d)", key, payload, need)
			}
			if _, err := c.ReadExact(int(need)); err != nil {
				return props{}, fmt.Errorf("SV8 %s packet cut short", key)
			}
		case "SE":
			return mpcSV8Props(sh, samples, silence)
		}
		c.Pos = end
	}
	return mpcSV8Props(sh, samples, silence)
}

func mpcSV8Props(sh *props, samples, silence uint64) (props, error) {
	if sh == nil {
		return props{}, nil
	}
	p := *sh
	if silence > samples {
		return props{}, errors.New("SV8 beginning silence greater than the sample count")
	}
	if p.sampleRate == 0 || samples == 0 || samples == silence {
		return p, nil
	}
	total := (samples - silence) * 1000 // wraps as in a Rust release build
	if total == 0 {
		return props{}, errors.New("SV8 sample count wraps to 0 (lofty divides by zero)")
	}
	p.millis = divRound(total, uint64(p.sampleRate))
	return p, nil
}

// mpcSize reads a Musepack variable-length size: 7 bits a byte, big-endian,
// high bit set on all but the last, at most 9 bytes. limit (when >= 0) is
// how many bytes the packet has left, as lofty's PacketReader caps reads.
func mpcSize(c *bounded.Cursor, limit int64) (uint64, int, error) {
	var v uint64
	for n := 1; ; n++ {
		if limit >= 0 && int64(n) > limit {
			return 0, 0, errors.New("size runs past its packet")
		}
		b, err := c.ReadU8()
		if err != nil {
			return 0, 0, err
		}
		if n > 9 {
			return 0, 0, errors.New("size longer than 9 bytes")
		}
		v = v<<7 | uint64(b&0x7F)
		if b&0x80 == 0 {
			return v, n, nil
		}
	}
}
