package audiometa

import (
	"encoding/binary"
	"testing"

	"github.com/oxdrop/oxdrop/core/internal/testfile"
	"github.com/oxdrop/oxdrop/core/model"
)

// mpcVarint encodes a Musepack size: 7 bits a byte, big-endian.
func mpcVarint(v uint64) []byte {
	out := []byte{byte(v & 0x7F)}
	for v >>= 7; v > 0; v >>= 7 {
		out = append([]byte{byte(v&0x7F) | 0x80}, out...)
	}
	return out
}

// mpcPacket is an SV8 packet whose size (one byte here) counts the key
// and itself.
func mpcPacket(key string, payload []byte) []byte {
	return append(append([]byte(key), byte(len(payload)+3)), payload...)
}

func mpcSH(samples, silence uint64, rateIdx, channels byte) []byte {
	p := []byte{0, 0, 0, 0, 8} // CRC, stream version 8
	p = append(p, mpcVarint(samples)...)
	p = append(p, mpcVarint(silence)...)
	return mpcPacket("SH", append(p, rateIdx<<5|31, (channels-1)<<4|3))
}

var (
	mpcRG = mpcPacket("RG", []byte{1, 0, 0, 0, 0, 0, 0, 0, 0})
	mpcEI = mpcPacket("EI", []byte{0x50, 1, 17, 3})
	mpcAP = mpcPacket("AP", make([]byte, 40))
	mpcSE = mpcPacket("SE", nil)
)

// mpcSV8File is "MPCK", the packets, then 32 zero bytes (never a valid
// key) so the file passes lofty's trailing-tag probes.
func mpcSV8File(packets ...[]byte) []byte {
	return cat(append(append([][]byte{[]byte("MPCK")}, packets...), make([]byte, 32))...)
}

// mpcSV7File is "MP+", the version byte, frame count, the flags word
// (rate index in bits 16-17), four gain/peak u16, the gapless word and the
// encoder byte, then 32 bytes of audio.
func mpcSV7File(version byte, frames uint32, rateIdx uint32, gapless bool, lastFrame uint32) []byte {
	le := binary.LittleEndian
	b := append([]byte("MP+"), version)
	b = le.AppendUint32(b, frames)
	b = le.AppendUint32(b, rateIdx<<16)
	b = append(b, make([]byte, 8)...)
	var g uint32
	if gapless {
		g = 1<<31 | lastFrame<<20
	}
	b = le.AppendUint32(b, g)
	return append(append(b, 0x72), make([]byte, 32)...)
}

// mpcSV4to6File is the eight-word header: version in bits 11-20 of the
// first word, the frame count word, then padding.
func mpcSV4to6File(version, frameWord uint32) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, version<<11|1)
	b = le.AppendUint32(b, frameWord)
	return append(b, make([]byte, 56)...)
}

// Expected values apply lofty's musepack rules by hand (see readMPC).
func TestMPC(t *testing.T) {
	sh := mpcSH(100000, 1000, 0, 2)
	tests := []struct {
		name    string
		file    []byte
		want    model.AudioMeta
		wantErr string
	}{
		// SV8: (100000-1000)*1000/44100 = 2244.9 -> rounded 2245.
		{"sv8", mpcSV8File(sh, mpcRG, mpcEI, mpcAP, mpcAP, mpcSE), model.AudioMeta{NumSeconds: 2.245, NumChannels: 2, SampleRate: 44100}, ""},
		{"sv8 without stream end", mpcSV8File(sh, mpcRG, mpcAP), model.AudioMeta{NumSeconds: 2.245, NumChannels: 2, SampleRate: 44100}, ""},
		// 48000 samples at 48 kHz, mono: 1000 ms; the later SH wins.
		{"sv8 last stream header wins", mpcSV8File(sh, mpcSH(48000, 0, 1, 1), mpcRG, mpcSE), model.AudioMeta{NumSeconds: 1, NumChannels: 1, SampleRate: 48000}, ""},
		// A packet after SE is never read.
		{"sv8 stops at SE", mpcSV8File(sh, mpcRG, mpcSE, mpcSH(48000, 0, 1, 1)), model.AudioMeta{NumSeconds: 2.245, NumChannels: 2, SampleRate: 44100}, ""},
		// A lowercase key ends the walk silently.
		{"sv8 bad key ends the walk", mpcSV8File(sh, mpcPacket("xx", nil), mpcSH(48000, 0, 1, 1)), model.AudioMeta{NumSeconds: 2.245, NumChannels: 2, SampleRate: 44100}, ""},
		{"sv8 without stream header", mpcSV8File(mpcRG, mpcAP, mpcSE), model.AudioMeta{}, ""},
		{"sv8 reserved rate", mpcSV8File(mpcSH(1000, 0, 5, 2), mpcSE), model.AudioMeta{NumSeconds: 0, NumChannels: 2, SampleRate: 0}, ""},
		{"sv8 silence > samples", mpcSV8File(mpcSH(10, 11, 0, 2), mpcSE), model.AudioMeta{}, "beginning silence"},
		{"sv8 stream header cut short", mpcSV8File(mpcPacket("SH", []byte{0, 0, 0, 0, 8, 1}), mpcSE), model.AudioMeta{}, "stream header"},
		{"sv8 short replay gain", mpcSV8File(sh, mpcPacket("RG", []byte{1, 0, 0, 0}), mpcSE), model.AudioMeta{}, "RG packet"},
		// SV7: 100 frames * (1152/44100) * 1000 = 2612.2 -> 2612.
		{"sv7", mpcSV7File(0x17, 100, 0, false, 0), model.AudioMeta{NumSeconds: 2.612, NumChannels: 2, SampleRate: 44100}, ""},
		// 77 * 1152/37800 * 1000 = 2346.7 -> 2346 (truncated).
		{"sv7 37.8 kHz", mpcSV7File(0x07, 77, 2, true, 500), model.AudioMeta{NumSeconds: 2.346, NumChannels: 2, SampleRate: 37800}, ""},
		{"sv7 no frames", mpcSV7File(0x17, 0, 1, false, 0), model.AudioMeta{NumSeconds: 0, NumChannels: 2, SampleRate: 48000}, ""},
		{"sv7 wrong version", mpcSV7File(0x16, 100, 0, false, 0), model.AudioMeta{}, "want 7"},
		{"sv7 last frame too long", mpcSV7File(0x17, 100, 0, true, 1153), model.AudioMeta{}, "last frame length"},
		{"sv7 gapless single empty frame", mpcSV7File(0x17, 1, 0, true, 0), model.AudioMeta{}, "divides by zero"},
		{"sv7 after ID3v2", cat(id3v2Tag(12), mpcSV7File(0x17, 100, 0, false, 0)), model.AudioMeta{NumSeconds: 2.612, NumChannels: 2, SampleRate: 44100}, ""},
		{"sv7 with ID3v1 and APE tag", cat(mpcSV7File(0x17, 100, 0, false, 0), apeTagFooter(2000, 32), id3v1Tag()), model.AudioMeta{NumSeconds: 2.612, NumChannels: 2, SampleRate: 44100}, ""},
		// SV5: 1000 frames, one less before SV6: 999*1152 - 481 =
		// 1150367 samples; *1000/44100 = 26085.4 -> rounded 26085.
		{"sv5", mpcSV4to6File(5, 1000), model.AudioMeta{NumSeconds: 26.085, NumChannels: 2, SampleRate: 44100}, ""},
		// SV4: 16-bit count 101, one less: 100 frames; 114719 samples;
		// 2601.3 -> 2601.
		{"sv4", mpcSV4to6File(4, 101<<16), model.AudioMeta{NumSeconds: 2.601, NumChannels: 2, SampleRate: 44100}, ""},
		// SV6 keeps the count: 1000*1152 - 481 = 1151519; 26111.5 -> 26112.
		{"sv6", mpcSV4to6File(6, 1000), model.AudioMeta{NumSeconds: 26.112, NumChannels: 2, SampleRate: 44100}, ""},
		{"sv6 no frames", mpcSV4to6File(6, 0), model.AudioMeta{NumSeconds: 0, NumChannels: 2, SampleRate: 44100}, ""},
		{"not a Musepack stream", mpcSV4to6File(7, 1000), model.AudioMeta{}, "not SV4-6"},
		{"too short for the tag probes", cat([]byte("MPCK"), mpcSE, mpcSE), model.AudioMeta{}, "32-byte APE footer"},
		{"APE tag larger than the stream", cat(mpcSV7File(0x17, 100, 0, false, 0), apeTagFooter(1000, 90)), model.AudioMeta{}, "APE tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(tt.file, "mpc")
			testfile.Check(t, got, err, tt.want, tt.wantErr)
		})
	}
}

// Packets are skipped by their declared size, without reading them: an SV8
// stream of 1 GiB of audio packets costs a few reads, and the walk is
// linear in the packet count.
func TestMPCSkipsPackets(t *testing.T) {
	const big = 1 << 30
	ap := append([]byte("AP"), mpcVarint(big/4)...) // each packet 256 MiB
	head := mpcSV8File(mpcSH(88200, 0, 0, 2), mpcRG)
	v := &testfile.Virtual{Head: append(head, ap...), Size: big}
	got, err := Read(v, v.Size, "mpc")
	testfile.Check(t, got, err, model.AudioMeta{NumSeconds: 2, NumChannels: 2, SampleRate: 44100}, "")
	if v.Read > 512<<10 {
		t.Errorf("read %d bytes", v.Read)
	}
}
