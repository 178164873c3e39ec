package audiometa

import (
	"encoding/binary"
	"testing"

	"github.com/oxdrop/oxdrop/core/internal/testfile"
)

func TestReadsAreBounded(t *testing.T) {
	const big = 2 << 30 // 2 GiB that are never materialized
	frame := mp3Frames(1, true, nil)
	oggFile := readFile(t, "testdata/tone.ogg")
	wavHead := wavFile(fmtChunk(1, 2, 44100, 16), chunk("data", nil))
	binary.LittleEndian.PutUint32(wavHead[len(wavHead)-4:], big-100)
	wv := readFile(t, "testdata/stereo.wv")
	ape := apeFile(apeHeader{version: 3990, compression: 2000, channels: 2, blocksPerFrame: 73728, final: 1000, frames: 3, rate: 44100})
	tests := []struct {
		name, ext string
		file      *testfile.Virtual
	}{
		{"wav with a 2 GiB data chunk", "wav", &testfile.Virtual{Head: wavHead, Fill: []byte{0}, Size: big}},
		{"mp3 cbr of 2 GiB", "mp3", &testfile.Virtual{Head: frame, Fill: frame, Size: int64(len(frame)) * (big / int64(len(frame)))}},
		{"ogg with 2 GiB between headers and the last page", "ogg", &testfile.Virtual{Head: oggFile[:4000], Fill: []byte{0}, Tail: oggFile[len(oggFile)-2000:], Size: big}},
		// Header-only formats read a few KiB.
		{"ape", "ape", &testfile.Virtual{Head: ape, Size: big}},
		{"wavpack", "wv", &testfile.Virtual{Head: wv, Size: big}},
		{"mpc sv7", "mpc", &testfile.Virtual{Head: mpcSV7File(0x17, 100, 0, false, 0), Size: big}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Read(tt.file, tt.file.Size, tt.ext); err != nil {
				t.Fatal(err)
			}
			if tt.file.Read > 512<<10 {
				t.Errorf("read %d bytes of a %d-byte file", tt.file.Read, tt.file.Size)
			}
		})
	}
}
