package audiometa

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
)

// adtsSampleRates is the MPEG-4 sampling frequency table (indices 13 and
// 14 are reserved and give 0, as in lofty's mp4 SAMPLE_RATES).
var adtsSampleRates = [16]uint32{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350, 0, 0, 0}

// adtsHeaderMask keeps the first four header bytes up to the home bit,
// lofty's aac HEADER_MASK, for comparing a frame with the next.
const adtsHeaderMask = 0xFFFF_FFE0

type adtsHeader struct {
	sampleRate uint32
	channels   uint8
	len        uint32 // the 13-bit frame length, header included
	bitrate    uint32 // kb/s as lofty derives it from one frame
	hdrLen     int64  // 7, or 9 with a CRC
	first4     uint32
}

// readADTSHeader is lofty's ADTSHeader::read at the cursor: 7 bytes that
// must be there (a sync in the last 6 bytes fails the whole file), a
// forbidden sample rate index 15 fails too, and a CRC is skipped.
func readADTSHeader(c *bounded.Cursor) (adtsHeader, error) {
	b, err := c.ReadExact(7)
	if err != nil {
		return adtsHeader{}, fmt.Errorf("ADTS header at offset %d: %w", c.Pos, err)
	}
	sri := (b[2] >> 2) & 0xF
	if sri == 15 {
		return adtsHeader{}, errors.New("ADTS header with the forbidden sample rate index 15")
	}
	h := adtsHeader{
		sampleRate: adtsSampleRates[sri],
		channels:   (b[2]&1)<<2 | b[3]>>6,
		len:        uint32(b[3]&3)<<11 | uint32(b[4])<<3 | uint32(b[5])>>5,
		hdrLen:     7,
		first4:     binary.BigEndian.Uint32(b),
	}
	h.bitrate = h.len * h.sampleRate / 1024 * 8 / 1024
	if b[1]&1 == 0 { // protection absent = 0: a 2-byte CRC follows
		h.hdrLen = 9
		c.Pos += 2
	}
	return h, nil
}

// nextADTSFrame is lofty's aac find_next_frame: from the cursor, find a
// sync, read the header there and accept it when the header one frame
// length later agrees under the mask. Where that next header cannot be
// read the search gives up (found false); after a mismatch it resumes one
// frame length on. On success the cursor sits at the next frame's start.
func nextADTSFrame(c *bounded.Cursor) (h adtsHeader, start int64, found bool, err error) {
	for {
		sync, ok, err := nextSync(c)
		if err != nil || !ok {
			return adtsHeader{}, 0, false, err
		}
		c.Pos = sync
		h, err := readADTSHeader(c)
		if err != nil {
			return adtsHeader{}, 0, false, err
		}
		c.Pos += int64(h.len) - min(int64(h.len), h.hdrLen) // lofty's saturating_sub
		next, err := c.ReadExact(4)
		if err != nil {
			return adtsHeader{}, 0, false, nil // undetermined
		}
		c.Pos -= 4
		if h.first4&adtsHeaderMask == binary.BigEndian.Uint32(next)&adtsHeaderMask {
			return h, sync, true, nil
		}
	}
}

// readAAC mirrors lofty's aac::read_from for raw ADTS streams: skip zero
// padding, any ID3v2 tags (the stream length loses each tag's size, not its
// 10-byte header) and junk up to the first frame confirmed by the next;
// drop an ID3v1 tag from the stream length; then walk every following
// frame (as lofty does, streaming through the file) to average the
// per-frame bitrates with integer division. Channels and sample rate come
// from the first frame; duration = stream_len*8 / avg_kbps ms, truncated,
// and 0 when the average is 0.
func readAAC(s *bounded.Reader) (props, error) {
	c := bounded.NewCursor(s, 0)
	for {
		b, err := c.ReadU8()
		if err != nil {
			return props{}, errors.New("audiometa: aac: the file holds only zero bytes")
		}
		if b != 0 {
			c.Pos--
			break
		}
	}
	streamLen := uint64(s.Size()) // lofty counts leading padding as stream
	var first adtsHeader
	var firstStart int64
	found := false
	for !found {
		head, err := c.ReadExact(4)
		if err != nil {
			break
		}
		c.Pos -= 4
		if string(head[:3]) != "ID3" {
			var err error
			if first, firstStart, found, err = nextADTSFrame(c); err != nil {
				return props{}, fmt.Errorf("audiometa: aac: %w", err)
			}
			continue
		}
		h, err := parseID3v2(c)
		if err != nil {
			return props{}, fmt.Errorf("audiometa: aac: %w", err)
		}
		if streamLen < uint64(h.size) {
			return props{}, errors.New("audiometa: aac: ID3v2 tag larger than the file")
		}
		streamLen -= uint64(h.size)
		// lofty's parse_id3v2 consumes size - extended size bytes from
		// where the header parse stopped (a short file just ends it).
		c.Pos = min(c.Pos+int64(h.size-h.extSize), s.Size())
		if h.footer {
			if streamLen < 10 {
				return props{}, errors.New("audiometa: aac: ID3v2 footer larger than the file")
			}
			streamLen -= 10
			c.Pos += 10
		}
	}
	if s.Size() >= 128 {
		tag, err := s.Bytes(s.Size()-128, 3)
		if err != nil {
			return props{}, fmt.Errorf("audiometa: aac: %w", err)
		}
		if string(tag) == "TAG" {
			if streamLen < 128 {
				return props{}, errors.New("audiometa: aac: ID3v1 tag larger than the stream")
			}
			streamLen -= 128
		}
	}
	if !found {
		return props{}, errors.New("audiometa: aac: no ADTS frame confirmed by the one after it")
	}
	// Average over every frame lofty finds after the first; the u32 sum
	// wraps as in a Rust release build.
	c.Pos = firstStart + first.hdrLen
	sum, count := first.bitrate, uint32(1)
	for {
		h, _, ok, err := nextADTSFrame(c)
		if err != nil {
			return props{}, fmt.Errorf("audiometa: aac: %w", err)
		}
		if !ok {
			break
		}
		sum += h.bitrate
		count++
	}
	p := props{channels: first.channels, sampleRate: first.sampleRate}
	if avg := sum / count; avg > 0 {
		p.millis = streamLen * 8 / uint64(avg)
	}
	return p, nil
}
