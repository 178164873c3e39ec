//go:build js && wasm

// Command wasm is oxdrop's WebAssembly entry: one Go instance per Web
// Worker (web/js/engine/worker.js). It installs a global oxdropEngine with
// three coarse calls and then waits for them:
//
//	describe(file, path, chunkSize, readSlice, onProgress) -> {json} | {error}
//	preview(file, path, maxRows, readSlice)                -> {json} | {error} ("null" when not tabular)
//	validateName(name)                                     -> "" | message
//
// readSlice(file, start, end) is the worker's FileReaderSync read, returning
// a Uint8Array or an error string; Go copies each chunk into one reused
// buffer (see wasm/engine), so memory stays bounded whatever the file size.
// All the logic lives in wasm/engine; this file only adapts JS values.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"syscall/js"

	"github.com/oxdrop/oxdrop/wasm/engine"
)

// jsFile reads a browser File (or Blob) through the worker's readSlice.
type jsFile struct {
	file, read js.Value
	size       int64
}

func (f *jsFile) Size() int64 { return f.size }

func (f *jsFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > f.size {
		return 0, fmt.Errorf("read at %d outside the file (size %d)", off, f.size)
	}
	end := min(off+int64(len(p)), f.size)
	v := f.read.Invoke(f.file, off, end)
	if v.Type() == js.TypeString {
		return 0, fmt.Errorf("%s", v.String())
	}
	n := js.CopyBytesToGo(p, v)
	if int64(n) < int64(len(p)) && off+int64(n) >= f.size {
		return n, io.EOF
	}
	return n, nil
}

func newJSFile(file, read js.Value) *jsFile {
	return &jsFile{file: file, read: read, size: int64(file.Get("size").Float())}
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

func main() {
	var eng *engine.Engine
	api := map[string]any{
		"describe": js.FuncOf(func(_ js.Value, args []js.Value) any {
			file, path, chunk, read, onProgress := args[0], args[1].String(), args[2].Int(), args[3], args[4]
			if eng == nil || eng.ChunkSize() != min(max(chunk, engine.MinChunk), engine.MaxChunk) {
				eng = engine.New(newAnalyzer(), chunk)
			}
			var progress engine.Progress
			if onProgress.Type() == js.TypeFunction {
				progress = func(done, total int64) { onProgress.Invoke(done, total) }
			}
			info, err := eng.Describe(newJSFile(file, read), path, progress)
			return result(info, err)
		}),
		"preview": js.FuncOf(func(_ js.Value, args []js.Value) any {
			file, path, maxRows, read := args[0], args[1].String(), args[2].Int(), args[3]
			tbl, err := engine.Preview(newJSFile(file, read), path, maxRows)
			return result(tbl, err)
		}),
		"validateName": js.FuncOf(func(_ js.Value, args []js.Value) any {
			return engine.ValidateName(args[0].String())
		}),
		"chunkSizes": map[string]any{"min": engine.MinChunk, "max": engine.MaxChunk, "default": engine.DefaultChunk},
	}
	js.Global().Set("oxdropEngine", js.ValueOf(api))
	select {} // serve calls until the worker is terminated
}
