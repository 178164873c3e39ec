// Package videometa reads a video's duration and frame size from its
// container headers (ISO-BMFF mp4/mov as Oxen does; WebM/Matroska beyond it).
package videometa

import (
	"errors"
	"io"

	"github.com/oxdrop/oxdrop/core/model"
)

// Read detects the container from content and returns its metadata.
// PLACEHOLDER until the container parsers land.
func Read(r io.ReaderAt, size int64) (*model.VideoMeta, error) {
	return nil, errors.New("videometa: not implemented yet")
}
