package audiometa

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
)

// readFLAC mirrors lofty's flac::read_from: an optional ID3v2 tag, the
// "fLaC" marker, a STREAMINFO block of at least 18 bytes, then the other
// metadata blocks up to the one flagged last, which must not end past the
// file. Duration is total_samples*1000/sample_rate, truncated.
func readFLAC(s *bounded.Reader) (props, error) {
	pos, err := skipID3v2(s, 0)
	if err != nil {
		return props{}, fmt.Errorf("audiometa: flac: %w", err)
	}
	marker, err := s.Bytes(pos, 4)
	if err != nil || string(marker) != "fLaC" {
		return props{}, errors.New(`audiometa: flac: no "fLaC" stream marker`)
	}
	pos += 4
	hdr, err := s.Bytes(pos, 4)
	if err != nil {
		return props{}, fmt.Errorf("audiometa: flac: STREAMINFO header: %w", err)
	}
	if hdr[0]&0x7F != 0 {
		return props{}, errors.New("audiometa: flac: first metadata block is not STREAMINFO")
	}
	infoLen := int64(hdr[1])<<16 | int64(hdr[2])<<8 | int64(hdr[3])
	if infoLen < 18 {
		return props{}, fmt.Errorf("audiometa: flac: STREAMINFO block of %d bytes (< 18)", infoLen)
	}
	info, err := s.Bytes(pos+4, 18)
	if err != nil || pos+4+infoLen > s.Size() {
		return props{}, errors.New("audiometa: flac: STREAMINFO block runs past the end of the file")
	}
	last := hdr[0]&0x80 != 0
	pos += 4 + infoLen
	for n := 0; !last; n++ {
		if n > maxChunks {
			return props{}, errors.New("audiometa: flac: too many metadata blocks")
		}
		h, err := s.Bytes(pos, 4)
		if err != nil {
			return props{}, fmt.Errorf("audiometa: flac: metadata block header: %w", err)
		}
		last = h[0]&0x80 != 0
		pos += 4 + (int64(h[1])<<16 | int64(h[2])<<8 | int64(h[3]))
	}
	if pos > s.Size() {
		return props{}, errors.New("audiometa: flac: metadata blocks run past the end of the file")
	}
	return flacStreamInfo(info), nil
}

// flacStreamInfo decodes STREAMINFO as lofty does, including how it joins
// the 36-bit sample count: the top 4 bits are OR-ed into a u32 shifted by
// 28, so counts of 2^28 samples or more come out as lofty computes them.
func flacStreamInfo(b []byte) props {
	info := binary.BigEndian.Uint32(b[10:14])
	sampleRate := info >> 12
	channels := uint8((info>>9)&7) + 1
	total := binary.BigEndian.Uint32(b[14:18]) | info<<28
	var ms uint64
	if sampleRate > 0 && total > 0 {
		ms = uint64(total) * 1000 / uint64(sampleRate)
	}
	return props{millis: ms, channels: channels, sampleRate: sampleRate}
}

// skipID3v2 returns the offset after an ID3v2 tag at off (and its footer),
// or off when there is none, as lofty's find_id3v2.
func skipID3v2(s *bounded.Reader, off int64) (int64, error) {
	h, err := s.Bytes(off, 10)
	if err != nil || string(h[:3]) != "ID3" {
		return off, nil
	}
	size, footer, err := id3v2Header(h)
	if err != nil {
		return off, nil // lofty's find_id3v2 treats a bad header as no tag
	}
	end := off + 10 + int64(size)
	if footer {
		end += 10
	}
	return end, nil
}

// id3v2Header validates a 10-byte ID3v2 header as lofty's
// Id3v2Header::parse and returns the tag size and whether a footer follows.
func id3v2Header(h []byte) (uint32, bool, error) {
	if string(h[:3]) != "ID3" {
		return 0, false, errors.New("not an ID3v2 tag")
	}
	major, flags := h[3], h[5]
	if major < 2 || major > 4 {
		return 0, false, fmt.Errorf("ID3v2 major version %d is not 2, 3 or 4", major)
	}
	if major == 2 && flags&0x40 != 0 {
		return 0, false, errors.New("ID3v2.2 tag with compression")
	}
	return syncsafe(h[6:10]), major >= 3 && flags&0x10 != 0, nil
}
