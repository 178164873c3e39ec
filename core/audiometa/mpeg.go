package audiometa

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
)

// maxScan bounds the forward search for the first frame and the backward
// search for the last one; lofty has no bound, but real files put both
// within a few kilobytes of where the search starts.
const maxScan = 1 << 20

var mpegBitrates = [2][3][16]uint32{
	{
		{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0},
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0},
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0},
	},
	{
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
	},
}

var (
	mpegSampleRates = [3][3]uint32{{44100, 48000, 32000}, {22050, 24000, 16000}, {11025, 12000, 8000}}
	mpegSamples     = [3][2]uint32{{384, 384}, {1152, 1152}, {1152, 576}}
	mpegSideInfo    = [2][4]uint32{{32, 32, 32, 17}, {17, 17, 17, 9}}
	mpegPadding     = [3]uint32{4, 1, 1}
)

// headerMask keeps version, layer and sample rate bits for comparing two
// frame headers, as lofty's HEADER_MASK.
const headerMask = 0xFFFE_0C00

type mpegHeader struct {
	version    int // 0 = MPEG 1, 1 = MPEG 2, 2 = MPEG 2.5
	layer      int // 1..3
	bitrate    uint32
	sampleRate uint32
	samples    uint32
	len        uint32
	dataStart  uint32
	mono       bool
}

// parseMPEGHeader is lofty's Header::read: nil for reserved versions,
// layers, bitrates and sample rates.
func parseMPEGHeader(data uint32) *mpegHeader {
	var h mpegHeader
	switch (data >> 19) & 3 {
	case 0:
		h.version = 2
	case 2:
		h.version = 1
	case 3:
		h.version = 0
	default:
		return nil
	}
	switch (data >> 17) & 3 {
	case 1:
		h.layer = 3
	case 2:
		h.layer = 2
	case 3:
		h.layer = 1
	default:
		return nil
	}
	vi := min(h.version, 1)
	li := h.layer - 1
	h.bitrate = mpegBitrates[vi][li][(data>>12)&0xF]
	if h.bitrate == 0 {
		return nil
	}
	sri := (data >> 10) & 3
	if sri == 3 {
		return nil
	}
	h.sampleRate = mpegSampleRates[h.version][sri]
	var padding uint32
	if (data>>9)&1 == 1 {
		padding = mpegPadding[li]
	}
	mode := (data >> 6) & 3
	h.mono = mode == 3
	h.dataStart = mpegSideInfo[vi][mode] + 4
	h.samples = mpegSamples[li][vi]
	h.len = h.samples*h.bitrate*125/h.sampleRate + padding
	return &h
}

func syncAt(a, b byte) bool { return a == 0xFF && b>>5 == 7 }

// readMPEG mirrors lofty's mpeg::read_from and read_properties: skip
// leading zeros and ID3v2/APE tags, find the first frame whose successor
// agrees with it, then take the duration from a Xing/Info/VBRI header, or
// else from the stream length and the first frame's bitrate.
func readMPEG(s *bounded.Reader) (props, error) {
	pos, err := skipZeros(s, 0)
	if err != nil {
		return props{}, err
	}
	var first *mpegHeader
	var firstOff int64
	for n := 0; ; n++ {
		if n > maxChunks {
			return props{}, errors.New("audiometa: mp3: too many tags")
		}
		head, err := s.Bytes(pos, 4)
		if err != nil {
			break
		}
		if string(head[:3]) == "ID3" {
			h, err := s.Bytes(pos, 10)
			if err != nil {
				return props{}, fmt.Errorf("audiometa: mp3: ID3v2 header: %w", err)
			}
			size, footer, err := id3v2Header(h)
			if err != nil {
				return props{}, fmt.Errorf("audiometa: mp3: %w", err)
			}
			if h[3] >= 3 && h[5]&0x40 != 0 { // extended header, checked as lofty does
				x, err := s.Bytes(pos+10, 4)
				if err != nil {
					return props{}, fmt.Errorf("audiometa: mp3: ID3v2 extended header: %w", err)
				}
				if ext := syncsafe(x); ext < 6 || ext >= size {
					return props{}, fmt.Errorf("audiometa: mp3: ID3v2 extended header size %d is invalid for a %d-byte tag", ext, size)
				}
			}
			pos += 10 + int64(size)
			if footer {
				pos += 10
			}
			continue
		}
		if string(head) == "APET" {
			h, err := s.Bytes(pos, 32)
			if err != nil || string(h[4:8]) != "AGEX" {
				return props{}, errors.New("audiometa: mp3: fake APE tag at the start")
			}
			size := binary.LittleEndian.Uint32(h[12:16])
			if size < 32 {
				return props{}, fmt.Errorf("audiometa: mp3: APE tag size %d (< 32)", size)
			}
			pos += 32 + int64(size)
			continue
		}
		first, firstOff, err = findFirstFrame(s, pos)
		if err != nil {
			return props{}, err
		}
		break
	}
	if first == nil {
		return props{}, errors.New("audiometa: mp3: no valid MPEG frame")
	}
	lastOff, err := streamEnd(s)
	if err != nil {
		return props{}, err
	}
	p := props{sampleRate: first.sampleRate, channels: 2}
	if first.mono {
		p.channels = 1
	}
	vbr, err := s.Bytes(firstOff+int64(first.dataStart), 32)
	if err != nil {
		return props{}, fmt.Errorf("audiometa: mp3: Xing/VBRI header: %w", err)
	}
	var frames, bytesTotal uint32
	haveVBR := false
	switch string(vbr[:4]) {
	case "Xing", "Info":
		if vbr[7]&3 == 3 {
			haveVBR = true
			frames = binary.BigEndian.Uint32(vbr[8:12])
			bytesTotal = binary.BigEndian.Uint32(vbr[12:16])
		}
	case "VBRI":
		haveVBR = true
		bytesTotal = binary.BigEndian.Uint32(vbr[10:14])
		frames = binary.BigEndian.Uint32(vbr[14:18])
	}
	// An "Info" header (CBR) counts like "Xing": lofty uses either when
	// both frame and byte counts are set.
	if haveVBR && frames > 0 && bytesTotal > 0 {
		p.millis = divRound(uint64(first.samples)*1000*uint64(frames), uint64(first.sampleRate))
		return p, nil
	}
	last, lastStart := findLastFrame(s, first, lastOff)
	if last == nil {
		return p, nil // lofty gives a zero duration
	}
	end := lastStart + int64(last.len)
	if end < firstOff {
		return p, nil
	}
	p.millis = divRound(uint64(end-firstOff)*8, uint64(first.bitrate))
	return p, nil
}

// skipZeros returns the offset of the first non-zero byte.
func skipZeros(s *bounded.Reader, pos int64) (int64, error) {
	buf := make([]byte, 4096)
	for start, chunk := pos, 16; pos-start < maxScan; chunk = min(2*chunk, len(buf)) {
		n := int(min(int64(chunk), s.Size()-pos))
		if n <= 0 {
			return 0, errors.New("audiometa: mp3: the file holds only zero bytes")
		}
		if _, err := s.ReadAt(buf[:n], pos); err != nil {
			return 0, fmt.Errorf("audiometa: mp3: %w", err)
		}
		for i, c := range buf[:n] {
			if c != 0 {
				return pos + int64(i), nil
			}
		}
		pos += int64(n)
	}
	return 0, errors.New("audiometa: mp3: over 1 MiB of leading zero bytes")
}

// findFirstFrame is lofty's find_next_frame: a frame counts when the header
// at pos+len agrees with it under headerMask; when the next header cannot be
// read the search gives up, and after a mismatch it resumes at pos+len.
func findFirstFrame(s *bounded.Reader, pos int64) (*mpegHeader, int64, error) {
	buf := make([]byte, 4096)
	for start := pos; pos-start < maxScan; {
		sync, ok, err := searchSync(s, pos, start+maxScan, buf)
		if err != nil || !ok {
			return nil, 0, err
		}
		b, err := s.Bytes(sync, 4)
		if err != nil {
			return nil, 0, fmt.Errorf("audiometa: mp3: frame header: %w", err)
		}
		data := binary.BigEndian.Uint32(b)
		h := parseMPEGHeader(data)
		if h == nil {
			pos = sync + 4
			continue
		}
		next := sync + int64(max(h.len, 4))
		nb, err := s.Bytes(next, 4)
		if err != nil {
			return nil, 0, nil // undetermined: lofty stops looking
		}
		if data&headerMask == binary.BigEndian.Uint32(nb)&headerMask {
			return h, sync, nil
		}
		pos = next
	}
	return nil, 0, nil
}

// searchSync returns the offset of the first 0xFF byte at or after pos that
// is followed by a byte with its top three bits set, searching below limit.
// Reads start small and grow, since a sync is usually close by.
func searchSync(s *bounded.Reader, pos, limit int64, buf []byte) (int64, bool, error) {
	for chunk := 64; pos < min(limit, s.Size()-1); chunk = min(2*chunk, len(buf)) {
		n := int(min(int64(chunk), s.Size()-pos))
		if _, err := s.ReadAt(buf[:n], pos); err != nil {
			return 0, false, fmt.Errorf("audiometa: mp3: %w", err)
		}
		for i := 0; i+1 < n; i++ {
			if syncAt(buf[i], buf[i+1]) {
				return pos + int64(i), true, nil
			}
		}
		pos += int64(n - 1)
	}
	return 0, false, nil
}

// streamEnd is where lofty starts the backward search: the end of the file
// before an ID3v1 tag and an APE tag. Files under 32 bytes (or under 15
// after an ID3v1 tag) make lofty's seeks fail, so they fail here too.
func streamEnd(s *bounded.Reader) (int64, error) {
	pos := s.Size()
	if s.Size() >= 128 {
		b, err := s.Bytes(s.Size()-128, 3)
		if err != nil {
			return 0, fmt.Errorf("audiometa: mp3: %w", err)
		}
		if string(b) == "TAG" {
			pos = s.Size() - 128
		}
	}
	// lofty then looks for Lyrics3v2 by comparing 8 bytes with the 9-byte
	// "LYRICS200", which never matches; only its seek can fail.
	if pos < 32 {
		return 0, errors.New("audiometa: mp3: file too short for its trailing tag search")
	}
	b, err := s.Bytes(pos-32, 32)
	if err != nil {
		return 0, fmt.Errorf("audiometa: mp3: %w", err)
	}
	if !bytes.Equal(b[:8], []byte("APETAGEX")) {
		return pos, nil
	}
	version := binary.LittleEndian.Uint32(b[8:12])
	size := int64(binary.LittleEndian.Uint32(b[12:16]))
	if size < 32 {
		return 0, fmt.Errorf("audiometa: mp3: APE tag size %d (< 32)", size)
	}
	if version == 2000 {
		size += 32
	}
	if size > s.Size() || pos-32-size < 0 {
		return 0, fmt.Errorf("audiometa: mp3: APE tag size %d larger than the file", size)
	}
	return pos - 32 - size, nil
}

// findLastFrame is lofty's backward search: 1024-byte windows, the last
// valid header in each, until one matches the first frame's version, layer
// and sample rate.
func findLastFrame(s *bounded.Reader, first *mpegHeader, pos int64) (*mpegHeader, int64) {
	buf := make([]byte, 1024)
	for scanned := int64(0); pos > 0 && scanned < maxScan; {
		bound := min(pos, 1024)
		pos -= bound
		scanned += bound
		w := buf[:bound]
		if _, err := s.ReadAt(w, pos); err != nil {
			return nil, 0
		}
		for i := len(w) - 2; i >= 0; i-- {
			if !syncAt(w[i], w[i+1]) || i+4 > len(w) {
				continue
			}
			h := parseMPEGHeader(binary.BigEndian.Uint32(w[i:]))
			if h == nil {
				continue
			}
			pos += int64(i)
			if h.version == first.version && h.layer == first.layer && h.sampleRate == first.sampleRate {
				return h, pos
			}
			break // keep searching below this frame
		}
	}
	return nil, 0
}
