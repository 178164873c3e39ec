package audiometa

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
)

// wvSampleRates is WavPack's sample rate table; index 15 means a custom
// rate stored in the block's metadata.
var wvSampleRates = [16]uint32{6000, 8000, 9600, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000, 192000, 0}

const (
	wvFlagMono    = 0x4
	wvFlagInitial = 0x800
	wvFlagFinal   = 0x1000
	wvFlagDSD     = 0x8000_0000
	wvMaxBlock    = 1 << 20 // lofty's WV_BLOCK_MAX_SIZE
	wvMinVersion  = 0x402
	wvMaxVersion  = 0x410
)

// readWavPack mirrors lofty's wavpack::read_from and read_properties: the
// trailing-tag probes, then blocks from offset 0 (no ID3v2 skipping: a tag
// there ends the walk at once and leaves everything 0). Each block header
// ("wvpk", size 24..1 MiB, version, total samples, block samples, flags)
// sets the sample rate from its flags; a custom rate (index 15) or DSD
// makes lofty read the block's metadata for the rate (and channel info).
// An initial block with a version outside 0x402..0x410 ends the walk; one
// sets the total sample count and, when it is also final, 1 or 2 channels.
// Blocks without samples are skipped; the walk stops after the first final
// block with samples, or at the first block it cannot read. A total of
// 0xFFFFFFFF (unknown) or 0, or a rate of 0, gives no duration; otherwise
// duration = total*1000/rate in f64, +0.5, truncated.
func readWavPack(s *bounded.Reader) (props, error) {
	if _, _, err := trailingTags(s, uint64(s.Size()), false); err != nil {
		return props{}, fmt.Errorf("audiometa: wavpack: %w", err)
	}
	c := bounded.NewCursor(s, 0)
	var (
		rate     uint32
		channels uint16
		total    uint32
		offset   int64
		block    []byte
	)
	for {
		c.Pos = offset
		h, err := c.ReadExact(28) // lofty reads up to the flags, then seeks over the CRC
		if err != nil || string(h[:4]) != "wvpk" {
			break
		}
		le := binary.LittleEndian
		size := le.Uint32(h[4:])
		if size < 24 || size > wvMaxBlock {
			break
		}
		version := le.Uint16(h[8:])
		blockTotal, samples, flags := le.Uint32(h[12:]), le.Uint32(h[20:]), le.Uint32(h[24:])
		rateIdx := (flags >> 23) & 0xF
		rate = wvSampleRates[rateIdx]
		if rateIdx == 15 || flags&wvFlagDSD != 0 {
			c.Pos = offset + 32
			b, err := c.ReadExact(int(size - 24))
			if err != nil {
				break
			}
			block = append(block[:0], b...)
			if err := wvMetadata(block, &rate, &channels); err != nil {
				break
			}
			if rateIdx == 15 && rate == 0 {
				break
			}
		}
		if flags&wvFlagInitial != 0 {
			if version < wvMinVersion || version > wvMaxVersion {
				break
			}
			total = blockTotal
			if flags&wvFlagFinal != 0 {
				channels = 2
				if flags&wvFlagMono != 0 {
					channels = 1
				}
			}
		}
		if samples != 0 && flags&wvFlagFinal != 0 {
			break
		}
		offset += int64(size) + 8
	}
	p := props{channels: uint8(channels), sampleRate: rate}
	if total == 0xFFFF_FFFF || total == 0 || rate == 0 {
		return p, nil
	}
	length := float64(total) * 1000 / float64(rate)
	p.millis = msFromFloat(length + 0.5)
	return p, nil
}

// wvMetadata is lofty's get_extended_meta_info over a block's metadata
// sub-blocks (id, size in words, 3 more size bytes when large, odd-size
// flag): a non-standard rate (0x27) sets the rate, DSD (0x0E) multiplies it
// by 2^n (n <= 30, else the scan stops), multichannel (0x0D) sets the
// channels. Sizes are consumed exactly as lofty does, including the byte
// it skips past the end of a short channel-info sub-block; an error makes
// lofty stop walking blocks.
func wvMetadata(b []byte, rate *uint32, channels *uint16) error {
	errShort := errors.New("wavpack metadata sub-block runs past its block")
	for len(b) >= 2 {
		id := b[0]
		size := uint32(b[1]) << 1
		b = b[2:]
		if id&0x80 != 0 {
			if len(b) < 2 {
				return errShort
			}
			size += uint32(b[0])<<9 + uint32(b[1])<<17
			b = b[2:]
		}
		if size == 0 {
			continue
		}
		if int64(size) > int64(len(b)) {
			return errShort
		}
		if id&0x40 != 0 {
			size--
		}
		switch id & 0x3F {
		case 0x27:
			if size < 3 {
				return errors.New("wavpack non-standard sample rate sub-block < 3 bytes")
			}
			*rate = uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
			b = b[3:]
			size -= 3
		case 0x0E:
			if size <= 1 {
				return errors.New("wavpack DSD sub-block too short")
			}
			mult := uint32(b[0])
			b = b[1:]
			size--
			if mult > 30 {
				return nil // lofty stops reading the metadata, without error
			}
			*rate *= 1 << mult
		case 0x0D:
			if size <= 1 {
				return errors.New("wavpack channel info sub-block too short")
			}
			*channels = uint16(b[0])
			b = b[1:]
			s := size - 2
			if s > 5 {
				return fmt.Errorf("wavpack channel info of %d bytes", size)
			}
			n := []int{1, 2, 3, 4, 4, 5}[s] // bytes read after the count
			if len(b) < n {
				return errShort
			}
			if s >= 4 {
				*channels |= uint16(b[0]&0xF) << 8
				*channels++
			}
			b = b[n:]
			size -= []uint32{1, 2, 3, 4, 4, 5}[s]
		}
		if int64(size) > int64(len(b)) {
			return errShort
		}
		b = b[size:]
		if id&0x40 != 0 {
			if len(b) < 1 {
				return errShort
			}
			b = b[1:]
		}
	}
	return nil
}
