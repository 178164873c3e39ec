package audiometa

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
	"github.com/oxdrop/oxdrop/core/internal/testfile"
	"github.com/oxdrop/oxdrop/core/model"
)

// lofty's Probe guesses from content when the extension names nothing.
func TestSniffNewFormats(t *testing.T) {
	sv7 := mpcSV7File(0x17, 100, 0, false, 0)
	aac := adtsFrames(4, 2, false, repeat(4, 200)...)
	tests := []struct {
		name string
		head []byte
		want format
	}{
		{"MAC", []byte("MAC \x96\x0f"), formatAPE},
		{"wvpk", []byte("wvpk\x20\x00\x00\x00"), formatWavPack},
		{"MPCK", []byte("MPCK"), formatMPC},
		{"MP+", sv7, formatMPC},
		{"ADTS sync", aac, formatAAC},
		{"MPEG sync", []byte{0xFF, 0xFB, 0x90, 0x00}, formatMPEG},
		{"ID3 then MAC", cat(id3v2Tag(5), []byte("MAC \x96\x0f")), formatAPE},
		{"ID3 then MPCK", cat(id3v2Tag(5), []byte("MPCK")), formatMPC},
		{"ID3 then MP+", cat(id3v2Tag(5), sv7), formatMPC},
		{"ID3 then junk then ADTS", cat(id3v2Tag(5), []byte{1, 2, 3}, aac), formatAAC},
		{"ID3 then MPEG", cat(id3v2Tag(5), []byte{0xFF, 0xFB, 0x90, 0x00}), formatMPEG},
		{"junk then ADTS", cat(bytes.Repeat([]byte{1}, 1000), aac), formatAAC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sniff(bounded.New(bytes.NewReader(tt.head), int64(len(tt.head))))
			if err != nil || got != tt.want {
				t.Fatalf("sniff = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	for name, head := range map[string][]byte{
		"ID3 with nothing recognizable after": cat(id3v2Tag(5), []byte("plain text")),
		"junk past 1 KiB":                     cat(bytes.Repeat([]byte{1}, 1023), aac),
	} {
		if f, err := sniff(bounded.New(bytes.NewReader(head), int64(len(head)))); err == nil {
			t.Errorf("%s: sniffed as %v", name, f)
		}
	}
}

// maxReadAt records the largest single read.
type maxReadAt struct {
	*testfile.Virtual
	max int
}

func (m *maxReadAt) ReadAt(p []byte, off int64) (int, error) {
	m.max = max(m.max, len(p))
	return m.Virtual.ReadAt(p, off)
}

// lofty reads every ADTS frame; so does this reader, through one window.
func TestAACStreamsThroughLargeFiles(t *testing.T) {
	frame := adtsFrame(4, 2, 200, false)
	const n = 83886 // 16 MiB of 200-byte frames at 67 kb/s
	v := &maxReadAt{Virtual: &testfile.Virtual{Fill: frame, Size: 200 * n}}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := Read(v, v.Size, "aac")
	runtime.ReadMemStats(&after)
	// n-1 frames confirmed, avg 67; 200n*8/67 = 2003247.8 -> 2003247 ms.
	testfile.Check(t, got, err, model.AudioMeta{NumSeconds: 2003.247, NumChannels: 2, SampleRate: 44100}, "")
	if v.max > cursorWindow {
		t.Errorf("a single read of %d bytes (window %d)", v.max, cursorWindow)
	}
	if v.Read > v.Size+cursorWindow {
		t.Errorf("read %d bytes of a %d-byte file", v.Read, v.Size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("allocated %d bytes for a %d-byte file", alloc, v.Size)
	}
}

// Every truncation and many single-byte corruptions of each new format
// give a value or an error, never a panic.
func TestNewFormatsTruncatedAndCorrupted(t *testing.T) {
	files := map[string][]byte{
		"aac": readFile(t, "testdata/tone.aac"),
		"wv":  readFile(t, "testdata/tone.wv"),
		"ape": cat(id3v2Tag(10), apeFile(apeHeader{version: 3990, compression: 2000, channels: 2, blocksPerFrame: 73728, final: 1000, frames: 3, rate: 44100}), apeTagFooter(2000, 32)),
		"mpc": cat(id3v2Tag(10), mpcSV8File(mpcSH(100000, 1000, 0, 2), mpcRG, mpcEI, mpcAP, mpcSE)),
	}
	files["mp+"] = mpcSV7File(0x17, 100, 0, true, 100)
	for ext, b := range files {
		limit := min(len(b), 3000)
		for n := 0; n < limit; n++ {
			read(b[:n], ext)
		}
		for n := 0; n < 10 && n < len(b); n++ {
			if _, err := read(b[:n], ext); err == nil {
				t.Errorf("%s cut to %d bytes: no error", ext, n)
			}
		}
		for i := 0; i < limit; i++ {
			c := bytes.Clone(b)
			c[i] ^= 0xA5
			read(c, ext)
		}
	}
}

func fuzzNewFormat(f *testing.F, ext string, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := read(b, ext)
		if (m == nil) == (err == nil) {
			t.Fatalf("got %v and %v: exactly one must be set", m, err)
		}
	})
}

func FuzzAAC(f *testing.F) {
	fuzzNewFormat(f, "aac", cat(id3v2Tag(4), adtsFrames(4, 2, true, 30, 40, 30, 40)), adtsFrames(3, 1, false, 20, 20, 20))
}

func FuzzAPE(f *testing.F) {
	fuzzNewFormat(f, "ape",
		apeFile(apeHeader{version: 3990, compression: 2000, channels: 2, blocksPerFrame: 73728, final: 1000, frames: 3, rate: 44100}),
		apeFile(apeHeader{version: 3850, compression: 4000, channels: 1, final: 100, frames: 2, rate: 8000}))
}

func FuzzMPC(f *testing.F) {
	fuzzNewFormat(f, "mpc",
		mpcSV8File(mpcSH(100000, 1000, 0, 2), mpcRG, mpcEI, mpcAP, mpcSE),
		mpcSV7File(0x17, 100, 0, true, 100),
		mpcSV4to6File(5, 1000))
}

func FuzzWavPack(f *testing.F) {
	custom := wvSub(0x27, []byte{0xA8, 0x93, 0})
	fuzzNewFormat(f, "wv",
		wvBlock(0x410, 88200, 88200, wvInitial|wvFinal|wvRate(9), make([]byte, 8)),
		cat(wvBlock(0x410, 48000, 48000, wvInitial|wvRate(15), cat(custom, wvSub(0x0D, []byte{5, 0, 0x3F, 0, 0, 0}), []byte{0})),
			wvBlock(0x410, 48000, 48000, wvFinal|wvRate(10)|0x8000_0000, wvSub(0x0E, []byte{2, 0}))))
}

func BenchmarkAudioAAC(b *testing.B)     { benchFile(b, "testdata/tone.aac") }
func BenchmarkAudioWavPack(b *testing.B) { benchFile(b, "testdata/tone.wv") }

func benchBytes(b *testing.B, data []byte, ext string) {
	r := bytes.NewReader(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(r, int64(len(data)), ext); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAudioAPE(b *testing.B) {
	benchBytes(b, apeFile(apeHeader{version: 3990, compression: 2000, channels: 2, blocksPerFrame: 73728, final: 1000, frames: 3, rate: 44100}), "ape")
}

func BenchmarkAudioMPCSV8(b *testing.B) {
	benchBytes(b, mpcSV8File(mpcSH(100000, 1000, 0, 2), mpcRG, mpcEI, mpcAP, mpcAP, mpcSE), "mpc")
}

// A 16 MiB ADTS stream: lofty's whole-stream walk, in MB/s.
func BenchmarkAudioAAC16MiB(b *testing.B) {
	benchBytes(b, bytes.Repeat(adtsFrame(4, 2, 200, false), 83886), "aac")
}
