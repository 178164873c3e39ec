// Package videometa reads a video's duration and frame size from its
// container headers (ISO-BMFF mp4/mov as Oxen does; WebM/Matroska beyond it).
// Only headers are read, through the io.ReaderAt: media data is never loaded.
package videometa

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/oxdrop/oxdrop/core/internal/bounded"
	"github.com/oxdrop/oxdrop/core/model"
)

// Read detects the container from content and returns its metadata.
func Read(r io.ReaderAt, size int64) (*model.VideoMeta, error) {
	if size < 8 {
		return nil, fmt.Errorf("videometa: %d-byte file is too small for a video container", size)
	}
	src := bounded.New(r, size)
	head, err := src.At(0, 8)
	if err != nil {
		return nil, fmt.Errorf("videometa: reading the first bytes: %w", err)
	}
	switch {
	case bytes.Equal(head[4:8], []byte("ftyp")):
		return readMP4(src, size)
	case bytes.Equal(head[:4], []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return readMatroska(src, size)
	}
	return nil, errors.New("videometa: unknown container (neither an ISO-BMFF ftyp box nor an EBML header at the start)")
}

// secondsFromMillis mirrors Rust's Duration::from_millis(ms).as_secs_f64():
// whole seconds plus the nanosecond remainder divided by 1e9, which gives
// exactly the decimals Oxen serializes (1600 ms → 1.6).
func secondsFromMillis(ms uint64) float64 {
	return float64(ms/1000) + float64((ms%1000)*1_000_000)/1e9
}
