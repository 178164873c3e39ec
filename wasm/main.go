//go:build js && wasm

// Command wasm is oxdrop's WebAssembly entry: one Go instance per Web
// Worker (web/js/engine/worker.js). It installs a global oxdropEngine with
// a few coarse calls and then waits for them:
//
//	describe(file, path, chunkSize, readSlice, stream, onProgress) -> Promise<{json} | {error}>
//	preview(file, path, maxRows, readSlice)                        -> {json} | {error} ("null" when not tabular)
//	validateName(name)                                             -> "" | message
//	validateAuthor(name, email)                                    -> "" | message
//	checkPaths(json)                                               -> {json} | {error}
//
// readSlice(file, start, end, addr) is the worker's synchronous
// FileReaderSync read, copied to addr in Go's memory (the byte count, or an
// error string): Finish and previews use it for the few header/footer
// ranges they need. stream.next(addr, max) copies the file's next bytes,
// read with file.stream() (the browser reads ahead while Go hashes), and resolves to
// the count (0 at the end); a null stream makes Go read the chunks through
// readSlice. Chunks land in one reused Go buffer (wasm/engine), so memory
// stays bounded whatever the file size. The calls cross the JS
// boundary once per file and once per multi-MiB chunk, so their cost
// (microseconds) is noise next to the hashing. checkPaths takes the JSON
// [listed, added] (the paths already in the page's list, the paths being
// added) and answers the JSON list of one message per added path ("" when
// valid): a batch of any size crosses the boundary once each way.
//
// Small files (read whole by the worker) take a faster way in, three
// exported WebAssembly functions called synchronously, with no JS value,
// promise or goroutine per file (a js.FuncOf call and an awaited promise
// cost tens of microseconds each; an exported call well under one):
//
//	oxdrop_scratch(n) -> address of a reused buffer of at least n bytes
//	oxdrop_describe_bytes(pathLen, size) -> answer length (negative: an error message)
//	oxdrop_answer() -> address of the answer (model.FileInfo JSON, or the message)
//
// The worker writes the path's UTF-8 bytes and then the file's bytes into
// the scratch buffer, calls oxdrop_describe_bytes and reads the answer.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"syscall/js"
	"unsafe"

	"github.com/oxdrop/oxdrop/internal/jsutil"
	"github.com/oxdrop/oxdrop/wasm/engine"
)

// Bulk bytes never enter Go as JS objects: a js.Value stays referenced in
// Go's value table until Go's own GC finalizes it, and our Go heap barely
// grows, so each 4 MiB Uint8Array handed to Go would live on (measured: the
// worker held the whole 512 MiB file). Instead Go passes the address of its
// destination and the worker copies straight into the wasm memory, answering
// with a byte count (a number, which needs no table entry).

// addr is the address of p's first byte in wasm linear memory. Go's
// collector does not move objects, so it stays valid while p is alive.
func addr(p []byte) int { return int(uintptr(unsafe.Pointer(unsafe.SliceData(p)))) }

// jsFile reads a browser File (or Blob) through the worker's readSlice.
type jsFile struct {
	file, read js.Value
	size       int64
}

func newJSFile(file, read js.Value) *jsFile {
	return &jsFile{file: file, read: read, size: int64(file.Get("size").Float())}
}

func (f *jsFile) Size() int64 { return f.size }

func (f *jsFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > f.size {
		return 0, fmt.Errorf("read at %d outside the file (size %d)", off, f.size)
	}
	end := min(off+int64(len(p)), f.size)
	if end == off {
		return 0, io.EOF
	}
	v := f.read.Invoke(f.file, off, end, addr(p))
	runtime.KeepAlive(p)
	if v.Type() == js.TypeString {
		return 0, errors.New(v.String())
	}
	n := v.Int()
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// jsStream is an io.Reader over the worker's chunk stream: next(addr, max)
// copies up to max bytes of the file's next chunk to addr and resolves to
// the count, 0 at the end.
type jsStream struct {
	src  js.Value
	done bool
}

func (s *jsStream) Read(p []byte) (int, error) {
	if s.done || len(p) == 0 {
		if s.done {
			return 0, io.EOF
		}
		return 0, nil
	}
	v, err := jsutil.CallAwait(s.src, "next", addr(p), len(p))
	runtime.KeepAlive(p)
	if err != nil {
		return 0, err
	}
	n := v.Int()
	if n == 0 {
		s.done = true
		return 0, io.EOF
	}
	return n, nil
}

// async runs fn on its own goroutine (so it may await promises) and returns
// a Promise of its result. A panic becomes an error result: one hostile file
// must not take the worker's Go instance down.
func async(fn func() any) js.Value {
	var resolve js.Value
	executor := js.FuncOf(func(_ js.Value, a []js.Value) any {
		resolve = a[0]
		return nil
	})
	defer executor.Release()
	promise := js.Global().Get("Promise").New(executor)
	go func() {
		var out any
		defer func() {
			if r := recover(); r != nil {
				out = map[string]any{"error": fmt.Sprintf("internal error: %v", r)}
			}
			resolve.Invoke(out)
		}()
		out = fn()
	}()
	return promise
}

func result(v any, err error) any {
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{"error": "encoding the result: " + err.Error()}
	}
	return map[string]any{"json": string(b)}
}

// The small-file path's state: one analyzer of its own, the scratch buffer
// the worker writes into (as large as the largest small file, 1 MiB plus
// its path) and the last answer.
var (
	small   engine.Analyzer
	scratch []byte
	answer  []byte
)

//go:wasmexport oxdrop_scratch
func exportScratch(n uint32) uint32 {
	if uint32(cap(scratch)) < max(n, 1) {
		scratch = make([]byte, max(n, 1))
	}
	return uint32(addr(scratch[:1]))
}

//go:wasmexport oxdrop_describe_bytes
func exportDescribeBytes(pathLen, size uint32) (n int32) {
	defer func() {
		if r := recover(); r != nil {
			answer = fmt.Appendf(answer[:0], "internal error: %v", r)
			n = -int32(len(answer))
		}
	}()
	if uint64(pathLen)+uint64(size) > uint64(cap(scratch)) {
		answer = fmt.Appendf(answer[:0], "%d bytes of path and file do not fit the %d-byte buffer", uint64(pathLen)+uint64(size), cap(scratch))
		return -int32(len(answer))
	}
	buf := scratch[:cap(scratch)]
	if small == nil {
		small = newAnalyzer()
	}
	info, err := engine.DescribeBytes(small, buf[pathLen:pathLen+size], string(buf[:pathLen]))
	if err == nil {
		var b []byte
		if b, err = json.Marshal(info); err == nil {
			answer = append(answer[:0], b...)
			return int32(len(answer))
		}
	}
	answer = append(answer[:0], err.Error()...)
	if len(answer) == 0 {
		answer = append(answer, "unknown error"...)
	}
	return -int32(len(answer))
}

//go:wasmexport oxdrop_answer
func exportAnswer() uint32 {
	if cap(answer) == 0 {
		answer = make([]byte, 0, 1024)
	}
	return uint32(addr(answer[:1]))
}

func main() {
	var eng *engine.Engine
	api := map[string]any{
		"describe": js.FuncOf(func(_ js.Value, args []js.Value) any {
			file, path, chunk, read, stream, onProgress := args[0], args[1].String(), args[2].Int(), args[3], args[4], args[5]
			if eng == nil || eng.ChunkSize() != engine.ClampChunk(chunk) {
				eng = engine.New(newAnalyzer(), chunk)
			}
			var progress engine.Progress
			if onProgress.Type() == js.TypeFunction {
				progress = func(done, total int64) { onProgress.Invoke(done, total) }
			}
			var r io.Reader
			if stream.Type() == js.TypeObject {
				r = &jsStream{src: stream}
			}
			return async(func() any {
				info, err := eng.Describe(newJSFile(file, read), r, path, progress)
				return result(info, err)
			})
		}),
		"preview": js.FuncOf(func(_ js.Value, args []js.Value) (out any) {
			defer func() {
				if r := recover(); r != nil {
					out = map[string]any{"error": fmt.Sprintf("internal error: %v", r)}
				}
			}()
			file, path, maxRows, read := args[0], args[1].String(), args[2].Int(), args[3]
			tbl, err := engine.Preview(newJSFile(file, read), path, maxRows)
			return result(tbl, err)
		}),
		"validateName": js.FuncOf(func(_ js.Value, args []js.Value) any {
			return engine.ValidateName(args[0].String())
		}),
		"validateAuthor": js.FuncOf(func(_ js.Value, args []js.Value) any {
			return engine.ValidateAuthor(args[0].String(), args[1].String())
		}),
		"checkPaths": js.FuncOf(func(_ js.Value, args []js.Value) (out any) {
			defer func() {
				if r := recover(); r != nil {
					out = map[string]any{"error": fmt.Sprintf("internal error: %v", r)}
				}
			}()
			return result(engine.CheckPathsJSON(args[0].String()))
		}),
	}
	js.Global().Set("oxdropEngine", js.ValueOf(api))
	select {} // serve calls until the worker is terminated
}
