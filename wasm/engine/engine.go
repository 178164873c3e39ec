// Package engine is the part of oxdrop's WebAssembly entry that does not
// touch syscall/js: it streams a file through the core's describe.Analyzer
// in fixed-size chunks read into one reused buffer, reports progress at a
// bounded rate, and answers previews, name checks and path checks. The js/wasm layer
// (package main in wasm/) only adapts a browser File to the File interface
// below, so everything here is tested natively with in-memory files.
package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/oxdrop/oxdrop/core/tabular"
)

// Analyzer is what the engine needs from core/describe: a streaming pass
// over every byte (hash, line counts, sniffing), then a Finish that may read
// the few ranges it still needs (headers, footers) through r.
type Analyzer interface {
	// Begin readies the analyzer for the file called name (the name Finish
	// gets), so it can skip work the file's type will not need.
	Begin(name string)
	Write(p []byte) (int, error)
	Finish(name string, r io.ReaderAt, size int64) (model.FileInfo, error)
}

// File is the host's view of a dropped file: its size and random-access
// reads. In the browser it is a File read with FileReaderSync in a Worker.
type File interface {
	io.ReaderAt
	Size() int64
}

// Progress receives the bytes streamed so far and the file size.
type Progress func(done, total int64)

// Chunk sizes: below 256 KiB the per-chunk crossing into JavaScript starts
// to show; above 4 MiB the worker's transient ArrayBuffers grow for nothing.
const (
	MinChunk     = 256 << 10
	MaxChunk     = 4 << 20
	DefaultChunk = 4 << 20
)

// ProgressInterval is the least time between two progress reports, so a
// fast hash does not flood the page with messages (about 20 per second).
const ProgressInterval = 50 * time.Millisecond

// Engine describes files one at a time (one Engine per Go instance, one Go
// instance per Web Worker). Its buffer is allocated once and reused, so a
// file of any size costs the same memory.
type Engine struct {
	analyzer Analyzer
	buf      []byte
	now      func() time.Time // replaced in tests
}

// ClampChunk is the chunk size used for a requested one: n clamped to
// [MinChunk, MaxChunk]. It is the one copy of the rule: New applies it.
func ClampChunk(n int) int { return min(max(n, MinChunk), MaxChunk) }

// New returns an Engine reading ClampChunk(chunkSize) bytes at a time.
func New(a Analyzer, chunkSize int) *Engine {
	return &Engine{analyzer: a, buf: make([]byte, ClampChunk(chunkSize)), now: time.Now}
}

// ChunkSize is the size of the reused read buffer.
func (e *Engine) ChunkSize() int { return len(e.buf) }

// Describe streams every byte of f through the analyzer, then finishes it
// under the file name of path (its last "/"-separated element: the
// extension decides the type). The bytes come from stream, which must yield
// f's content in order; in the browser it is fed by a reader thread, so the
// next chunk is read while this one is hashed. A nil stream reads f in
// order through ReadAt. progress may be nil; for a file larger than one
// chunk it is called at most once per ProgressInterval and always once at
// the end; a file that fits in one chunk gets no progress (the result comes
// as fast: a report per small file would only double the page's messages).
//
// A file that fits in one chunk is read exactly once: Finish reads its
// header and footer ranges from the buffer rather than from f, since each
// read of a browser File is a round trip to the browser process, and most
// dropped files are small.
func (e *Engine) Describe(f File, stream io.Reader, path string, progress Progress) (model.FileInfo, error) {
	size := f.Size()
	if size < 0 {
		return model.FileInfo{}, fmt.Errorf("negative file size %d", size)
	}
	if stream == nil {
		stream = io.NewSectionReader(f, 0, size)
	}
	name := BaseName(path)
	e.analyzer.Begin(name)
	last := e.now()
	for off := int64(0); off < size; {
		n := int(min(int64(len(e.buf)), size-off))
		chunk := e.buf[:n]
		if got, err := io.ReadFull(stream, chunk); err != nil {
			return model.FileInfo{}, readError(off, off+int64(got), n, size, err)
		}
		if _, err := e.analyzer.Write(chunk); err != nil {
			return model.FileInfo{}, fmt.Errorf("analysing bytes %d-%d: %w", off, off+int64(n), err)
		}
		off += int64(n)
		if progress != nil && off < size {
			if t := e.now(); t.Sub(last) >= ProgressInterval {
				last = t
				progress(off, size)
			}
		}
	}
	var src io.ReaderAt = f
	if size <= int64(len(e.buf)) {
		src = bytes.NewReader(e.buf[:size])
	} else if progress != nil {
		progress(size, size)
	}
	info, err := e.analyzer.Finish(name, src, size)
	if err != nil {
		return model.FileInfo{}, err
	}
	return info, nil
}

// DescribeBytes describes a file whose bytes are all in data: one pass of
// a over them, then a's Finish reads its headers and footers from data. The
// answer is Describe's for the same bytes and path. The worker reads small
// files whole and hands them over in one synchronous call, with no
// JavaScript value, promise or goroutine per file.
func DescribeBytes(a Analyzer, data []byte, path string) (model.FileInfo, error) {
	name := BaseName(path)
	a.Begin(name)
	if _, err := a.Write(data); err != nil {
		return model.FileInfo{}, fmt.Errorf("analysing bytes 0-%d: %w", len(data), err)
	}
	return a.Finish(name, bytes.NewReader(data), int64(len(data)))
}

// readError says which range of the file could not be read, or where it
// ended early.
func readError(off, at int64, want int, size int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("file ended at byte %d, before its size %d (changed while reading?)", at, size)
	}
	return fmt.Errorf("reading bytes %d-%d: %w", off, off+int64(want), err)
}

// BaseName is the last element of a "/"-separated relative path.
func BaseName(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}

// previewable lists the extensions (lowercased) that core/tabular reads.
var previewable = map[string]bool{
	"csv": true, "tsv": true, "jsonl": true, "ndjson": true, "json": true, "parquet": true, "arrow": true,
}

// Preview returns the first maxRows rows of a tabular file, or nil when
// the extension is not a tabular one.
func Preview(f File, path string, maxRows int) (*tabular.Table, error) {
	name := BaseName(path)
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return nil, nil
	}
	ext := name[dot+1:]
	if !previewable[strings.ToLower(ext)] {
		return nil, nil
	}
	if maxRows <= 0 {
		return nil, fmt.Errorf("maxRows must be positive, got %d", maxRows)
	}
	return tabular.Preview(f, f.Size(), ext, maxRows)
}

// ValidateName returns "" for a valid repository or namespace name, else
// the core's message (the same rule the server applies).
func ValidateName(name string) string {
	if err := repo.ValidateName(name); err != nil {
		return err.Error()
	}
	return ""
}

// ValidateAuthor is the server's rule for the commit author's name and
// email (repo.ValidateAuthor): "" when valid, else the message.
func ValidateAuthor(name, email string) string {
	if err := repo.ValidateAuthor(name, email); err != nil {
		return err.Error()
	}
	return ""
}

// CheckPaths checks, with the server's rules (repo.PathSet), the paths of
// files the page is adding to its list: against the paths already listed
// and against each other, in order. An added path equal to a listed one
// replaces that file on the page, so it is checked as if the listed path
// were gone. It returns one message per added path, "" when valid; each
// valid path joins the set the next ones are checked against. The listed
// paths passed these checks when they were added, and a subset of a valid
// set stays valid, so they are not reported.
func CheckPaths(listed, added []string) []string {
	replaced := make(map[string]bool, len(added))
	for _, p := range added {
		replaced[p] = true
	}
	var set repo.PathSet
	for _, p := range listed {
		if !replaced[p] {
			_ = set.Add(p) // valid when listed (see above)
		}
	}
	out := make([]string, len(added))
	for i, p := range added {
		if err := set.Add(p); err != nil {
			out[i] = err.Error()
		}
	}
	return out
}

// CheckPathsJSON is CheckPaths for the worker, which sends all the paths
// in one string (one crossing into Go, not one per path): in is the JSON
// [listed, added].
func CheckPathsJSON(in string) ([]string, error) {
	var args [2][]string
	if err := json.Unmarshal([]byte(in), &args); err != nil {
		return nil, fmt.Errorf("checkPaths wants the JSON [listed, added], two lists of paths: %w", err)
	}
	return CheckPaths(args[0], args[1]), nil
}
