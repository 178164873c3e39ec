package audiometa

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
)

// readAPE mirrors lofty's ape::read_from and ape/properties.rs: an
// optional ID3v2 tag, then "MAC " (an APE tag at the start makes lofty fail,
// see below), the trailing-tag probes, then the header, whose layout
// depends on the version:
//
//   - 3980 and later: a descriptor (its length at offset 2, anything past 52
//     bytes skipped), then compression, flags, blocks per frame, final
//     frame blocks, total frames, bits, channels, sample rate;
//   - earlier: compression, flags, channels, sample rate, two WAV lengths,
//     total frames, final frame blocks, with blocks per frame implied by the
//     version (and, for 3800-3899, the compression level).
//
// Channels are a u16 cut to u8. With channels outside 1..=32 or no frames
// lofty keeps channels and rate but no duration. Otherwise samples =
// final_frame_blocks, plus blocks_per_frame*(total_frames-1) only when
// final_frame_blocks > 1; duration = samples*1000/rate in f64, +0.5,
// truncated.
func readAPE(s *bounded.Reader) (props, error) {
	c := bounded.NewCursor(s, 0)
	id3, err := findID3v2(c)
	if err != nil {
		return props{}, fmt.Errorf("audiometa: ape: %w", err)
	}
	streamLen := uint64(s.Size())
	if id3 != nil {
		if id3.fullSize() > streamLen {
			return props{}, errors.New("audiometa: ape: ID3v2 tag larger than the file")
		}
		streamLen -= id3.fullSize()
	}
	magic, err := c.ReadExact(4)
	if err != nil {
		return props{}, fmt.Errorf("audiometa: ape: reading the MAC header: %w", err)
	}
	switch string(magic) {
	case "MAC ":
	case "APET":
		// lofty reads the tag, then loops without reading a new
		// identifier: it expects "AGEX" again where the audio starts and
		// fails ("Found incomplete APE tag").
		return props{}, errors.New("audiometa: ape: APE tag before the MAC header (lofty cannot read past it)")
	default:
		return props{}, fmt.Errorf("audiometa: ape: %q where the MAC header should be", magic)
	}
	macStart := c.Pos
	if _, _, err := trailingTags(s, streamLen, false); err != nil {
		return props{}, fmt.Errorf("audiometa: ape: %w", err)
	}
	c.Pos = macStart
	v, err := c.ReadExact(2)
	if err != nil {
		return props{}, errors.New("audiometa: ape: unable to read the version")
	}
	version := binary.LittleEndian.Uint16(v)
	le := binary.LittleEndian
	var blocksPerFrame, finalBlocks, totalFrames uint32
	var p props
	if version >= 3980 {
		d, err := c.ReadExact(46)
		if err != nil {
			return props{}, errors.New("audiometa: ape: file descriptor cut short")
		}
		if n := le.Uint32(d[2:]); n > 52 {
			c.Pos += int64(n - 52)
		}
		h, err := c.ReadExact(24)
		if err != nil {
			return props{}, errors.New("audiometa: ape: MAC header cut short")
		}
		blocksPerFrame, finalBlocks, totalFrames = le.Uint32(h[4:]), le.Uint32(h[8:]), le.Uint32(h[12:])
		p.channels = uint8(le.Uint16(h[18:]))
		p.sampleRate = le.Uint32(h[20:])
	} else {
		h, err := c.ReadExact(26)
		if err != nil {
			return props{}, errors.New("audiometa: ape: MAC header cut short")
		}
		compression := le.Uint16(h)
		switch {
		case version >= 3950:
			blocksPerFrame = 73728 * 4
		case version >= 3900 || (version >= 3800 && compression >= 4000):
			blocksPerFrame = 73728
		default:
			blocksPerFrame = 9216
		}
		p.channels = uint8(le.Uint16(h[4:]))
		p.sampleRate = le.Uint32(h[6:])
		totalFrames, finalBlocks = le.Uint32(h[18:]), le.Uint32(h[22:])
	}
	if p.channels < 1 || p.channels > 32 || totalFrames == 0 {
		return p, nil // lofty's verify fails; best-attempt keeps the rest
	}
	samples := uint64(finalBlocks)
	if samples > 1 {
		samples += uint64(blocksPerFrame) * uint64(totalFrames-1)
	}
	if p.sampleRate > 0 {
		length := float64(samples) * 1000 / float64(p.sampleRate)
		p.millis = msFromFloat(length + 0.5)
	}
	return p, nil
}
