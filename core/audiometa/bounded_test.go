package audiometa

import (
	"encoding/binary"
	"testing"
)

// virtualFile is a large file that exists only as a head, a filler byte
// pattern and a tail; it counts the bytes read through it.
type virtualFile struct {
	head, fill, tail []byte
	size             int64
	read             int64
}

func (v *virtualFile) ReadAt(p []byte, off int64) (int, error) {
	v.read += int64(len(p))
	for i := range p {
		o := off + int64(i)
		switch {
		case o < int64(len(v.head)):
			p[i] = v.head[o]
		case o >= v.size-int64(len(v.tail)):
			p[i] = v.tail[o-(v.size-int64(len(v.tail)))]
		default:
			p[i] = v.fill[(o-int64(len(v.head)))%int64(len(v.fill))]
		}
	}
	return len(p), nil
}

func TestReadsAreBounded(t *testing.T) {
	const big = 2 << 30 // 2 GiB that are never materialized
	frame := mp3Frames(1, true, nil)
	oggFile := readFile(t, "testdata/tone.ogg")
	wavHead := wavFile(fmtChunk(1, 2, 44100, 16), chunk("data", nil))
	binary.LittleEndian.PutUint32(wavHead[len(wavHead)-4:], big-100)
	tests := []struct {
		name, ext string
		file      *virtualFile
	}{
		{"wav with a 2 GiB data chunk", "wav", &virtualFile{head: wavHead, fill: []byte{0}, size: big}},
		{"mp3 cbr of 2 GiB", "mp3", &virtualFile{head: frame, fill: frame, size: int64(len(frame)) * (big / int64(len(frame)))}},
		{"ogg with 2 GiB between headers and the last page", "ogg", &virtualFile{head: oggFile[:4000], fill: []byte{0}, tail: oggFile[len(oggFile)-2000:], size: big}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Read(tt.file, tt.file.size, tt.ext); err != nil {
				t.Fatal(err)
			}
			if tt.file.read > 512<<10 {
				t.Errorf("read %d bytes of a %d-byte file", tt.file.read, tt.file.size)
			}
		})
	}
}
