package audiometa

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
)

// maxPacketPrefix is how much of each header packet is kept: enough for
// the identification headers and the comment packet's signature.
const maxPacketPrefix = 80

// maxHeaderBytes bounds how far the header packets may extend (a Vorbis
// comment packet with cover art can be large; its pages are skipped).
const maxHeaderBytes = 16 << 20

type oggPage struct {
	start      int64
	granule    uint64
	segments   []byte
	contentLen int64
}

func (p oggPage) end() int64 { return p.start + 27 + int64(len(p.segments)) + p.contentLen }

// readOggPage is ogg_pager's PageHeader::read.
func readOggPage(s *bounded.Reader, off int64) (oggPage, error) {
	h, err := s.Bytes(off, 27)
	if err != nil {
		return oggPage{}, err
	}
	if string(h[:4]) != "OggS" {
		return oggPage{}, fmt.Errorf("no Ogg page at offset %d", off)
	}
	if h[4] != 0 {
		return oggPage{}, fmt.Errorf("Ogg page at offset %d has version %d", off, h[4])
	}
	if h[26] == 0 {
		return oggPage{}, fmt.Errorf("Ogg page at offset %d has no segments", off)
	}
	seg, err := s.Bytes(off+27, int(h[26]))
	if err != nil {
		return oggPage{}, err
	}
	p := oggPage{start: off, granule: binary.LittleEndian.Uint64(h[6:14]), segments: seg}
	for _, l := range seg {
		p.contentLen += int64(l)
	}
	return p, nil
}

type oggCodec int

const (
	oggVorbis oggCodec = iota
	oggOpus
	oggSpeex
)

// readOgg mirrors lofty's Vorbis, Opus and Speex readers: the header
// packets (identification and comment, plus setup for Vorbis) must be
// complete; channels and sample rate come from the identification header;
// the duration from the last page's granule position minus the first
// page's (minus pre-skip for Opus, which always runs at 48 kHz). lofty
// walks every page header to find the last page; here only the file's tail
// is read.
func readOgg(s *bounded.Reader, codec oggCodec) (props, error) {
	name, count := "vorbis", 3
	switch codec {
	case oggOpus:
		name, count = "opus", 2
	case oggSpeex:
		name, count = "speex", 2
	}
	first, packets, err := oggHeaderPackets(s, count)
	if err != nil {
		return props{}, fmt.Errorf("audiometa: %s: %w", name, err)
	}
	var p props
	var preSkip uint64
	switch codec {
	case oggOpus:
		id := packets[0]
		if len(id) < 8 || string(id[:8]) != "OpusHead" {
			return props{}, errors.New("audiometa: opus: first packet is not OpusHead")
		}
		if len(packets[1]) < 8 || string(packets[1][:8]) != "OpusTags" {
			return props{}, errors.New("audiometa: opus: second packet is not OpusTags")
		}
		if len(id) < 19 {
			return props{}, fmt.Errorf("audiometa: opus: OpusHead of %d bytes (< 19)", len(id))
		}
		p.channels = id[9]
		preSkip = uint64(binary.LittleEndian.Uint16(id[10:12]))
		p.sampleRate = binary.LittleEndian.Uint32(id[12:16]) // the input rate, as lofty reports
		family := id[18]
		if (family == 0 && p.channels > 2) || (family == 1 && p.channels > 8) {
			return props{}, errors.New("audiometa: opus: invalid channel count for mapping family")
		}
		if p.channels == 0 || p.channels > 8 {
			// lofty panics building the channel mask here.
			return props{}, fmt.Errorf("audiometa: opus: %d channels", p.channels)
		}
	case oggSpeex:
		id := packets[0]
		if len(id) < 8 || string(id[:8]) != "Speex   " {
			return props{}, errors.New("audiometa: speex: first packet is not a Speex header")
		}
		if len(id) < 80 {
			return props{}, fmt.Errorf("audiometa: speex: header packet of %d bytes (< 80)", len(id))
		}
		if v := binary.LittleEndian.Uint32(id[28:32]); v > 1 {
			return props{}, fmt.Errorf("audiometa: speex: unknown stream version %d", v)
		}
		p.sampleRate = binary.LittleEndian.Uint32(id[36:40])
		ch := binary.LittleEndian.Uint32(id[48:52])
		if ch != 1 && ch != 2 {
			return props{}, fmt.Errorf("audiometa: speex: %d channels (must be 1 or 2)", ch)
		}
		p.channels = uint8(ch)
	default:
		id := packets[0]
		if len(id) < 7 || string(id[:7]) != "\x01vorbis" {
			return props{}, errors.New("audiometa: vorbis: first packet is not a Vorbis identification header")
		}
		if len(packets[1]) < 7 || string(packets[1][:7]) != "\x03vorbis" {
			return props{}, errors.New("audiometa: vorbis: second packet is not a Vorbis comment header")
		}
		if len(id) < 28 {
			return props{}, fmt.Errorf("audiometa: vorbis: identification header of %d bytes (< 28)", len(id))
		}
		p.channels = id[11]
		p.sampleRate = binary.LittleEndian.Uint32(id[12:16])
	}
	last, ok := lastOggPage(s)
	if !ok {
		return p, nil // lofty leaves the duration at zero
	}
	switch total := satSub(last.granule, first.granule); {
	case codec == oggOpus:
		if total = satSub(total, preSkip); total > 0 {
			p.millis = divRound(total*1000, 48000)
		}
	case p.sampleRate > 0 && total > 0 && codec == oggSpeex:
		p.millis = divRound(total*1000, uint64(p.sampleRate)) // u64, wrapping as lofty's
	case p.sampleRate > 0 && total > 0:
		p.millis = mulDivRound128(total, 1000, uint64(p.sampleRate)) // lofty uses u128 for Vorbis
	}
	return p, nil
}

// oggHeaderPackets reads pages from the start until count packets are
// complete, keeping the first maxPacketPrefix bytes of each.
func oggHeaderPackets(s *bounded.Reader, count int) (oggPage, [][]byte, error) {
	first, err := readOggPage(s, 0)
	if err != nil {
		return oggPage{}, nil, err
	}
	packets := [][]byte{nil}
	page := first
	for n := 0; ; n++ {
		if n > maxChunks || page.start > maxHeaderBytes {
			return oggPage{}, nil, errors.New("header packets too long")
		}
		off := page.start + 27 + int64(len(page.segments))
		for _, l := range page.segments {
			cur := &packets[len(packets)-1]
			if keep := maxPacketPrefix - len(*cur); keep > 0 {
				b, err := s.Bytes(off, min(keep, int(l)))
				if err != nil {
					return oggPage{}, nil, fmt.Errorf("header packet: %w", err)
				}
				*cur = append(*cur, b...)
			}
			off += int64(l)
			if l < 255 {
				if len(packets) == count {
					if off > s.Size() {
						return oggPage{}, nil, errors.New("header packet runs past the end of the file")
					}
					return first, packets, nil
				}
				packets = append(packets, nil)
			}
		}
		if page, err = readOggPage(s, page.end()); err != nil {
			return oggPage{}, nil, fmt.Errorf("expected %d header packets: %w", count, err)
		}
	}
}

// lastOggPage finds the last page in the file's tail: a page is at most
// 65307 bytes, so two of them cover it. Candidates are tried in order; the
// first whose chain of pages reaches the end of the file exactly wins,
// else the last page of the first chain that parses. Like lofty, a last
// page whose content is cut short gives no duration.
func lastOggPage(s *bounded.Reader) (oggPage, bool) {
	const window = 2 * 65307
	start := max(0, s.Size()-window)
	tail := make([]byte, s.Size()-start)
	if _, err := s.ReadAt(tail, start); err != nil {
		return oggPage{}, false
	}
	var fallback *oggPage
	// A candidate already reached from an earlier one has the same chain
	// end, so each page header is read at most once.
	visited := map[int64]bool{}
	for i := 0; i+4 <= len(tail); i++ {
		if string(tail[i:i+4]) != "OggS" || visited[start+int64(i)] {
			continue
		}
		page, err := readOggPage(s, start+int64(i))
		if err != nil {
			continue
		}
		visited[page.start] = true
		for {
			next, err := readOggPage(s, page.end())
			if err != nil || visited[next.start] {
				break
			}
			visited[next.start] = true
			page = next
		}
		if page.end() == s.Size() {
			return page, true
		}
		if fallback == nil {
			p := page
			fallback = &p
		}
	}
	if fallback == nil || fallback.end() > s.Size() {
		return oggPage{}, false
	}
	return *fallback, true
}
