package videometa

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/oxdrop/oxdrop/core/internal/testfile"
)

func TestReadsAreBounded(t *testing.T) {
	const big = 8 << 30 // 8 GiB that are never materialized
	// mp4: ftyp, a 64-bit mdat filling the middle, moov at the end.
	base := synthMP4(mvhdV0(1000, 2500), 16, 8)
	ftypLen := int(binary.BigEndian.Uint32(base))
	moov := base[ftypLen:]
	head := append(bytes.Clone(base[:ftypLen]), 0, 0, 0, 1, 'm', 'd', 'a', 't')
	head = binary.BigEndian.AppendUint64(head, uint64(big-ftypLen-len(moov)))
	mp4 := &testfile.Virtual{Head: head, Tail: moov, Size: big}

	// mkv: SeekHead, an 8 GiB cluster, then Info and Tracks.
	info := ebml(idInfo, ebmlF64(idDuration, 1500))
	tracks := ebml(idTracks, ebml(idTrackEntry, ebmlUint(idTrackType, 1), ebml(idVideo, ebmlUint(idPixelWidth, 4), ebmlUint(idPixelHeight, 2))))
	seek := func(id uint32, pos uint64) []byte {
		return ebml(idSeek, ebmlUint(idSeekID, uint64(id)), ebmlUint(idSeekPosition, pos))
	}
	shLen := len(ebml(idSeekHead, seek(idInfo, 0), seek(idTracks, 0)))
	clusterHeader := ebml(idCluster)
	clusterPayload := uint64(big - 4096 - len(info) - len(tracks))
	binary.BigEndian.PutUint64(clusterHeader[len(clusterHeader)-8:], clusterPayload)
	clusterHeader[len(clusterHeader)-8] = 0x01
	infoPos := uint64(shLen+len(clusterHeader)) + clusterPayload
	sh := ebml(idSeekHead, seek(idInfo, infoPos), seek(idTracks, infoPos+uint64(len(info))))
	segPayload := append(sh, clusterHeader...)
	segHead := append(ebml(idEBML), ebml(idSegment)...)
	binary.BigEndian.PutUint64(segHead[len(segHead)-8:], uint64(len(segPayload))+clusterPayload+uint64(len(info)+len(tracks)))
	segHead[len(segHead)-8] = 0x01
	mkvHead := append(segHead, segPayload...)
	mkvTail := append(bytes.Clone(info), tracks...)
	mkv := &testfile.Virtual{Head: mkvHead, Tail: mkvTail, Size: int64(len(mkvHead)) + int64(clusterPayload) + int64(len(mkvTail))}

	tests := []struct {
		name string
		file *testfile.Virtual
		want float64
	}{
		{"mp4 with an 8 GiB mdat before moov", mp4, 2.5},
		{"mkv with an 8 GiB cluster before Info", mkv, 1.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Read(tt.file, tt.file.Size)
			if err != nil {
				t.Fatal(err)
			}
			if m.NumSeconds != tt.want {
				t.Errorf("NumSeconds = %v, want %v", m.NumSeconds, tt.want)
			}
			if tt.file.Read > 64<<10 {
				t.Errorf("read %d bytes of a %d-byte file", tt.file.Read, tt.file.Size)
			}
		})
	}
}
