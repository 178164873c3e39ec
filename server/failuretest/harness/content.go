//go:build unix

package harness

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
)

// blockSize is the period of generated content: big enough that the data is
// not trivially compressible or repetitive for a parser, small enough that a
// generator costs 1 MiB at most and producing bytes is a memcpy.
const blockSize = 1 << 20

// Content is a deterministic stream of size pseudo-random bytes derived from
// a seed: a block of min(size, 1 MiB) ChaCha8 bytes repeated. Streams with
// different seeds differ in their first bytes, so their hashes differ.
type Content struct {
	seed  uint64
	size  int64
	off   int64
	block []byte // allocated on first Read so idle generators cost nothing
}

// NewContent returns the generator of seed's content of size bytes.
func NewContent(seed uint64, size int64) *Content {
	return &Content{seed: seed, size: size}
}

func (c *Content) Read(p []byte) (int, error) {
	if c.off >= c.size {
		return 0, io.EOF
	}
	if c.block == nil {
		c.block = makeBlock(c.seed, min(c.size, blockSize))
	}
	if rest := c.size - c.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	n := 0
	for n < len(p) {
		i := int(c.off % int64(len(c.block)))
		m := copy(p[n:], c.block[i:])
		n += m
		c.off += int64(m)
	}
	return n, nil
}

// writeChunk is the largest write Content.WriteTo makes.
const writeChunk = 256 << 10

// WriteTo writes the content straight from the block, in writes of at most
// 256 KiB and without copying it first: a load generator that costs its
// machine as little as possible (io.Copy uses it; to measure a writer with
// smaller writes, hide it behind struct{ io.Reader }).
func (c *Content) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for c.off < c.size {
		if c.block == nil {
			c.block = makeBlock(c.seed, min(c.size, blockSize))
		}
		i := c.off % int64(len(c.block))
		p := c.block[i:min(int64(len(c.block)), i+writeChunk, i+c.size-c.off)]
		n, err := w.Write(p)
		c.off += int64(n)
		total += int64(n)
		if err != nil {
			return total, err
		}
		if n < len(p) {
			return total, io.ErrShortWrite
		}
	}
	return total, nil
}

func makeBlock(seed uint64, n int64) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	copy(key[8:], "oxdrop harness content")
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(key).Read(b) // never fails
	return b
}

// SameContent compares r with f's content byte for byte, streaming both, and
// says where they first differ.
func SameContent(r io.Reader, f File) error {
	want := f.Reader()
	a := make([]byte, 256<<10)
	b := make([]byte, 256<<10)
	var off int64
	for {
		n, errA := io.ReadFull(r, a)
		m, errB := io.ReadFull(want, b)
		if n != m || !bytes.Equal(a[:n], b[:m]) {
			i := 0
			for i < min(n, m) && a[i] == b[i] {
				i++
			}
			return fmt.Errorf("%s: content differs at byte %d (got %d bytes of this chunk, want %d)", f.Path, off+int64(i), n, m)
		}
		off += int64(n)
		doneA := errA == io.EOF || errA == io.ErrUnexpectedEOF
		doneB := errB == io.EOF || errB == io.ErrUnexpectedEOF
		if errA != nil && !doneA {
			return fmt.Errorf("%s: reading at byte %d: %w", f.Path, off, errA)
		}
		if doneA || doneB {
			if doneA != doneB {
				return fmt.Errorf("%s: length differs: one side ended at byte %d", f.Path, off)
			}
			return nil
		}
	}
}
