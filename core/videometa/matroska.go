package videometa

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
	"github.com/oxdrop/oxdrop/core/model"
)

// Matroska/WebM element ids (with their length marker, as written).
const (
	idEBML          = 0x1A45DFA3
	idSegment       = 0x18538067
	idSeekHead      = 0x114D9B74
	idSeek          = 0x4DBB
	idSeekID        = 0x53AB
	idSeekPosition  = 0x53AC
	idInfo          = 0x1549A966
	idTimecodeScale = 0x2AD7B1
	idDuration      = 0x4489
	idTracks        = 0x1654AE6B
	idTrackEntry    = 0xAE
	idTrackType     = 0x83
	idVideo         = 0xE0
	idPixelWidth    = 0xB0
	idPixelHeight   = 0xBA
	idCluster       = 0x1F43B675
)

// maxElements bounds how many element headers one file may make us read.
const maxElements = 100_000

// unknownSize marks an element whose size field is all ones (live streams).
const unknownSize = -1

type ebmlElement struct {
	id    uint32
	start int64 // header start
	data  int64 // payload start
	size  int64 // payload size, or unknownSize
	end   int64 // payload end (parent end when the size is unknown)
}

type ebmlReader struct {
	r        *bounded.Reader
	elements int
}

// readMatroska walks EBML header → Segment → Info and Tracks. Clusters are
// never read: when Info or Tracks sit after the first Cluster, the SeekHead
// says where they are.
func readMatroska(r io.ReaderAt, size int64) (*model.VideoMeta, error) {
	e := &ebmlReader{r: bounded.New(r, size)}
	hdr, err := e.header(0, size)
	if err != nil {
		return nil, err
	}
	if hdr.id != idEBML || hdr.size == unknownSize {
		return nil, errors.New("videometa: matroska: the file does not start with a sized EBML header")
	}
	seg, err := e.header(hdr.end, size)
	if err != nil {
		return nil, err
	}
	if seg.id != idSegment {
		return nil, fmt.Errorf("videometa: matroska: expected a Segment after the EBML header, found element 0x%X", seg.id)
	}
	var (
		info, tracks *ebmlElement
		seeks        = map[uint32]int64{}
	)
	for off := seg.data; off < seg.end && (info == nil || tracks == nil); {
		el, err := e.header(off, seg.end)
		if err != nil {
			return nil, err
		}
		switch el.id {
		case idSeekHead:
			if err := e.readSeekHead(el, seeks); err != nil {
				return nil, err
			}
		case idInfo:
			info = &el
		case idTracks:
			tracks = &el
		}
		if el.id == idCluster || el.size == unknownSize {
			break // clusters are not read; the SeekHead finds what is left
		}
		off = el.end
	}
	for _, want := range []struct {
		id  uint32
		dst **ebmlElement
	}{{idInfo, &info}, {idTracks, &tracks}} {
		if *want.dst != nil {
			continue
		}
		pos, ok := seeks[want.id]
		if !ok {
			return nil, fmt.Errorf("videometa: matroska: element 0x%X is not before the first cluster and the SeekHead does not locate it", want.id)
		}
		el, err := e.header(seg.data+pos, seg.end)
		if err != nil {
			return nil, err
		}
		if el.id != want.id {
			return nil, fmt.Errorf("videometa: matroska: SeekHead points to element 0x%X where 0x%X was expected", el.id, want.id)
		}
		*want.dst = &el
	}
	ms, err := e.readInfo(*info)
	if err != nil {
		return nil, err
	}
	w, h, err := e.readTracks(*tracks)
	if err != nil {
		return nil, err
	}
	return &model.VideoMeta{NumSeconds: secondsFromMillis(ms), Width: w, Height: h}, nil
}

// readInfo returns Duration × TimecodeScale in whole milliseconds,
// truncated like the mp4 path.
func (e *ebmlReader) readInfo(info ebmlElement) (uint64, error) {
	scale := uint64(1_000_000)
	duration := 0.0
	err := e.children(info, func(el ebmlElement) error {
		switch el.id {
		case idTimecodeScale:
			v, err := e.uint(el)
			if err != nil {
				return err
			}
			if v == 0 {
				return errors.New("videometa: matroska: TimecodeScale is 0")
			}
			scale = v
		case idDuration:
			v, err := e.float(el)
			if err != nil {
				return err
			}
			duration = v
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	ms := math.Floor(duration * float64(scale) / 1e6)
	if math.IsNaN(ms) || ms < 0 || ms > 1e15 {
		return 0, fmt.Errorf("videometa: matroska: duration %v × timecode scale %d is not a usable length", duration, scale)
	}
	return uint64(ms), nil
}

// readTracks returns the pixel size of the first video track.
func (e *ebmlReader) readTracks(tracks ebmlElement) (uint64, uint64, error) {
	var w, h uint64
	found := false
	errFound := errors.New("found")
	err := e.children(tracks, func(entry ebmlElement) error {
		if entry.id != idTrackEntry {
			return nil
		}
		var typ, tw, th uint64
		err := e.children(entry, func(el ebmlElement) error {
			switch el.id {
			case idTrackType:
				v, err := e.uint(el)
				typ = v
				return err
			case idVideo:
				return e.children(el, func(v ebmlElement) error {
					var err error
					switch v.id {
					case idPixelWidth:
						tw, err = e.uint(v)
					case idPixelHeight:
						th, err = e.uint(v)
					}
					return err
				})
			}
			return nil
		})
		if err != nil {
			return err
		}
		if typ == 1 {
			w, h, found = tw, th, true
			return errFound
		}
		return nil
	})
	if err != nil && err != errFound {
		return 0, 0, err
	}
	if !found {
		return 0, 0, errors.New("videometa: matroska: no video track")
	}
	return w, h, nil
}

// readSeekHead records SeekID → SeekPosition (relative to the segment data).
func (e *ebmlReader) readSeekHead(head ebmlElement, seeks map[uint32]int64) error {
	return e.children(head, func(seek ebmlElement) error {
		if seek.id != idSeek {
			return nil
		}
		var id, pos uint64
		var haveID, havePos bool
		err := e.children(seek, func(el ebmlElement) error {
			var err error
			switch el.id {
			case idSeekID:
				id, err = e.uint(el)
				haveID = true
			case idSeekPosition:
				pos, err = e.uint(el)
				havePos = true
			}
			return err
		})
		if err != nil {
			return err
		}
		if haveID && havePos && id <= math.MaxUint32 && pos < uint64(e.r.Size()) {
			if _, dup := seeks[uint32(id)]; !dup {
				seeks[uint32(id)] = int64(pos)
			}
		}
		return nil
	})
}

// children calls fn for each child element of a sized parent.
func (e *ebmlReader) children(parent ebmlElement, fn func(ebmlElement) error) error {
	if parent.size == unknownSize {
		return fmt.Errorf("videometa: matroska: element 0x%X has an unknown size", parent.id)
	}
	for off := parent.data; off < parent.end; {
		el, err := e.header(off, parent.end)
		if err != nil {
			return err
		}
		if el.size == unknownSize {
			return fmt.Errorf("videometa: matroska: element 0x%X inside 0x%X has an unknown size", el.id, parent.id)
		}
		if err := fn(el); err != nil {
			return err
		}
		off = el.end
	}
	return nil
}

// header reads an element id and size at off; the element must fit in end.
func (e *ebmlReader) header(off, end int64) (ebmlElement, error) {
	e.elements++
	if e.elements > maxElements {
		return ebmlElement{}, errors.New("videometa: matroska: too many elements")
	}
	if off < 0 || off >= end {
		return ebmlElement{}, fmt.Errorf("videometa: matroska: element offset %d outside the parent", off)
	}
	buf, err := e.r.At(off, int(min(12, end-off)))
	if err != nil {
		return ebmlElement{}, fmt.Errorf("videometa: matroska: %w", err)
	}
	id, idLen, err := vint(buf, true)
	if err != nil {
		return ebmlElement{}, fmt.Errorf("videometa: matroska: element id at offset %d: %w", off, err)
	}
	if idLen > 4 {
		return ebmlElement{}, fmt.Errorf("videometa: matroska: element id at offset %d is %d bytes long (max 4)", off, idLen)
	}
	size, sizeLen, err := vint(buf[idLen:], false)
	if err != nil {
		return ebmlElement{}, fmt.Errorf("videometa: matroska: element 0x%X size at offset %d: %w", id, off, err)
	}
	el := ebmlElement{id: uint32(id), start: off, data: off + int64(idLen+sizeLen)}
	if size == allOnes(sizeLen) {
		el.size, el.end = unknownSize, end
		return el, nil
	}
	if size > uint64(end-el.data) {
		return ebmlElement{}, fmt.Errorf("videometa: matroska: element 0x%X at offset %d claims %d bytes, only %d remain", id, off, size, end-el.data)
	}
	el.size = int64(size)
	el.end = el.data + el.size
	return el, nil
}

// vint decodes an EBML variable-length integer; keepMarker keeps the length
// bit, as element ids are written with it.
func vint(b []byte, keepMarker bool) (uint64, int, error) {
	if len(b) == 0 {
		return 0, 0, io.ErrUnexpectedEOF
	}
	first := b[0]
	if first == 0 {
		return 0, 0, errors.New("invalid variable-length integer (first byte 0)")
	}
	length := 1
	for mask := byte(0x80); first&mask == 0; mask >>= 1 {
		length++
	}
	if len(b) < length {
		return 0, 0, io.ErrUnexpectedEOF
	}
	v := uint64(first)
	if !keepMarker {
		v &= uint64(0xFF >> length)
	}
	for _, c := range b[1:length] {
		v = v<<8 | uint64(c)
	}
	return v, length, nil
}

// allOnes is the reserved "unknown size" value for a size of n bytes.
func allOnes(n int) uint64 { return 1<<(7*n) - 1 }

func (e *ebmlReader) uint(el ebmlElement) (uint64, error) {
	if el.size > 8 {
		return 0, fmt.Errorf("videometa: matroska: unsigned element 0x%X is %d bytes (max 8)", el.id, el.size)
	}
	var buf [8]byte
	if _, err := e.readFull(buf[8-el.size:], el.data); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(buf[:]), nil
}

func (e *ebmlReader) float(el ebmlElement) (float64, error) {
	var buf [8]byte
	switch el.size {
	case 0:
		return 0, nil
	case 4:
		if _, err := e.readFull(buf[:4], el.data); err != nil {
			return 0, err
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(buf[:4]))), nil
	case 8:
		if _, err := e.readFull(buf[:], el.data); err != nil {
			return 0, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(buf[:])), nil
	}
	return 0, fmt.Errorf("videometa: matroska: float element 0x%X is %d bytes (must be 0, 4 or 8)", el.id, el.size)
}

func (e *ebmlReader) readFull(p []byte, off int64) (int, error) {
	n, err := e.r.ReadAt(p, off)
	if err != nil {
		return n, fmt.Errorf("videometa: matroska: %w", err)
	}
	return n, nil
}
