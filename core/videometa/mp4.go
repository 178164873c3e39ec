package videometa

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/videometa/bmff"
)

// Handler types the mp4 0.14 crate (used by Oxen) knows. Any other handler
// on any track makes Oxen's video metadata fail, so it fails here too.
var knownHandlers = map[string]bool{"vide": true, "soun": true, "sbtl": true}

type mp4Track struct {
	id            uint32
	handler       string
	width, height uint64
}

// readMP4 mirrors mp4 0.14's Mp4Reader::read_header as Oxen uses it: ftyp
// and moov/mvhd are required, every trak must carry the boxes the crate
// insists on, and the size comes from the first video track.
func readMP4(r io.ReaderAt, size int64) (*model.VideoMeta, error) {
	w := bmff.NewWalker(r, size)
	var ftyp, moov *bmff.Box
	var moofs []bmff.Box
	for off := int64(0); off < size; {
		b, err := w.Header(off, size)
		if err != nil {
			// The crate only rejects a box larger than the whole file; one
			// that merely runs past the end (a cut mdat) ends the walk.
			var big bmff.ErrPastEnd
			if !errors.As(err, &big) || big.Size > uint64(size) || big.Type == "moov" {
				return nil, fmt.Errorf("videometa: mp4: %w", err)
			}
			break
		}
		switch b.Type {
		case "ftyp":
			ftyp = &b
		case "moov":
			moov = &b // the crate keeps the last moov it meets
		case "moof":
			moofs = append(moofs, b)
		}
		off = b.End
	}
	if ftyp == nil {
		return nil, fmt.Errorf("videometa: mp4: no ftyp box")
	}
	if moov == nil {
		return nil, fmt.Errorf("videometa: mp4: no moov box")
	}
	ms, tracks, err := readMoov(w, *moov)
	if err != nil {
		return nil, fmt.Errorf("videometa: mp4: %w", err)
	}
	// The crate keys tracks by id in a HashMap: a later trak with the same
	// id replaces an earlier one, whose handler is then never checked.
	byID := map[uint32]int{}
	for i, t := range tracks {
		byID[t.id] = i
	}
	kept := tracks[:0:0]
	for i, t := range tracks {
		if byID[t.id] == i {
			kept = append(kept, t)
		}
	}
	tracks = kept
	if err := checkFragments(w, moofs, byID); err != nil {
		return nil, fmt.Errorf("videometa: mp4: %w", err)
	}
	for _, t := range tracks {
		if !knownHandlers[t.handler] {
			return nil, fmt.Errorf("videometa: mp4: track %d has handler type %q, which Oxen's mp4 reader rejects", t.id, t.handler)
		}
	}
	for _, t := range tracks {
		if t.handler == "vide" {
			return &model.VideoMeta{NumSeconds: secondsFromMillis(ms), Width: t.width, Height: t.height}, nil
		}
	}
	return nil, fmt.Errorf("videometa: mp4: no video track")
}

// checkFragments mirrors what mp4 0.14.0 requires of a fragmented file:
// each moof holds an mfhd, each traf a tfhd, and every traf's track id
// names a track of the moov.
func checkFragments(w *bmff.Walker, moofs []bmff.Box, tracks map[uint32]int) error {
	for _, moof := range moofs {
		hasMfhd := false
		err := w.Children(moof.Data, moof.End, func(b bmff.Box) error {
			switch b.Type {
			case "mfhd":
				hasMfhd = true
			case "traf":
				tfhd, ok, err := w.Find(b, "tfhd")
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("traf at offset %d has no tfhd box", b.Start)
				}
				id, err := w.Read(tfhd, tfhd.Data+4, 4)
				if err != nil {
					return fmt.Errorf("tfhd: %w", err)
				}
				if _, ok := tracks[binary.BigEndian.Uint32(id)]; !ok {
					return fmt.Errorf("fragment refers to track %d, which the moov does not have", binary.BigEndian.Uint32(id))
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if !hasMfhd {
			return fmt.Errorf("moof at offset %d has no mfhd box", moof.Start)
		}
	}
	return nil
}

// readMoov returns the movie duration in whole milliseconds and the tracks.
func readMoov(w *bmff.Walker, moov bmff.Box) (uint64, []mp4Track, error) {
	var mvhd *bmff.Box
	var tracks []mp4Track
	err := w.Children(moov.Data, moov.End, func(b bmff.Box) error {
		switch b.Type {
		case "mvhd":
			mvhd = &b
		case "trak":
			t, err := readTrak(w, b)
			if err != nil {
				return err
			}
			tracks = append(tracks, t)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	if mvhd == nil {
		return 0, nil, fmt.Errorf("moov has no mvhd box")
	}
	ms, err := mvhdMillis(w, *mvhd)
	return ms, tracks, err
}

// mvhdMillis computes duration*1000/timescale with u64 arithmetic, which is
// what Duration::from_millis receives in the crate (truncated to ms).
func mvhdMillis(w *bmff.Walker, mvhd bmff.Box) (uint64, error) {
	vf, err := w.Read(mvhd, mvhd.Data, 4)
	if err != nil {
		return 0, err
	}
	var timescale uint32
	var duration uint64
	switch vf[0] {
	case 1:
		p, err := w.Read(mvhd, mvhd.Data+4, 28)
		if err != nil {
			return 0, err
		}
		timescale = binary.BigEndian.Uint32(p[16:20])
		duration = binary.BigEndian.Uint64(p[20:28])
	case 0:
		p, err := w.Read(mvhd, mvhd.Data+4, 16)
		if err != nil {
			return 0, err
		}
		timescale = binary.BigEndian.Uint32(p[8:12])
		duration = uint64(binary.BigEndian.Uint32(p[12:16]))
	default:
		return 0, fmt.Errorf("mvhd version %d is neither 0 nor 1", vf[0])
	}
	if timescale == 0 {
		return 0, fmt.Errorf("mvhd timescale is 0")
	}
	// Rust release builds wrap on overflow; so does Go's uint64.
	return duration * 1000 / uint64(timescale), nil
}

// readTrak checks the boxes mp4 0.14 requires (tkhd, mdia with mdhd, hdlr
// and minf; minf with dinf and stbl; stbl with stsd, stts, stsc, stsz and
// stco or co64) and reads the track id, handler type and frame size.
func readTrak(w *bmff.Walker, trak bmff.Box) (mp4Track, error) {
	var t mp4Track
	tkhd, mdia, err := requireChildren(w, trak, "tkhd", "mdia")
	if err != nil {
		return t, err
	}
	if err := readTkhd(w, tkhd, &t); err != nil {
		return t, err
	}
	_, hdlr, minf, err := require3(w, mdia, "mdhd", "hdlr", "minf")
	if err != nil {
		return t, err
	}
	// mp4 0.14.0 wants room for a name of at least one byte after the
	// 24 fixed bytes.
	if hdlr.Size() < 25 {
		return t, fmt.Errorf("track %d: hdlr box payload is %d bytes, under 25", t.id, hdlr.Size())
	}
	h, err := w.Read(hdlr, hdlr.Data+8, 4)
	if err != nil {
		return t, err
	}
	t.handler = string(h)
	dinf, stbl, err := requireChildren(w, minf, "dinf", "stbl")
	if err != nil {
		return t, err
	}
	if _, ok, err := w.Find(dinf, "dref"); err != nil {
		return t, err
	} else if !ok {
		return t, fmt.Errorf("track %d: dinf box has no dref box", t.id)
	}
	return t, readStbl(w, stbl, &t)
}

func readTkhd(w *bmff.Walker, tkhd bmff.Box, t *mp4Track) error {
	vf, err := w.Read(tkhd, tkhd.Data, 4)
	if err != nil {
		return err
	}
	// Offsets inside the payload: v1 has 64-bit times and duration.
	idOff, whOff := int64(12), int64(76)
	switch vf[0] {
	case 0:
	case 1:
		idOff, whOff = 20, 88
	default:
		return fmt.Errorf("tkhd version %d is neither 0 nor 1", vf[0])
	}
	id, err := w.Read(tkhd, tkhd.Data+idOff, 4)
	if err != nil {
		return err
	}
	t.id = binary.BigEndian.Uint32(id)
	if t.id == 0 {
		return fmt.Errorf("illegal track id 0")
	}
	wh, err := w.Read(tkhd, tkhd.Data+whOff, 8)
	if err != nil {
		return err
	}
	// 16.16 fixed point: the crate keeps the integer part.
	t.width = uint64(binary.BigEndian.Uint32(wh[0:4]) >> 16)
	t.height = uint64(binary.BigEndian.Uint32(wh[4:8]) >> 16)
	return nil
}

func readStbl(w *bmff.Walker, stbl bmff.Box, t *mp4Track) error {
	seen := map[string]bool{}
	var stsd bmff.Box
	err := w.Children(stbl.Data, stbl.End, func(b bmff.Box) error {
		seen[b.Type] = true
		if b.Type == "stsd" {
			stsd = b
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, need := range []string{"stsd", "stts", "stsc", "stsz"} {
		if !seen[need] {
			return fmt.Errorf("track %d: stbl has no %s box", t.id, need)
		}
	}
	if !seen["stco"] && !seen["co64"] {
		return fmt.Errorf("track %d: stbl has neither stco nor co64", t.id)
	}
	// stsd: version+flags, entry count, then the first sample entry only.
	if stsd.Size() < 16 {
		return fmt.Errorf("track %d: stsd payload is %d bytes, too short for a sample entry", t.id, stsd.Size())
	}
	entry, err := w.Header(stsd.Data+8, stsd.End)
	if err != nil {
		return err
	}
	switch entry.Type {
	case "mp4a":
		return checkMp4a(w, entry, t)
	case "avc1":
	default:
		// mp4 0.14 takes width/height from avc1 only; hev1/vp09 and others
		// fall back to tkhd.
		return nil
	}
	// avc1 payload: 6 reserved, data ref index, 16 pre-defined/reserved,
	// width, height, resolutions, reserved, frame count, compressor name,
	// depth, pre-defined: 78 bytes, then, for mp4 0.14.0, avcC must be the
	// very next box.
	wh, err := w.Read(entry, entry.Data+24, 4)
	if err != nil {
		return fmt.Errorf("track %d: avc1: %w", t.id, err)
	}
	if entry.Size() < 78 {
		return fmt.Errorf("track %d: avc1 payload is %d bytes, under 78", t.id, entry.Size())
	}
	child, err := w.Header(entry.Data+78, entry.End)
	if err != nil {
		return fmt.Errorf("track %d: avc1: %w", t.id, err)
	}
	if child.Type != "avcC" {
		return fmt.Errorf("track %d: avc1 has %q where avcC must follow", t.id, child.Type)
	}
	t.width = uint64(binary.BigEndian.Uint16(wh[0:2]))
	t.height = uint64(binary.BigEndian.Uint16(wh[2:4]))
	return nil
}

// checkMp4a mirrors the one check mp4 0.14.0 makes on an mp4a entry that
// can fail on real files: after the 28 fixed bytes, a box header whose size
// exceeds the entry's own (QuickTime sound v1/v2 entries put more fields
// there, which the crate misreads as a box).
func checkMp4a(w *bmff.Walker, entry bmff.Box, t *mp4Track) error {
	if entry.Size() < 28 {
		return fmt.Errorf("track %d: mp4a payload is %d bytes, under 28", t.id, entry.Size())
	}
	if entry.Size() == 28 {
		return nil
	}
	h, err := w.Read(bmff.Box{Type: "mp4a", Data: entry.Data, End: w.FileSize()}, entry.Data+28, 8)
	if err != nil {
		return fmt.Errorf("track %d: mp4a: %w", t.id, err)
	}
	if size := binary.BigEndian.Uint32(h); size != 1 && int64(size) > entry.End-entry.Start {
		return fmt.Errorf("track %d: mp4a holds a box of %d bytes, larger than the entry", t.id, size)
	}
	return nil
}

// requireChildren returns the last child of each type (the crate overwrites
// on repeats), failing if one is missing.
func requireChildren(w *bmff.Walker, parent bmff.Box, a, b string) (bmff.Box, bmff.Box, error) {
	got, err := lastChildren(w, parent, a, b)
	if err != nil {
		return bmff.Box{}, bmff.Box{}, err
	}
	return got[0], got[1], nil
}

func require3(w *bmff.Walker, parent bmff.Box, a, b, c string) (bmff.Box, bmff.Box, bmff.Box, error) {
	got, err := lastChildren(w, parent, a, b, c)
	if err != nil {
		return bmff.Box{}, bmff.Box{}, bmff.Box{}, err
	}
	return got[0], got[1], got[2], nil
}

func lastChildren(w *bmff.Walker, parent bmff.Box, types ...string) ([]bmff.Box, error) {
	got := make([]bmff.Box, len(types))
	found := make([]bool, len(types))
	err := w.Children(parent.Data, parent.End, func(b bmff.Box) error {
		for i, t := range types {
			if b.Type == t {
				got[i], found[i] = b, true
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, t := range types {
		if !found[i] {
			return nil, fmt.Errorf("%s box has no %s box", parent.Type, t)
		}
	}
	return got, nil
}
