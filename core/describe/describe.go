// Package describe is the one pipeline that turns a file's bytes into what
// Oxen records for it (hash, size, data type, mime, extension, metadata).
// The browser (wasm) and the server both run it, so their answers agree.
//
// It works in two steps: an Analyzer is fed the whole file once, in order
// (hashing, counting lines and characters, keeping the head); Finish then
// classifies from the head and reads format metadata through an
// io.ReaderAt, touching only headers and footers.
package describe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/oxdrop/oxdrop/core/classify"
	"github.com/oxdrop/oxdrop/core/datatype"
	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/oxhash"
	"github.com/oxdrop/oxdrop/core/tabular"
)

// Analyzer is the streaming pass over one file. It is reusable (Begin or
// Reset) and Write does not allocate.
//
// Line and character counts are only used for text and tabular files, and
// counting costs far more than hashing in WebAssembly. So when the file's
// name is given first (Begin), the Analyzer classifies the file as soon as
// the head is complete and stops counting if the type cannot use counts.
type Analyzer struct {
	digest   *oxhash.Digest
	size     int64
	newlines uint64
	chars    uint64 // bytes that are not UTF-8 continuation bytes
	last     byte
	headLen  int
	head     [classify.HeadLen]byte
	name     string // the name given to Begin
	named    bool   // Begin was called: the type may be decided from the head
	skipped  bool   // counting stopped: newlines and chars are incomplete
}

// NewAnalyzer returns an Analyzer ready for a file's first Write.
func NewAnalyzer() *Analyzer {
	return &Analyzer{digest: oxhash.New()}
}

// Reset readies a for another file whose name is not known yet: every
// byte is counted, whatever the type turns out to be.
func (a *Analyzer) Reset() {
	a.digest.Reset()
	a.size, a.newlines, a.chars, a.last, a.headLen = 0, 0, 0, 0, 0
	a.name, a.named, a.skipped = "", false, false
}

// Begin readies a for the file called name (the same name Finish will be
// given), which lets Write stop counting lines and characters once the
// head shows that the file is neither text nor tabular. Finish recounts
// from its reader should it be given a name that turns the file into text
// or tabular after all, so a different name costs time, never correctness.
func (a *Analyzer) Begin(name string) {
	a.Reset()
	a.name, a.named = name, true
}

// needsCounts reports whether a file of type dt uses line or character
// counts in Finish (the registry's Counts).
func needsCounts(dt model.DataType) bool {
	e, ok := datatype.Lookup(dt)
	return ok && e.Counts
}

// Write feeds the next bytes of the file. It never fails.
func (a *Analyzer) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	a.digest.Write(p)
	if a.headLen < len(a.head) {
		a.headLen += copy(a.head[a.headLen:], p)
		// A full head is exactly what Finish classifies (the head never
		// grows past classify.HeadLen), so the type is final here.
		if a.headLen == len(a.head) && a.named {
			_, dt := classify.Classify(a.Head(), a.name)
			a.skipped = !needsCounts(dt)
		}
	}
	if !a.skipped {
		newlines, chars := countLinesAndChars(p)
		a.newlines += newlines
		a.chars += chars
	}
	a.last = p[len(p)-1]
	a.size += int64(len(p))
	return len(p), nil
}

// Size is the number of bytes written so far.
func (a *Analyzer) Size() int64 { return a.size }

// Head is the first bytes written (up to classify.HeadLen).
func (a *Analyzer) Head() []byte { return a.head[:a.headLen] }

// Hash is Oxen's content hash hex of the bytes written so far.
func (a *Analyzer) Hash() string { return a.digest.Hex() }

// highBits is bit 7 of every byte of a word.
const highBits = 0x8080808080808080

// nonContinuation counts bytes b with b&0xC0 != 0x80 (bytecount::num_chars).
// A continuation byte has bit 7 set and bit 6 clear, so x &^ (x<<1) keeps
// bit 7 of exactly those bytes. The flags are summed in byte lanes, 32
// bytes per step, and the lanes are folded every 63 steps (63*4 < 256, so
// no lane overflows): about 8x faster than a popcount per word.
func nonContinuation(p []byte) uint64 {
	const ones = 0x0101010101010101
	n := uint64(len(p))
	var cont uint64
	for len(p) >= 32 {
		var acc uint64
		for i := 0; i < 63 && len(p) >= 32; i++ {
			a := binary.LittleEndian.Uint64(p[0:8])
			b := binary.LittleEndian.Uint64(p[8:16])
			c := binary.LittleEndian.Uint64(p[16:24])
			d := binary.LittleEndian.Uint64(p[24:32])
			acc += (a&^(a<<1))>>7&ones + (b&^(b<<1))>>7&ones + (c&^(c<<1))>>7&ones + (d&^(d<<1))>>7&ones
			p = p[32:]
		}
		// Fold 8 byte lanes (each <= 252) into 16-bit lanes, then sum those.
		acc = acc&0x00FF00FF00FF00FF + acc>>8&0x00FF00FF00FF00FF
		cont += acc * 0x0001000100010001 >> 48
	}
	for _, b := range p {
		if b&0xC0 == 0x80 {
			cont++
		}
	}
	return n - cont
}

// LimitError is the error Finish (and File) return for a table over one of
// the caps on what describing produces: more than MaxColumns columns, a
// schema whose JSON is over MaxSchemaBytes, or a csv header line over the
// 16 MiB head window. Path is the name Finish was given. A server answers
// it with 413:
//
//	var le *describe.LimitError
//	if errors.As(err, &le) { ... le.Path, le.What, le.Got, le.Limit ... }
type LimitError = tabular.LimitError

// The caps on a table's schema; see tabular.MaxColumns and
// tabular.MaxSchemaBytes.
const (
	MaxColumns     = tabular.MaxColumns
	MaxSchemaBytes = tabular.MaxSchemaBytes
)

// Finish classifies the file written so far and reads its metadata from r
// (the same bytes, size long). name is the file's path or base name; its
// extension comes from the base name. Finish fails when r fails to read,
// and with a *LimitError when a table is over a cap on its schema; any
// other content that no parser accepts gives null metadata (and, for
// tabular files, the binary data type, as Oxen downgrades them).
func (a *Analyzer) Finish(name string, r io.ReaderAt, size int64) (model.FileInfo, error) {
	if size != a.size {
		return model.FileInfo{}, fmt.Errorf("describe: %s: reader size %d differs from the %d bytes written", name, size, a.size)
	}
	return a.finish(name, a.digest.Hex(), r, size)
}

// Summary is what the streaming pass learns of a file's bytes whatever
// its name: enough, with random access to the bytes, to describe it under
// any name without reading it all again. A server keeps it beside a blob
// uploaded in pieces over many requests (verified once, when the last
// piece arrives) and describes the blob for each path a commit gives it.
type Summary struct {
	Hash            string `json:"hash"`
	Size            int64  `json:"size"`
	Newlines        uint64 `json:"newlines"`
	Chars           uint64 `json:"chars"`
	EndsWithNewline bool   `json:"ends_with_newline"`
}

// Summary is the summary of the bytes written so far. It needs every
// byte counted: after Begin (which may stop counting), ok is false.
func (a *Analyzer) Summary() (s Summary, ok bool) {
	if a.named {
		return Summary{}, false
	}
	return Summary{
		Hash: a.digest.Hex(), Size: a.size, Newlines: a.newlines, Chars: a.chars,
		EndsWithNewline: a.size > 0 && a.last == '\n',
	}, true
}

// Describe describes the file summarized by s under name, reading its head
// and format metadata from r (the same s.Size bytes): Finish, for a file
// whose streaming pass happened earlier.
func Describe(name string, s Summary, r io.ReaderAt) (model.FileInfo, error) {
	a := &Analyzer{size: s.Size, newlines: s.Newlines, chars: s.Chars}
	if s.EndsWithNewline {
		a.last = '\n'
	}
	n, err := r.ReadAt(a.head[:min(int64(len(a.head)), s.Size)], 0)
	if n < int(min(int64(len(a.head)), s.Size)) {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return model.FileInfo{}, fmt.Errorf("describe: %s: reading the head: %w", name, err)
	}
	a.headLen = n
	return a.finish(name, s.Hash, r, s.Size)
}

// finish classifies from a's head and reads the metadata through r.
func (a *Analyzer) finish(name, hash string, r io.ReaderAt, size int64) (model.FileInfo, error) {
	head := a.Head()
	mime, dt := classify.Classify(head, name)
	info := model.FileInfo{
		Hash:      hash,
		Size:      uint64(a.size),
		DataType:  dt,
		MimeType:  mime,
		Extension: classify.Extension(name),
	}
	src := &watchedReader{r: r}
	if a.skipped && needsCounts(dt) {
		// Only possible when Finish's name differs from Begin's.
		if err := a.recount(src, size); err != nil {
			return model.FileInfo{}, fmt.Errorf("describe: %s: recounting lines: %w", name, err)
		}
	}
	// The data type's metadata reader, from the registry.
	var err error
	if e, ok := datatype.Lookup(dt); ok && e.Read != nil {
		info.Metadata, err = e.Read(datatype.Input{
			R: src, Size: size, Ext: info.Extension,
			Newlines: a.newlines, Chars: a.chars, EndsWithNewline: a.size > 0 && a.last == '\n',
		})
		if info.Metadata == nil && e.Unreadable != "" {
			info.DataType = e.Unreadable // Oxen's downgrade of unreadable tables
		}
	}
	if src.err != nil {
		return model.FileInfo{}, fmt.Errorf("describe: %s: reading: %w", name, src.err)
	}
	// Oxen would describe such a table: refuse it rather than downgrade.
	var limit *LimitError
	if errors.As(err, &limit) {
		le := *limit
		le.Path = name
		return model.FileInfo{}, &le
	}
	return info, nil
}

// recount replaces the incomplete line and character counts with those of
// the size bytes of r, read in DefaultBufferSize pieces.
func (a *Analyzer) recount(r io.ReaderAt, size int64) error {
	buf := make([]byte, min(size, DefaultBufferSize))
	var newlines, chars uint64
	for off := int64(0); off < size; {
		want := buf[:min(int64(len(buf)), size-off)]
		n, err := r.ReadAt(want, off)
		l, c := countLinesAndChars(want[:n])
		newlines, chars = newlines+l, chars+c
		off += int64(n)
		if n < len(want) {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("reading at %d of %d bytes: %w", off, size, err)
		}
	}
	a.newlines, a.chars, a.skipped = newlines, chars, false
	return nil
}

// watchedReader remembers the first real I/O error, so Finish can tell a
// failing reader (an error) from content a parser rejects (null metadata).
type watchedReader struct {
	r   io.ReaderAt
	err error
}

func (w *watchedReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := w.r.ReadAt(p, off)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && w.err == nil {
		w.err = err
	}
	return n, err
}

// DefaultBufferSize is the read size File uses when given no buffer.
const DefaultBufferSize = 256 << 10

// File streams r (size bytes) through an Analyzer using buf (nil picks
// DefaultBufferSize), reporting progress after every read, then Finishes.
func File(name string, r io.ReaderAt, size int64, buf []byte, progress func(done int64)) (model.FileInfo, error) {
	if len(buf) == 0 {
		buf = make([]byte, DefaultBufferSize)
	}
	a := NewAnalyzer()
	a.Begin(name)
	for off := int64(0); off < size; {
		want := buf
		if rest := size - off; rest < int64(len(want)) {
			want = want[:rest]
		}
		n, err := r.ReadAt(want, off)
		a.Write(want[:n])
		off += int64(n)
		if progress != nil {
			progress(off)
		}
		if n < len(want) {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return model.FileInfo{}, fmt.Errorf("describe: %s: reading at %d of %d bytes: %w", name, off, size, err)
		}
	}
	return a.Finish(name, r, size)
}

// DirCounts is a folder's Oxen metadata: how many of the files in infos
// have each data type, in model.DataTypes order, types with none left out.
func DirCounts(infos []model.FileInfo) *model.Metadata {
	counts := make(map[model.DataType]uint64, len(model.DataTypes))
	for _, f := range infos {
		counts[f.DataType]++
	}
	dir := &model.DirMeta{DataTypes: []model.DataTypeCount{}}
	for _, t := range model.DataTypes {
		if c := counts[t]; c > 0 {
			dir.DataTypes = append(dir.DataTypes, model.DataTypeCount{Count: c, DataType: string(t)})
		}
	}
	return &model.Metadata{Dir: dir}
}
