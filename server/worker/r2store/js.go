//go:build js && wasm

package r2store

import (
	"errors"
	"strings"
	"syscall/js"

	"github.com/oxdrop/oxdrop/internal/jsutil"
)

var (
	uint8Array = js.Global().Get("Uint8Array")
	object     = js.Global().Get("Object")
	array      = js.Global().Get("Array")
)

// isPrecondition recognises R2's "precondition failed" rejections (some
// runtimes reject instead of resolving null).
func isPrecondition(err error) bool {
	var je *jsutil.Error
	return errors.As(err, &je) && strings.Contains(strings.ToLower(je.Error()), "precondition")
}

// toUint8Array copies Go bytes into a new JS Uint8Array.
func toUint8Array(b []byte) js.Value {
	a := uint8Array.New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

func newObject() js.Value { return object.New() }
