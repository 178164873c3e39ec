// Package audiometa reads an audio file's duration, channels and sample rate
// from its headers, as Oxen's lofty does.
package audiometa

import (
	"errors"
	"io"

	"github.com/oxdrop/oxdrop/core/model"
)

// Read picks the parser from ext (no dot, any case), falling back to content.
// PLACEHOLDER until the format parsers land.
func Read(r io.ReaderAt, size int64, ext string) (*model.AudioMeta, error) {
	return nil, errors.New("audiometa: not implemented yet")
}
