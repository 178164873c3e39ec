package audiometa

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/core/internal/testfile"
	"github.com/oxdrop/oxdrop/core/model"
)

// fixtureDir holds Oxen's own test files (../shared/fixtures/oxen).
var fixtureDir = testfile.FixtureDir("audio")

// readFile reads a test file, skipping the test if a fixture is absent.
var readFile = testfile.Read

func read(b []byte, ext string) (*model.AudioMeta, error) {
	return Read(bytes.NewReader(b), int64(len(b)), ext)
}

// Expected values apply lofty's rules by hand to the header fields (see
// testdata/README.md for each derivation), not to this package's output.
func TestReadFiles(t *testing.T) {
	tests := []struct {
		path string
		want model.AudioMeta
	}{
		// Asserted by Oxen's tests (oxen-behaviour.md §6.1).
		{filepath.Join(fixtureDir, "121-121726-0005.flac"), model.AudioMeta{NumSeconds: 3.1, NumChannels: 1, SampleRate: 16000}},
		{filepath.Join(fixtureDir, "121-121726-0005.wav"), model.AudioMeta{NumSeconds: 3.1, NumChannels: 1, SampleRate: 16000}},
		{"testdata/u8_stereo_44k.wav", model.AudioMeta{NumSeconds: 0.5, NumChannels: 2, SampleRate: 44100}},
		{"testdata/s24_mono_22k.wav", model.AudioMeta{NumSeconds: 0.5, NumChannels: 1, SampleRate: 22050}},
		{"testdata/f32_stereo_8k.wav", model.AudioMeta{NumSeconds: 0.7, NumChannels: 2, SampleRate: 8000}},
		{"testdata/tone.flac", model.AudioMeta{NumSeconds: 0.9, NumChannels: 1, SampleRate: 16000}},
		{"testdata/tone.aiff", model.AudioMeta{NumSeconds: 0.6, NumChannels: 1, SampleRate: 11025}},
		{"testdata/tone.ogg", model.AudioMeta{NumSeconds: 1.1, NumChannels: 2, SampleRate: 44100}},
		{"testdata/tone.opus", model.AudioMeta{NumSeconds: 1.5, NumChannels: 1, SampleRate: 48000}},
		{"testdata/tone24k.opus", model.AudioMeta{NumSeconds: 0.8, NumChannels: 1, SampleRate: 24000}},
		{"testdata/tone.spx", model.AudioMeta{NumSeconds: 0.891, NumChannels: 1, SampleRate: 16000}},
		// ALAC: mdhd 3200 / 8000; channels and rate from the inner alac box.
		{"testdata/alac.m4a", model.AudioMeta{NumSeconds: 0.4, NumChannels: 2, SampleRate: 8000}},
		// FLAC in MP4: mdhd 3600 / 12000; STREAMINFO from dfLa.
		{"testdata/flac.m4a", model.AudioMeta{NumSeconds: 0.3, NumChannels: 1, SampleRate: 12000}},
		{"testdata/tone.m4a", model.AudioMeta{NumSeconds: 1.246, NumChannels: 2, SampleRate: 22050}},
		{"testdata/vbr_xing.mp3", model.AudioMeta{NumSeconds: 1.358, NumChannels: 2, SampleRate: 22050}},
		{"testdata/cbr_info.mp3", model.AudioMeta{NumSeconds: 1.045, NumChannels: 1, SampleRate: 44100}},
		{"testdata/cbr_noxing.mp3", model.AudioMeta{NumSeconds: 1.045, NumChannels: 2, SampleRate: 44100}},
		{"testdata/tone.aac", model.AudioMeta{NumSeconds: 0.795, NumChannels: 2, SampleRate: 22050}},
		{"testdata/tone.wv", model.AudioMeta{NumSeconds: 0.9, NumChannels: 1, SampleRate: 16000}},
		{"testdata/stereo.wv", model.AudioMeta{NumSeconds: 0.6, NumChannels: 2, SampleRate: 44100}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			b := readFile(t, tt.path)
			ext := strings.TrimPrefix(filepath.Ext(tt.path), ".")
			for _, e := range []string{ext, strings.ToUpper(ext), "bin"} { // "bin": content sniffing
				got, err := read(b, e)
				if err != nil {
					t.Fatalf("ext %q: %v", e, err)
				}
				if *got != tt.want {
					t.Errorf("ext %q: got %+v, want %+v", e, *got, tt.want)
				}
			}
		})
	}
}

func TestExtensionPicksTheParser(t *testing.T) {
	wav := readFile(t, "testdata/u8_stereo_44k.wav")
	// Oxen's lofty trusts the extension: a WAV named .mp3 or .flac fails.
	for _, ext := range []string{"mp3", "flac", "ogg", "m4a", "aiff", "opus"} {
		if _, err := read(wav, ext); err == nil {
			t.Errorf("WAV content read as %s without error", ext)
		}
	}
	if _, err := read([]byte("just some text, not audio at all......"), "txt"); err == nil {
		t.Error("text sniffed as audio")
	}
}

// wavFile builds a RIFF/WAVE file from chunks.
func wavFile(chunks ...[]byte) []byte {
	body := append([]byte("WAVE"), bytes.Join(chunks, nil)...)
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

func chunk(id string, payload []byte) []byte {
	out := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))...)
	out = append(out, payload...)
	if len(payload)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

func fmtChunk(tag, channels uint16, rate uint32, bits uint16) []byte {
	le := binary.LittleEndian
	b := le.AppendUint16(nil, tag)
	b = le.AppendUint16(b, channels)
	b = le.AppendUint32(b, rate)
	b = le.AppendUint32(b, rate*uint32(channels)*uint32(bits/8))
	b = le.AppendUint16(b, channels*(bits/8))
	b = le.AppendUint16(b, bits)
	return chunk("fmt ", b)
}

func TestWAV(t *testing.T) {
	le := binary.LittleEndian
	data := func(n int) []byte { return chunk("data", make([]byte, n)) }
	fact := func(n uint32) []byte { return chunk("fact", le.AppendUint32(nil, n)) }
	tests := []struct {
		name    string
		file    []byte
		want    model.AudioMeta
		wantErr string
	}{
		{"pcm 8-bit mono", wavFile(fmtChunk(1, 1, 8000, 8), data(12000)), model.AudioMeta{NumSeconds: 1.5, NumChannels: 1, SampleRate: 8000}, ""},
		{"pcm 16-bit stereo 44.1k", wavFile(fmtChunk(1, 2, 44100, 16), data(44100*4)), model.AudioMeta{NumSeconds: 1.0, NumChannels: 2, SampleRate: 44100}, ""},
		{"pcm 24-bit stereo rounds ms", wavFile(fmtChunk(1, 2, 44100, 24), data(6*100)), model.AudioMeta{NumSeconds: 0.002, NumChannels: 2, SampleRate: 44100}, ""}, // 100 samples = 2.27 ms → 2
		{"rounds half up", wavFile(fmtChunk(1, 1, 16000, 16), data(2*8)), model.AudioMeta{NumSeconds: 0.001, NumChannels: 1, SampleRate: 16000}, ""},                // 8 samples = 0.5 ms → 1
		{"pcm ignores fact", wavFile(fmtChunk(1, 1, 1000, 8), fact(5000), data(1000)), model.AudioMeta{NumSeconds: 1.0, NumChannels: 1, SampleRate: 1000}, ""},
		{"odd chunk padded", wavFile(fmtChunk(1, 1, 1000, 8), chunk("junk", []byte{1, 2, 3}), data(1001)), model.AudioMeta{NumSeconds: 1.001, NumChannels: 1, SampleRate: 1000}, ""},
		{"non-pcm uses fact", wavFile(fmtChunk(0x11, 1, 8000, 0), fact(16000), data(100)), model.AudioMeta{NumSeconds: 2.0, NumChannels: 1, SampleRate: 8000}, ""},
		{"non-pcm without fact", wavFile(fmtChunk(0x11, 1, 8000, 4), data(100)), model.AudioMeta{}, "bits per sample"},
		{"non-pcm 0 bits without fact", wavFile(fmtChunk(0x55, 1, 8000, 0), data(100)), model.AudioMeta{}, "fact"},
		// Sample rate 0: the duration comes from data size / byte rate.
		{"byte rate when rate is 0", wavFile(chunk("fmt ", []byte{1, 0, 1, 0, 0, 0, 0, 0, 0xE8, 3, 0, 0, 1, 0, 8, 0}), data(3000)), model.AudioMeta{NumSeconds: 3.0, NumChannels: 1, SampleRate: 0}, ""},
		{"empty file after header", wavFile(), model.AudioMeta{}, "fmt"},
		{"no fmt", wavFile(data(10)), model.AudioMeta{}, "fmt"},
		{"no data", wavFile(fmtChunk(1, 1, 8000, 8)), model.AudioMeta{}, "data"},
		{"zero channels", wavFile(fmtChunk(1, 0, 8000, 8), data(10)), model.AudioMeta{}, "0 channels"},
		{"12-bit", wavFile(fmtChunk(1, 1, 8000, 12), data(10)), model.AudioMeta{}, "multiple of 8"},
		{"short extensible", wavFile(fmtChunk(0xFFFE, 1, 8000, 16), data(10)), model.AudioMeta{}, "extensible"},
		{"fmt larger than file", wavFile(append([]byte("fmt "), le.AppendUint32(nil, 1<<30)...)), model.AudioMeta{}, "fmt"},
		{"LIST INFO past the end", wavFile(fmtChunk(1, 1, 1000, 8), data(10), append([]byte("LIST\x00\x01\x00\x00INFO"), make([]byte, 8)...)), model.AudioMeta{}, "LIST INFO"},
		{"other LIST past the end is skipped", wavFile(fmtChunk(1, 1, 1000, 8), data(10), append([]byte("LIST\x00\x01\x00\x00adtl"), make([]byte, 8)...)), model.AudioMeta{NumSeconds: 0.01, NumChannels: 1, SampleRate: 1000}, ""},
		{"not WAVE", append([]byte("RIFF\x04\x00\x00\x00AVI "), data(4)...), model.AudioMeta{}, "not WAVE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(tt.file, "wav")
			testfile.Check(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestWAVStreamLengthFromHeader(t *testing.T) {
	// lofty takes the data chunk's declared size even when the file is cut.
	f := wavFile(fmtChunk(1, 1, 1000, 8), chunk("data", make([]byte, 3000)))
	got, err := read(f[:len(f)-2000], "wav")
	if err != nil {
		t.Fatal(err)
	}
	if got.NumSeconds != 3.0 {
		t.Errorf("NumSeconds = %v, want 3 (from the declared data size)", got.NumSeconds)
	}
}

// flacFile builds a FLAC header: STREAMINFO then one padding block.
func flacFile(rate uint32, channels uint8, total uint64) []byte {
	info := make([]byte, 34)
	v := uint64(rate)<<44 | uint64(channels-1)<<41 | uint64(15)<<36 | total&(1<<36-1)
	binary.BigEndian.PutUint64(info[10:], v)
	b := append([]byte("fLaC"), 0x00, 0, 0, 34)
	b = append(b, info...)
	return append(b, 0x81, 0, 0, 4, 0, 0, 0, 0)
}

func TestFLAC(t *testing.T) {
	tests := []struct {
		name    string
		file    []byte
		want    model.AudioMeta
		wantErr string
	}{
		{"truncates ms", flacFile(44100, 2, 44100*2+44), model.AudioMeta{NumSeconds: 2.0, NumChannels: 2, SampleRate: 44100}, ""},
		{"8 channels", flacFile(48000, 8, 48000*3/2), model.AudioMeta{NumSeconds: 1.5, NumChannels: 8, SampleRate: 48000}, ""},
		// lofty ORs the top 4 bits of the 36-bit count into bit 28 of a
		// u32: 2^32+5 samples become 5 | 1<<28 = 268435461.
		{"36-bit count as lofty", flacFile(1000, 1, 1<<32+5), model.AudioMeta{NumSeconds: 268435.461, NumChannels: 1, SampleRate: 1000}, ""},
		{"zero rate", flacFile(0, 1, 100), model.AudioMeta{NumSeconds: 0, NumChannels: 1, SampleRate: 0}, ""},
		{"id3v2 before", append(append([]byte("ID3\x03\x00\x00\x00\x00\x00\x05"), 1, 2, 3, 4, 5), flacFile(8000, 1, 8000)...), model.AudioMeta{NumSeconds: 1.0, NumChannels: 1, SampleRate: 8000}, ""},
		{"no marker", flacFile(8000, 1, 8000)[4:], model.AudioMeta{}, "fLaC"},
		{"short streaminfo", append([]byte("fLaC\x80\x00\x00\x11"), make([]byte, 17)...), model.AudioMeta{}, "< 18"},
		{"blocks past end", append(flacFile(8000, 1, 8000)[:42], 0x81, 0, 1, 0), model.AudioMeta{}, "past the end"},
		{"first block not streaminfo", append([]byte("fLaC\x81\x00\x00\x22"), make([]byte, 34)...), model.AudioMeta{}, "STREAMINFO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(tt.file, "flac")
			testfile.Check(t, got, err, tt.want, tt.wantErr)
		})
	}
}

// mp3Frames builds n MPEG-1 Layer III 128 kb/s 44.1 kHz frames of 417
// bytes (no padding), with optional data at the side-info end (Xing).
func mp3Frames(n int, stereo bool, first []byte) []byte {
	hdr := uint32(0xFFFB9000) // MPEG1 L3, 128 kb/s, 44.1 kHz, no padding
	if !stereo {
		hdr |= 3 << 6
	}
	var out []byte
	for i := 0; i < n; i++ {
		f := make([]byte, 417)
		binary.BigEndian.PutUint32(f, hdr)
		if i == 0 && first != nil {
			off := 36
			if !stereo {
				off = 21
			}
			copy(f[off:], first)
		}
		out = append(out, f...)
	}
	return out
}

func xing(tag string, frames, size uint32) []byte {
	b := append([]byte(tag), 0, 0, 0, 3)
	b = binary.BigEndian.AppendUint32(b, frames)
	return binary.BigEndian.AppendUint32(b, size)
}

func TestMP3(t *testing.T) {
	id3 := append([]byte("ID3\x04\x00\x10\x00\x00\x00\x04"), make([]byte, 4+10)...) // v2.4 with footer
	id3v1 := append([]byte("TAG"), make([]byte, 125)...)
	ape := append([]byte("APETAGEX"), binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 1000), 32)...)
	ape = append(ape, make([]byte, 16)...)
	vbri := append([]byte("VBRI"), make([]byte, 6)...)
	vbri = binary.BigEndian.AppendUint32(vbri, 5000)
	vbri = binary.BigEndian.AppendUint32(vbri, 100)
	tests := []struct {
		name    string
		file    []byte
		want    model.AudioMeta
		wantErr string
	}{
		// CBR: 10 frames × 417 bytes × 8 / 128 kb/s = 260.6 → 261 ms.
		{"cbr", mp3Frames(10, true, nil), model.AudioMeta{NumSeconds: 0.261, NumChannels: 2, SampleRate: 44100}, ""},
		{"cbr mono after id3v2 with footer", append(bytes.Clone(id3), mp3Frames(10, false, nil)...), model.AudioMeta{NumSeconds: 0.261, NumChannels: 1, SampleRate: 44100}, ""},
		{"leading zeros", append(make([]byte, 100), mp3Frames(10, true, nil)...), model.AudioMeta{NumSeconds: 0.261, NumChannels: 2, SampleRate: 44100}, ""},
		{"id3v1 and APE at the end", append(append(mp3Frames(10, true, nil), ape...), id3v1...), model.AudioMeta{NumSeconds: 0.261, NumChannels: 2, SampleRate: 44100}, ""},
		// Xing: 1000 frames × 1152 / 44100 = 26122.4 ms → 26122.
		{"xing", mp3Frames(3, true, xing("Xing", 1000, 5000)), model.AudioMeta{NumSeconds: 26.122, NumChannels: 2, SampleRate: 44100}, ""},
		{"info", mp3Frames(3, false, xing("Info", 100, 5000)), model.AudioMeta{NumSeconds: 2.612, NumChannels: 1, SampleRate: 44100}, ""},
		{"xing without frame count falls back to cbr", mp3Frames(3, true, xing("Xing", 0, 5000)), model.AudioMeta{NumSeconds: 0.078, NumChannels: 2, SampleRate: 44100}, ""},
		{"vbri", mp3Frames(3, true, vbri), model.AudioMeta{NumSeconds: 2.612, NumChannels: 2, SampleRate: 44100}, ""},
		{"junk before the first frame", append([]byte{1, 2, 0xFF, 0xE0, 5, 6, 7}, mp3Frames(4, true, nil)...), model.AudioMeta{NumSeconds: 0.104, NumChannels: 2, SampleRate: 44100}, ""},
		{"single frame", mp3Frames(1, true, nil), model.AudioMeta{}, "no valid MPEG frame"},
		{"only zeros", make([]byte, 1000), model.AudioMeta{}, "zero"},
		{"bad id3 version", append([]byte("ID3\x05\x00\x00\x00\x00\x00\x00"), mp3Frames(3, true, nil)...), model.AudioMeta{}, "version"},
		{"id3 extended header too small", append([]byte("ID3\x04\x00\x40\x00\x00\x00\x10\x00\x00\x00\x05"), append(make([]byte, 12), mp3Frames(3, true, nil)...)...), model.AudioMeta{}, "extended header"},
		{"id3 extended header", append([]byte("ID3\x04\x00\x40\x00\x00\x00\x10\x00\x00\x00\x06"), append(make([]byte, 12), mp3Frames(3, true, nil)...)...), model.AudioMeta{NumSeconds: 0.078, NumChannels: 2, SampleRate: 44100}, ""},
		{"fake APE", append([]byte("APETAGEY"), mp3Frames(3, true, nil)...), model.AudioMeta{}, "APE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(tt.file, "mp3")
			testfile.Check(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestMulDivRound128(t *testing.T) {
	maxU := uint64(math.MaxUint64)
	tests := []struct{ a, m, d, want uint64 }{
		{48510, 1000, 44100, 1100},
		{1, 1000, 3, 333},
		{1, 1000, 2000, 1}, // 0.5 rounds up
		{maxU, 1000, 1000, maxU},
		{maxU, 1000, 1, maxU * 1000}, // low 64 bits, as Rust's `as u64`
	}
	for _, tt := range tests {
		if got := mulDivRound128(tt.a, tt.m, tt.d); got != tt.want {
			t.Errorf("mulDivRound128(%d, %d, %d) = %d, want %d", tt.a, tt.m, tt.d, got, tt.want)
		}
	}
}

func TestFloat80(t *testing.T) {
	tests := []struct {
		b    []byte
		want float64
	}{
		{[]byte{0x40, 0x0E, 0xAC, 0x44, 0, 0, 0, 0, 0, 0}, 44100},
		{[]byte{0x40, 0x0C, 0xAC, 0x44, 0, 0, 0, 0, 0, 0}, 11025},
		{make([]byte, 10), 0},
		{[]byte{0xC0, 0x0E, 0xAC, 0x44, 0, 0, 0, 0, 0, 0}, -44100},
		{[]byte{0x7F, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0}, math.Inf(1)},
		{[]byte{0x40, 0x0E, 0, 0, 0, 0, 0, 0, 0, 0}, 0},           // no fraction bits: zero, as lofty
		{[]byte{0x40, 0x0E, 0x2C, 0x44, 0, 0, 0, 0, 0, 0}, 44100}, // integer bit ignored, as lofty
	}
	tests = append(tests, struct {
		b    []byte
		want float64
	}{[]byte{0x7F, 0xFF, 0, 0, 0, 0, 0, 0, 0, 1}, math.NaN()})
	for _, tt := range tests {
		if got := float80(tt.b); got != tt.want && !(math.IsNaN(got) && math.IsNaN(tt.want)) {
			t.Errorf("float80(% x) = %v, want %v", tt.b, got, tt.want)
		}
	}
}

// Every truncation and many single-byte corruptions must give an error or
// a value, never a panic.
func TestTruncatedAndCorrupted(t *testing.T) {
	files := []string{"testdata/tone.ogg", "testdata/tone.opus", "testdata/tone.spx", "testdata/tone.m4a", "testdata/vbr_xing.mp3", "testdata/cbr_noxing.mp3", "testdata/tone.flac", "testdata/tone.aiff", "testdata/s24_mono_22k.wav"}
	for _, p := range files {
		b := readFile(t, p)
		ext := strings.TrimPrefix(filepath.Ext(p), ".")
		limit := min(len(b), 3000)
		for n := 0; n < limit; n += 3 {
			read(b[:n], ext)
		}
		for n := 0; n < 12 && n < len(b); n++ {
			if _, err := read(b[:n], ext); err == nil {
				t.Errorf("%s cut to %d bytes: no error", p, n)
			}
		}
		for i := 0; i < limit; i += 5 {
			c := bytes.Clone(b)
			c[i] ^= 0xA5
			read(c, ext)
		}
	}
}

func TestOggTailOnly(t *testing.T) {
	// A missing last page leaves the duration at 0, as in lofty.
	b := readFile(t, "testdata/tone.ogg")
	cut := bytes.LastIndex(b, []byte("OggS"))
	got, err := read(append(bytes.Clone(b[:cut]), "OggS\x00"...), "ogg")
	if err != nil {
		t.Fatal(err)
	}
	if got.NumChannels != 2 || got.SampleRate != 44100 || got.NumSeconds == 0 {
		t.Errorf("got %+v: the previous page's granule should give a duration", *got)
	}
	// Cut inside the last page's content: lofty cannot read it, duration 0.
	got, err = read(b[:len(b)-10], "ogg")
	if err != nil {
		t.Fatal(err)
	}
	if got.NumSeconds != 0 {
		t.Errorf("NumSeconds = %v for a cut last page, want 0", got.NumSeconds)
	}
}

func FuzzAudio(f *testing.F) {
	exts := []string{"wav", "flac", "mp3", "ogg", "opus", "m4a", "aiff", "bin", "spx"}
	for i, p := range []string{"testdata/vbr_xing.mp3", "testdata/tone.opus"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, uint8(2+i*2))
		}
	}
	f.Add(wavFile(fmtChunk(1, 2, 44100, 16), chunk("data", make([]byte, 40))), uint8(0))
	f.Add(flacFile(44100, 2, 1000), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, e uint8) {
		m, err := read(b, exts[int(e)%len(exts)])
		if (m == nil) == (err == nil) {
			t.Fatalf("got %v and %v: exactly one must be set", m, err)
		}
	})
}

func benchFile(b *testing.B, path string) {
	benchBytes(b, readFile(b, path), strings.TrimPrefix(filepath.Ext(path), "."))
}

func BenchmarkAudioWAV(b *testing.B) { benchFile(b, filepath.Join(fixtureDir, "121-121726-0005.wav")) }
func BenchmarkAudioFLAC(b *testing.B) {
	benchFile(b, filepath.Join(fixtureDir, "121-121726-0005.flac"))
}
func BenchmarkAudioMP3CBR(b *testing.B) { benchFile(b, "testdata/cbr_noxing.mp3") }
func BenchmarkAudioMP3VBR(b *testing.B) { benchFile(b, "testdata/vbr_xing.mp3") }
func BenchmarkAudioVorbis(b *testing.B) { benchFile(b, "testdata/tone.ogg") }
func BenchmarkAudioOpus(b *testing.B)   { benchFile(b, "testdata/tone.opus") }
func BenchmarkAudioSpeex(b *testing.B)  { benchFile(b, "testdata/tone.spx") }
func BenchmarkAudioM4A(b *testing.B)    { benchFile(b, "testdata/tone.m4a") }
func BenchmarkAudioAIFF(b *testing.B)   { benchFile(b, "testdata/tone.aiff") }

func aiffFile(compressed bool, chunks ...[]byte) []byte {
	form := "AIFF"
	if compressed {
		form = "AIFC"
	}
	body := append([]byte(form), bytes.Join(chunks, nil)...)
	return append(append([]byte("FORM"), binary.BigEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

func beChunk(id string, payload []byte) []byte {
	out := append([]byte(id), binary.BigEndian.AppendUint32(nil, uint32(len(payload)))...)
	out = append(out, payload...)
	if len(payload)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

func comm(channels uint16, frames uint32, rate []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, channels)
	b = binary.BigEndian.AppendUint32(b, frames)
	b = binary.BigEndian.AppendUint16(b, 16)
	return beChunk("COMM", append(b, rate...))
}

func TestAIFF(t *testing.T) {
	r44100 := []byte{0x40, 0x0E, 0xAC, 0x44, 0, 0, 0, 0, 0, 0}
	ssnd := beChunk("SSND", make([]byte, 9))
	tests := []struct {
		name    string
		file    []byte
		want    model.AudioMeta
		wantErr string
	}{
		// 44100 frames + 44 → 1000.99 ms, truncated.
		{"truncates ms", aiffFile(false, comm(2, 44144, r44100), ssnd), model.AudioMeta{NumSeconds: 1.0, NumChannels: 2, SampleRate: 44100}, ""},
		{"aifc, ssnd first", aiffFile(true, ssnd, comm(1, 88200, r44100)), model.AudioMeta{NumSeconds: 2.0, NumChannels: 1, SampleRate: 44100}, ""},
		{"no frames", aiffFile(false, comm(1, 0, r44100), ssnd), model.AudioMeta{NumSeconds: 0, NumChannels: 1, SampleRate: 44100}, ""},
		{"no COMM", aiffFile(false, ssnd), model.AudioMeta{}, "COMM"},
		{"no SSND", aiffFile(false, comm(1, 1, r44100)), model.AudioMeta{}, "SSND"},
		{"short COMM", aiffFile(false, beChunk("COMM", make([]byte, 17)), ssnd), model.AudioMeta{}, "< 18"},
		{"0 channels", aiffFile(false, comm(0, 1, r44100), ssnd), model.AudioMeta{}, "0 channels"},
		{"negative rate", aiffFile(false, comm(1, 1, append([]byte{0xC0}, r44100[1:]...)), ssnd), model.AudioMeta{}, "sample rate"},
		{"not AIFF", append([]byte("FORM\x00\x00\x00\x04WAVE"), ssnd...), model.AudioMeta{}, "FORM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(tt.file, "aif")
			testfile.Check(t, got, err, tt.want, tt.wantErr)
		})
	}
}

// patched returns a copy of the file with the first occurrence of from
// replaced by to (same length).
func patched(t *testing.T, b []byte, from, to string) []byte {
	t.Helper()
	i := bytes.Index(b, []byte(from))
	if i < 0 {
		t.Fatalf("%q not found", from)
	}
	c := bytes.Clone(b)
	copy(c[i:], to)
	return c
}

func TestHeaderErrors(t *testing.T) {
	opus := readFile(t, "testdata/tone.opus")
	ogg := readFile(t, "testdata/tone.ogg")
	m4a := readFile(t, "testdata/tone.m4a")
	head := bytes.Index(opus, []byte("OpusHead"))
	threeChannels := bytes.Clone(opus)
	threeChannels[head+9] = 3 // mapping family 0 allows 2 at most
	tests := []struct {
		name, ext string
		file      []byte
		wantErr   string
	}{
		{"opus without OpusTags", "opus", patched(t, opus, "OpusTags", "OpusTagz"), "OpusTags"},
		{"opus without OpusHead", "opus", patched(t, opus, "OpusHead", "OpusHeat"), "OpusHead"},
		{"opus 3 channels family 0", "opus", threeChannels, "mapping family"},
		{"vorbis without comment header", "ogg", patched(t, ogg, "\x03vorbis", "\x03vorbiz"), "comment"},
		{"opus read as vorbis", "ogg", opus, "identification"},
		{"opus read as speex", "spx", opus, "Speex header"},
		{"ogg without pages", "ogg", []byte("OggT" + strings.Repeat("\x00", 40)), "no Ogg page"},
		{"m4a without sound track", "m4a", patched(t, m4a, "soun", "vide"), "no audio track"},
		{"m4a not starting with ftyp", "m4a", patched(t, m4a, "ftyp", "free"), "ftyp"},
		{"m4a without moov", "m4a", patched(t, m4a, "moov", "moof"), "moov"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := read(tt.file, tt.ext); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
