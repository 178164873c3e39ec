package audiometa

import (
	"encoding/binary"
	"testing"

	"github.com/oxdrop/oxdrop/core/internal/testfile"
	"github.com/oxdrop/oxdrop/core/model"
)

const (
	wvInitial = 0x800
	wvFinal   = 0x1000
	wvMono    = 0x4
)

// wvBlock builds one WavPack block: the 32-byte header (block size counts
// from byte 8) and its metadata.
func wvBlock(version uint16, total, samples, flags uint32, meta []byte) []byte {
	le := binary.LittleEndian
	b := append([]byte("wvpk"), le.AppendUint32(nil, uint32(24+len(meta)))...)
	b = le.AppendUint16(b, version)
	b = append(b, 0, 0)
	b = le.AppendUint32(b, total)
	b = le.AppendUint32(b, 0) // block index
	b = le.AppendUint32(b, samples)
	b = le.AppendUint32(b, flags)
	b = le.AppendUint32(b, 0) // CRC
	return append(b, meta...)
}

func wvRate(idx uint32) uint32 { return idx << 23 }

// wvSub is a metadata sub-block: id, size in 16-bit words, data (odd
// lengths get the odd-size flag and a pad byte).
func wvSub(id byte, data []byte) []byte {
	if len(data)%2 == 1 {
		id |= 0x40
		data = append(data, 0)
	}
	words := len(data) / 2
	if words > 0xFF { // large: three size bytes
		return append([]byte{id | 0x80, byte(words), byte(words >> 8), byte(words >> 16)}, data...)
	}
	return append([]byte{id, byte(words)}, data...)
}

// Expected values apply lofty's wavpack rules by hand: ms =
// total*1000/rate + 0.5, truncated; channels only from an initial+final
// block's mono flag or from channel-info metadata read for custom rates
// and DSD.
func TestWavPack(t *testing.T) {
	stereo := wvBlock(0x410, 88200, 88200, wvInitial|wvFinal|wvRate(9), make([]byte, 8))
	custom := wvSub(0x27, []byte{0xA8, 0x93, 0}) // 37800 Hz
	tests := []struct {
		name    string
		file    []byte
		want    model.AudioMeta
		wantErr string
	}{
		{"stereo 44.1k", stereo, model.AudioMeta{NumSeconds: 2, NumChannels: 2, SampleRate: 44100}, ""},
		// 1000 samples at 6 kHz: 166.67 + 0.5 -> 167 ms.
		{"mono rounds", wvBlock(0x402, 1000, 1000, wvInitial|wvFinal|wvMono|wvRate(0), nil), model.AudioMeta{NumSeconds: 0.167, NumChannels: 1, SampleRate: 6000}, ""},
		// Custom rate from sub-block 0x27: 37800 samples = 1000 ms.
		{"custom rate", wvBlock(0x410, 37800, 37800, wvInitial|wvFinal|wvRate(15), custom), model.AudioMeta{NumSeconds: 1, NumChannels: 2, SampleRate: 37800}, ""},
		{"custom rate missing", wvBlock(0x410, 37800, 37800, wvInitial|wvFinal|wvRate(15), nil), model.AudioMeta{}, ""},
		// DSD at index 9 with multiplier 6: 44100*64 = 2822400 Hz.
		{"dsd", wvBlock(0x410, 2822400, 100, wvInitial|wvFinal|wvRate(9)|0x8000_0000, wvSub(0x0E, []byte{6, 0})), model.AudioMeta{NumSeconds: 1, NumChannels: 2, SampleRate: 2822400}, ""},
		// Six channels from channel info (count 5, high nibble 0, +1, a
		// 3-byte mask), read only because the rate is custom; lofty skips
		// one byte past that sub-block, hence the trailing byte. The
		// initial block is not final, so the mono flag never sets
		// channels; the second block's standard index sets the rate last.
		{"multichannel", cat(
			wvBlock(0x410, 48000, 48000, wvInitial|wvRate(15), cat(custom, wvSub(0x0D, []byte{5, 0, 0x3F, 0, 0, 0}), []byte{0})),
			wvBlock(0x410, 48000, 48000, wvFinal|wvRate(10), nil),
		), model.AudioMeta{NumSeconds: 1, NumChannels: 6, SampleRate: 48000}, ""},
		// Blocks without samples are skipped, even a final one.
		{"empty blocks skipped", cat(
			wvBlock(0x410, 0, 0, wvFinal|wvRate(5), nil),
			wvBlock(0x410, 16000, 16000, wvInitial|wvFinal|wvMono|wvRate(5), nil),
		), model.AudioMeta{NumSeconds: 1, NumChannels: 1, SampleRate: 16000}, ""},
		{"unknown total", wvBlock(0x410, 0xFFFF_FFFF, 100, wvInitial|wvFinal|wvRate(9), make([]byte, 8)), model.AudioMeta{NumSeconds: 0, NumChannels: 2, SampleRate: 44100}, ""},
		// Version 0x401 stops the walk before the total and channels.
		{"old version", wvBlock(0x401, 44100, 44100, wvInitial|wvFinal|wvRate(9), make([]byte, 8)), model.AudioMeta{NumSeconds: 0, NumChannels: 0, SampleRate: 44100}, ""},
		// lofty does not skip ID3v2: the walk ends at once, all zero.
		{"ID3v2 before", cat(id3v2Tag(20), stereo), model.AudioMeta{}, ""},
		// The same channel info as the last sub-block: the extra skip runs
		// past the block, an error that ends the walk before the initial
		// block sets the total. Channels (5 | 0xF<<8) + 1 = 3846 cut to u8.
		{"channel info skip past the block", wvBlock(0x410, 48000, 48000, wvInitial|wvRate(15), cat(custom, wvSub(0x0D, []byte{5, 0x3F, 0, 0, 0, 0}))), model.AudioMeta{NumSeconds: 0, NumChannels: 6, SampleRate: 37800}, ""},
		{"block size < 24", append([]byte("wvpk\x17\x00\x00\x00"), make([]byte, 40)...), model.AudioMeta{}, ""},
		{"APE tag and ID3v1 after", cat(stereo, apeTagFooter(2000, 32), id3v1Tag()), model.AudioMeta{NumSeconds: 2, NumChannels: 2, SampleRate: 44100}, ""},
		{"APE tag size < 32", cat(stereo, apeTagFooter(2000, 8)), model.AudioMeta{}, "< 32"},
		{"too short for the tag probes", stereo[:31], model.AudioMeta{}, "32-byte APE footer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := read(tt.file, "wv")
			testfile.Check(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestWavPackMetadata(t *testing.T) {
	tests := []struct {
		name         string
		meta         []byte
		rate         uint32
		channels     uint16
		wantErr      bool
		rateIn       uint32
		wantRate     uint32
		wantChannels uint16
	}{
		{name: "large sub-block size", meta: append([]byte{0x27 | 0x80, 2, 0, 0}, 0x44, 0xAC, 0, 0), wantRate: 44100},
		{name: "zero size skipped", meta: cat([]byte{0x10, 0}, wvSub(0x27, []byte{0x80, 0xBB, 0})), wantRate: 48000},
		{name: "size past the block", meta: []byte{0x27, 4, 0, 0}, wantErr: true},
		{name: "rate sub-block too small", meta: wvSub(0x27, []byte{1, 2}), wantErr: true},
		{name: "dsd multiplier > 30 stops quietly", meta: wvSub(0x0E, []byte{31, 0}), rateIn: 8000, wantRate: 8000},
		// Channel info of 2 bytes: lofty reads count and a 1-byte mask
		// but only takes 1 from the size, so it skips one byte too many
		// (into the next sub-block, here a pad byte).
		{name: "short channel info", meta: cat(wvSub(0x0D, []byte{2, 3}), []byte{0}), wantChannels: 2},
		{name: "channel info too long", meta: wvSub(0x0D, make([]byte, 8)), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rate, ch := tt.rateIn, uint16(0)
			err := wvMetadata(tt.meta, &rate, &ch)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && (rate != tt.wantRate || ch != tt.wantChannels) {
				t.Errorf("rate %d channels %d, want %d and %d", rate, ch, tt.wantRate, tt.wantChannels)
			}
		})
	}
}

// A custom-rate block of 40 KiB (a large sub-block before the rate): lofty
// reads the whole block for its metadata, larger than the cursor's first
// windows.
func TestWavPackLargeMetadataBlock(t *testing.T) {
	meta := cat(wvSub(0x21, make([]byte, 40<<10)), wvSub(0x27, []byte{0xA8, 0x93, 0}))
	f := wvBlock(0x410, 37800, 37800, wvInitial|wvFinal|wvRate(15), meta)
	got, err := read(f, "wv")
	testfile.Check(t, got, err, model.AudioMeta{NumSeconds: 1, NumChannels: 2, SampleRate: 37800}, "")
}
