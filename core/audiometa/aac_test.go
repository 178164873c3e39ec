package audiometa

import (
	"bytes"
	"testing"

	"github.com/oxdrop/oxdrop/core/internal/testfile"
	"github.com/oxdrop/oxdrop/core/model"
)

// adtsFrame builds one ADTS frame of length n (header included) with a
// zero payload, so no false frame sync hides in it.
func adtsFrame(sri, channels byte, n int, crc bool) []byte {
	b := make([]byte, n)
	b[0], b[1] = 0xFF, 0xF1 // MPEG-4, layer 0, no CRC
	if crc {
		b[1] = 0xF0
	}
	b[2] = 1<<6 | sri<<2 | channels>>2 // AAC LC
	b[3] = (channels&3)<<6 | byte(n>>11)&3
	b[4] = byte(n >> 3)
	b[5] = byte(n&7)<<5 | 0x1F
	b[6] = 0xFC
	return b
}

func adtsFrames(sri, channels byte, crc bool, lens ...int) []byte {
	var out []byte
	for _, n := range lens {
		out = append(out, adtsFrame(sri, channels, n, crc)...)
	}
	return out
}

func repeat(n, v int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func id3v2Tag(size int) []byte {
	h := []byte{'I', 'D', '3', 3, 0, 0, 0, 0, byte(size >> 7), byte(size & 0x7F)}
	return append(h, make([]byte, size)...)
}

func id3v1Tag() []byte { return append([]byte("TAG"), make([]byte, 125)...) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// Expected values apply lofty's aac rules by hand: a frame of length L at
// rate R is ((L*R/1024)*8)/1024 kb/s; lofty averages the frames it
// confirms (all but the last, whose successor cannot be read), and the
// duration is stream_len*8/avg ms, truncated.
func TestAAC(t *testing.T) {
	ten := adtsFrames(4, 2, false, repeat(10, 200)...) // 200*44100/1024=8613, *8/1024 = 67 kb/s
	tests := []struct {
		name    string
		file    []byte
		want    model.AudioMeta
		wantErr string
	}{
		// 9 frames counted, avg 67; 2000*8/67 = 238.8 -> 238.
		{"constant frames", ten, model.AudioMeta{NumSeconds: 0.238, NumChannels: 2, SampleRate: 44100}, ""},
		{"with CRC", adtsFrames(4, 2, true, repeat(10, 200)...), model.AudioMeta{NumSeconds: 0.238, NumChannels: 2, SampleRate: 44100}, ""},
		// The tag's 20 bytes leave the stream, its 10-byte header stays:
		// (2030-20)*8/67 = 240.
		{"ID3v2 before", cat(id3v2Tag(20), ten), model.AudioMeta{NumSeconds: 0.24, NumChannels: 2, SampleRate: 44100}, ""},
		// The last frame now meets "TAG", a mismatch; 10 frames counted,
		// avg 67; (2128-128)*8/67 = 238.
		{"ID3v1 after", cat(ten, id3v1Tag()), model.AudioMeta{NumSeconds: 0.238, NumChannels: 2, SampleRate: 44100}, ""},
		// Leading zeros count as stream: 2005*8/67 = 239.4 -> 239.
		{"zero padding", cat(make([]byte, 5), ten), model.AudioMeta{NumSeconds: 0.239, NumChannels: 2, SampleRate: 44100}, ""},
		// 100 B = 33 kb/s, 300 B = 100 kb/s; 4 counted: 266/4 = 66;
		// 900*8/66 = 109.09 -> 109.
		{"average truncates", adtsFrames(4, 1, false, 100, 300, 100, 300, 100), model.AudioMeta{NumSeconds: 0.109, NumChannels: 1, SampleRate: 44100}, ""},
		// Junk before the first frame is stream too: 1003*8/... with 48 kHz,
		// 200 B: 200*48000/1024=9375, *8/1024 = 73; 5 frames, 4 counted;
		// 1003*8/73 = 109.9 -> 109.
		{"junk before", cat([]byte{1, 2, 3}, adtsFrames(3, 2, false, repeat(5, 200)...)), model.AudioMeta{NumSeconds: 0.109, NumChannels: 2, SampleRate: 48000}, ""},
		{"channel configuration 7", adtsFrames(4, 7, false, repeat(3, 200)...), model.AudioMeta{NumSeconds: 0.071, NumChannels: 7, SampleRate: 44100}, ""}, // 600*8/67 = 71.6
		// Reserved index 13: rate 0, bitrate 0, no duration.
		{"reserved rate index", adtsFrames(13, 2, false, repeat(3, 200)...), model.AudioMeta{NumSeconds: 0, NumChannels: 2, SampleRate: 0}, ""},
		{"forbidden rate index", adtsFrames(15, 2, false, repeat(3, 200)...), model.AudioMeta{}, "index 15"},
		{"one frame is never confirmed", adtsFrame(4, 2, 200, false), model.AudioMeta{}, "no ADTS frame"},
		{"only zeros", make([]byte, 100), model.AudioMeta{}, "zero bytes"},
		{"empty", nil, model.AudioMeta{}, "zero bytes"},
		{"sync in the last bytes", []byte{1, 2, 3, 0xFF, 0xF1, 0x50}, model.AudioMeta{}, "ADTS header"},
		{"bad ID3v2 version", cat([]byte("ID3\x05\x00\x00\x00\x00\x00\x00"), ten), model.AudioMeta{}, "major version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(tt.file, "aac")
			testfile.Check(t, got, err, tt.want, tt.wantErr)
		})
	}
}

// lofty searches on from the first frame's header, inside its payload: a
// false sync there is read as a frame, and a mismatch skips ahead by its
// claimed length.
func TestAACFalseSyncInFirstFrame(t *testing.T) {
	f := adtsFrames(4, 2, false, repeat(10, 200)...)
	// A fake header at byte 20 claiming 1000 bytes: compared with byte
	// 1020 (a zero payload byte of frame 6): mismatch, so the search
	// resumes at 1020, skipping frames 2-6; frame 7 is found at 1200 and
	// frames 7-9 are confirmed. Counted: frame 1 + 3 = 4 frames of 67,
	// avg 67, same duration; but a fake header with rate index 15 fails.
	fake := adtsFrame(4, 2, 1000, false)[:7]
	good := bytes.Clone(f)
	copy(good[20:], fake)
	got, err := read(good, "aac")
	testfile.Check(t, got, err, model.AudioMeta{NumSeconds: 0.238, NumChannels: 2, SampleRate: 44100}, "")
	bad := bytes.Clone(f)
	copy(bad[20:], adtsFrame(15, 2, 1000, false)[:7])
	if _, err := read(bad, "aac"); err == nil {
		t.Error("a forbidden rate index in a payload sync should fail as in lofty")
	}
}
