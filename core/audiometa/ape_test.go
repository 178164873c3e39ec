package audiometa

import (
	"encoding/binary"
	"testing"

	"github.com/oxdrop/oxdrop/core/internal/testfile"
	"github.com/oxdrop/oxdrop/core/model"
)

type apeHeader struct {
	version, compression, channels      uint16
	blocksPerFrame, final, frames, rate uint32
	descriptorLen                       uint32 // 3980+: 52 unless set
}

// apeFile builds "MAC ", the version, then the 3980+ descriptor and header
// or the older header, followed by 64 bytes of audio.
func apeFile(h apeHeader) []byte {
	le := binary.LittleEndian
	b := append([]byte("MAC "), le.AppendUint16(nil, h.version)...)
	if h.version >= 3980 {
		d := make([]byte, 46)
		n := h.descriptorLen
		if n == 0 {
			n = 52
		}
		le.PutUint32(d[2:], n)
		b = append(b, d...)
		if n > 52 {
			b = append(b, make([]byte, n-52)...)
		}
		b = le.AppendUint16(b, h.compression)
		b = le.AppendUint16(b, 0) // flags
		b = le.AppendUint32(b, h.blocksPerFrame)
		b = le.AppendUint32(b, h.final)
		b = le.AppendUint32(b, h.frames)
		b = le.AppendUint16(b, 16)
		b = le.AppendUint16(b, h.channels)
		b = le.AppendUint32(b, h.rate)
	} else {
		b = le.AppendUint16(b, h.compression)
		b = le.AppendUint16(b, 0)
		b = le.AppendUint16(b, h.channels)
		b = le.AppendUint32(b, h.rate)
		b = append(b, make([]byte, 8)...) // WAV header and tail lengths
		b = le.AppendUint32(b, h.frames)
		b = le.AppendUint32(b, h.final)
	}
	return append(b, make([]byte, 64)...)
}

// apeTagFooter is an APE tag of version v with no items: its footer (and
// for v2000 its header) of 32 bytes, sized size.
func apeTagFooter(v, size uint32) []byte {
	le := binary.LittleEndian
	f := append([]byte("APETAGEX"), le.AppendUint32(nil, v)...)
	f = le.AppendUint32(f, size)
	return append(f, make([]byte, 16)...)
}

// Expected values apply lofty's ape rules by hand: samples = final +
// blocks_per_frame*(frames-1) when final > 1, ms = samples*1000/rate + 0.5
// truncated.
func TestAPE(t *testing.T) {
	modern := apeHeader{version: 3990, compression: 2000, channels: 2, blocksPerFrame: 73728, final: 1000, frames: 3, rate: 44100}
	with := func(f func(*apeHeader)) []byte { h := modern; f(&h); return apeFile(h) }
	tests := []struct {
		name    string
		file    []byte
		want    model.AudioMeta
		wantErr string
	}{
		// 1000 + 73728*2 = 148456 samples; 3366.35 + 0.5 -> 3366 ms.
		{"3990", apeFile(modern), model.AudioMeta{NumSeconds: 3.366, NumChannels: 2, SampleRate: 44100}, ""},
		{"descriptor longer than 52", with(func(h *apeHeader) { h.descriptorLen = 60 }), model.AudioMeta{NumSeconds: 3.366, NumChannels: 2, SampleRate: 44100}, ""},
		// final = 1: lofty adds no full frames; 1 sample = 0.02 ms -> 0.
		{"final frame of one block", with(func(h *apeHeader) { h.final = 1 }), model.AudioMeta{NumSeconds: 0, NumChannels: 2, SampleRate: 44100}, ""},
		// 258 channels as u16 cut to u8: 2.
		{"channels cut to u8", with(func(h *apeHeader) { h.channels = 258 }), model.AudioMeta{NumSeconds: 3.366, NumChannels: 2, SampleRate: 44100}, ""},
		{"33 channels: no duration", with(func(h *apeHeader) { h.channels = 33 }), model.AudioMeta{NumSeconds: 0, NumChannels: 33, SampleRate: 44100}, ""},
		{"no frames: no duration", with(func(h *apeHeader) { h.frames = 0 }), model.AudioMeta{NumSeconds: 0, NumChannels: 2, SampleRate: 44100}, ""},
		{"rate 0", with(func(h *apeHeader) { h.rate = 0 }), model.AudioMeta{NumSeconds: 0, NumChannels: 2, SampleRate: 0}, ""},
		// 3970 (>= 3950): 294912 blocks a frame; 500 + 294912 = 295412
		// samples at 22050 Hz: 13397.36 -> 13397 ms.
		{"3970", apeFile(apeHeader{version: 3970, compression: 2000, channels: 1, final: 500, frames: 2, rate: 22050}), model.AudioMeta{NumSeconds: 13.397, NumChannels: 1, SampleRate: 22050}, ""},
		// 3850 with compression 4000: 73728; 73828*1000/8000 = 9228.5,
		// +0.5 -> 9229 ms.
		{"3850 extra high", apeFile(apeHeader{version: 3850, compression: 4000, channels: 1, final: 100, frames: 2, rate: 8000}), model.AudioMeta{NumSeconds: 9.229, NumChannels: 1, SampleRate: 8000}, ""},
		// 3850 with compression 3000: 9216; 9316*1000/8000 = 1164.5 -> 1165.
		{"3850 high", apeFile(apeHeader{version: 3850, compression: 3000, channels: 1, final: 100, frames: 2, rate: 8000}), model.AudioMeta{NumSeconds: 1.165, NumChannels: 1, SampleRate: 8000}, ""},
		{"ID3v2 before", cat(id3v2Tag(30), apeFile(modern)), model.AudioMeta{NumSeconds: 3.366, NumChannels: 2, SampleRate: 44100}, ""},
		{"APE tag and ID3v1 after", cat(apeFile(modern), apeTagFooter(2000, 32), id3v1Tag()), model.AudioMeta{NumSeconds: 3.366, NumChannels: 2, SampleRate: 44100}, ""},
		{"APE tag size < 32", cat(apeFile(modern), apeTagFooter(2000, 31)), model.AudioMeta{}, "< 32"},
		{"APE tag larger than the file", cat(apeFile(modern), apeTagFooter(1000, 4000)), model.AudioMeta{}, "larger than the file"},
		{"APE tag first", cat(apeTagFooter(2000, 32), apeFile(modern)), model.AudioMeta{}, "before the MAC header"},
		{"no MAC", cat([]byte("MAC_"), apeFile(modern)[4:]), model.AudioMeta{}, "MAC header"},
		{"header cut short", apeFile(modern)[:60], model.AudioMeta{}, "cut short"},
		{"too short for the tag probes", append([]byte("MAC "), make([]byte, 16)...), model.AudioMeta{}, "32-byte APE footer"},
		{"empty", nil, model.AudioMeta{}, "no room for an ID3v2 header"},
		{"under 10 bytes", []byte("MAC \x00\x00"), model.AudioMeta{}, "no room for an ID3v2 header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(tt.file, "ape")
			testfile.Check(t, got, err, tt.want, tt.wantErr)
		})
	}
}
