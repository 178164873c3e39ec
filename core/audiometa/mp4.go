package audiometa

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
	"github.com/oxdrop/oxdrop/core/videometa/bmff"
)

// mp4SampleRates is the MPEG-4 audio sampling frequency table.
var mp4SampleRates = [15]uint32{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350, 0, 0}

// readMP4 mirrors lofty's mp4 properties: the file starts with ftyp; the
// first trak whose mdia/hdlr is "soun" gives the duration from its mdhd
// ((duration*1000) rounded over the timescale) and channels and sample rate
// from its first recognised sample entry (mp4a with esds, alac, fLaC).
func readMP4(s *bounded.Reader) (props, error) {
	w := bmff.NewWalker(s, s.Size())
	first, err := w.Header(0, s.Size())
	if err != nil || first.Type != "ftyp" {
		return props{}, errors.New("audiometa: mp4: the file does not start with an ftyp box")
	}
	if first.End-first.Start < 12 {
		return props{}, errors.New("audiometa: mp4: ftyp box too short")
	}
	var moov *bmff.Box
	errStop := errors.New("stop")
	err = w.Children(0, s.Size(), func(b bmff.Box) error {
		if b.Type == "moov" {
			moov = &b
			return errStop
		}
		return nil
	})
	if err != nil && err != errStop {
		return props{}, fmt.Errorf("audiometa: mp4: %w", err)
	}
	if moov == nil {
		return props{}, errors.New("audiometa: mp4: no moov box")
	}
	mdhd, minf, err := findAudioTrak(w, *moov)
	if err != nil {
		return props{}, fmt.Errorf("audiometa: mp4: %w", err)
	}
	var p props
	vf, err := w.Read(mdhd, mdhd.Data, 4)
	if err != nil {
		return props{}, fmt.Errorf("audiometa: mp4: mdhd: %w", err)
	}
	var timescale uint32
	var duration uint64
	if vf[0] == 1 {
		b, err := w.Read(mdhd, mdhd.Data+20, 12)
		if err != nil {
			return props{}, fmt.Errorf("audiometa: mp4: mdhd: %w", err)
		}
		timescale, duration = binary.BigEndian.Uint32(b), binary.BigEndian.Uint64(b[4:])
	} else {
		b, err := w.Read(mdhd, mdhd.Data+12, 8)
		if err != nil {
			return props{}, fmt.Errorf("audiometa: mp4: mdhd: %w", err)
		}
		timescale, duration = binary.BigEndian.Uint32(b), uint64(binary.BigEndian.Uint32(b[4:]))
	}
	if timescale > 0 {
		p.millis = divRound(duration*1000, uint64(timescale))
	}
	if minf == nil {
		return p, nil
	}
	stbl, ok, err := w.Find(*minf, "stbl")
	if err != nil || !ok {
		return p, nil
	}
	stsd, ok, err := w.Find(stbl, "stsd")
	if err != nil || !ok {
		return p, nil
	}
	if err := readStsd(w, stsd, &p); err != nil {
		return props{}, fmt.Errorf("audiometa: mp4: %w", err)
	}
	return p, nil
}

// findAudioTrak returns the mdhd and minf of the first sound track.
func findAudioTrak(w *bmff.Walker, moov bmff.Box) (bmff.Box, *bmff.Box, error) {
	var mdhd bmff.Box
	var minf *bmff.Box
	var haveMdhd, audio bool
	errDone := errors.New("done")
	err := w.Children(moov.Data, moov.End, func(trak bmff.Box) error {
		if trak.Type != "trak" {
			return nil
		}
		mdia, ok, err := w.Find(trak, "mdia")
		if err != nil || !ok {
			return err
		}
		haveMdhd, minf = false, nil
		err = w.Children(mdia.Data, mdia.End, func(b bmff.Box) error {
			switch b.Type {
			case "mdhd":
				mdhd, haveMdhd = b, true
			case "hdlr":
				if b.End-b.Start < 20 {
					return nil // lofty skips an incomplete hdlr
				}
				h, err := w.Read(b, b.Data+8, 4)
				if err != nil {
					return err
				}
				if string(h) == "soun" {
					audio = true
				}
			case "minf":
				m := b
				minf = &m
			}
			return nil
		})
		if err != nil {
			return err
		}
		if audio {
			return errDone
		}
		return nil
	})
	if err != nil && err != errDone {
		return bmff.Box{}, nil, err
	}
	if !audio {
		return bmff.Box{}, nil, errors.New("no audio track")
	}
	if !haveMdhd {
		return bmff.Box{}, nil, errors.New("audio track has no mdhd box")
	}
	return mdhd, minf, nil
}

// readStsd reads the first sample entry lofty recognises.
func readStsd(w *bmff.Walker, stsd bmff.Box, p *props) error {
	head, err := w.Read(stsd, stsd.Data, 8)
	if err != nil {
		return err
	}
	entries := binary.BigEndian.Uint32(head[4:8])
	off := stsd.Data + 8
	for i := uint32(0); i < entries; i++ {
		e, err := w.Header(off, stsd.End)
		if err != nil {
			return fmt.Errorf("stsd sample entry %d: %w", i, err)
		}
		off = e.End
		switch e.Type {
		case "mp4a":
			return mp4aProperties(w, e, p)
		case "alac":
			return alacProperties(w, stsd, e, p)
		case "fLaC":
			return flacInMP4Properties(w, e, p)
		}
	}
	return nil
}

// entryReader reads sequentially inside a sample entry, failing at its end
// as lofty's cursor over the stsd bytes does.
type entryReader struct {
	w   *bmff.Walker
	box bmff.Box
	off int64
	err error
}

func (r *entryReader) bytes(n int) []byte {
	if r.err != nil {
		return make([]byte, n)
	}
	b, err := r.w.Read(r.box, r.off, n)
	if err != nil {
		r.err = err
		return make([]byte, n)
	}
	r.off += int64(n)
	return b
}

func (r *entryReader) u8() uint8   { return r.bytes(1)[0] }
func (r *entryReader) u16() uint16 { return binary.BigEndian.Uint16(r.bytes(2)) }
func (r *entryReader) u32() uint32 { return binary.BigEndian.Uint32(r.bytes(4)) }
func (r *entryReader) skip(n int64) {
	if r.err == nil && r.off+n > r.box.End {
		r.err = fmt.Errorf("%s entry too short", r.box.Type)
	}
	r.off += n
}

// descriptor reads an MPEG-4 descriptor tag and skips its 1–4 byte length.
func (r *entryReader) descriptor() uint8 {
	tag := r.u8()
	for i := 0; i < 4; i++ {
		if r.u8()&0x80 == 0 {
			break
		}
	}
	return tag
}

func validObjectType(t uint8) bool {
	return (t >= 1 && t <= 9) || (t >= 12 && t <= 17) || (t >= 19 && t <= 30) || (t >= 32 && t <= 46)
}

// mp4aProperties is lofty's mp4a_properties, bit for bit.
func mp4aProperties(w *bmff.Walker, e bmff.Box, p *props) error {
	r := &entryReader{w: w, box: e, off: e.Data}
	r.skip(16)
	p.channels = uint8(r.u16())
	r.skip(4)
	p.sampleRate = r.u32() // packet size and the rate's integer part, as lofty reads it
	r.skip(2)
	if r.err != nil {
		return r.err
	}
	esds, err := w.Header(r.off, e.End)
	if err != nil || esds.Type != "esds" {
		return nil
	}
	r = &entryReader{w: w, box: esds, off: esds.Data}
	if r.u32() != 0 || r.err != nil {
		return nil
	}
	if r.descriptor() == 0x03 {
		r.skip(3)
		if r.descriptor() == 0x04 {
			r.u8() // codec
			r.skip(8)
			r.u32() // average bitrate
			if r.descriptor() == 0x05 {
				a, b := r.u8(), r.u8()
				if r.err != nil {
					return r.err
				}
				objectType := a >> 3
				freqIndex := (a&7)<<1 | b>>7
				channelConf := (b >> 3) & 0x0F
				extended := false
				if objectType == 31 {
					extended = true
					objectType = 32 + ((a & 7) | (b >> 5))
					freqIndex = (b >> 1) & 0x0F
				}
				if !validObjectType(objectType) {
					return fmt.Errorf("esds: invalid audio object type %d", objectType)
				}
				switch {
				case freqIndex == 0x0F:
					x := r.bytes(3)
					rate := uint32(x[0])<<16 | uint32(x[1])<<8 | uint32(x[2])
					var sr uint32
					if extended {
						sr = rate >> 1
						channelConf = uint8((rate >> 4) & 0x0F)
					} else {
						sr = rate << 1
						c := r.u8()
						channelConf = (uint8(rate&0x80) | c>>1) & 0x0F
					}
					if sr > 0 {
						p.sampleRate = sr
					}
				case int(freqIndex) < len(mp4SampleRates):
					p.sampleRate = mp4SampleRates[freqIndex]
					if extended {
						c := r.u8()
						channelConf = (b & 1) | (c & 0xE0)
					}
				}
				if channelConf > 0 {
					p.channels = channelConf
				}
				if objectType == 36 {
					id := r.bytes(5)
					if r.err == nil && string(id) == "\x00ALS\x00" {
						p.sampleRate = r.u32()
						r.skip(4)
						p.channels = uint8(r.u16()) + 1
					}
				}
			}
		}
	}
	return r.err
}

// alacProperties is lofty's alac_properties: it reads only when the whole
// stsd payload is 80 bytes (one standard 72-byte ALAC entry), taking the
// inner alac box that follows the 28 bytes of sample entry fields.
func alacProperties(w *bmff.Walker, stsd, e bmff.Box, p *props) error {
	if stsd.Size() != 80 {
		return nil
	}
	inner, err := w.Header(e.Data+28, e.End)
	if err != nil || inner.Type != "alac" {
		return nil
	}
	r := &entryReader{w: w, box: inner, off: inner.Data}
	r.skip(9)
	r.u8() // sample size
	r.skip(3)
	channels := r.u8()
	r.skip(6)
	r.u32() // bitrate
	rate := r.u32()
	if r.err != nil {
		return r.err
	}
	p.channels, p.sampleRate = channels, rate
	return nil
}

// flacInMP4Properties is lofty's flac_properties: the entry fields, then
// STREAMINFO from the dfLa box when present.
func flacInMP4Properties(w *bmff.Walker, e bmff.Box, p *props) error {
	r := &entryReader{w: w, box: e, off: e.Data}
	r.skip(16)
	p.channels = uint8(r.u16())
	r.u16() // bit depth
	r.skip(4)
	p.sampleRate = uint32(r.u16())
	r.u16()
	if r.err != nil {
		return r.err
	}
	dfla, err := w.Header(r.off, e.End)
	if err != nil {
		return fmt.Errorf("fLaC entry: %w", err)
	}
	if dfla.Type != "dfLa" || dfla.End-dfla.Start-12 < 18 {
		return nil
	}
	r = &entryReader{w: w, box: dfla, off: dfla.Data + 4}
	h := r.bytes(4)
	if r.err != nil {
		return r.err
	}
	n := int(h[1])<<16 | int(h[2])<<8 | int(h[3])
	if n < 18 {
		return fmt.Errorf("dfLa STREAMINFO of %d bytes (< 18)", n)
	}
	info := r.bytes(18)
	if r.err != nil {
		return r.err
	}
	fp := flacStreamInfo(info)
	p.sampleRate, p.channels = fp.sampleRate, fp.channels
	return nil
}
