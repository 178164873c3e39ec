//go:build js && wasm

package r2store

import (
	"errors"
	"fmt"
	"strings"
	"syscall/js"
)

var (
	uint8Array        = js.Global().Get("Uint8Array")
	fixedLengthStream = js.Global().Get("FixedLengthStream")
	object            = js.Global().Get("Object")
	array             = js.Global().Get("Array")
)

// await blocks the calling goroutine until the promise settles (the JS
// event loop keeps running meanwhile) and returns its value or rejection.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var then, catch js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: arg0(args)}
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: jsError(arg0(args))}
		return nil
	})
	p.Call("then", then, catch)
	r := <-ch
	then.Release()
	catch.Release()
	return r.v, r.err
}

// call invokes a method and turns a synchronous throw into an error.
func call(v js.Value, method string, args ...any) (ret js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			if je, ok := r.(js.Error); ok {
				err = jsError(je.Value)
				return
			}
			err = fmt.Errorf("%s: %v", method, r)
		}
	}()
	return v.Call(method, args...), nil
}

// callAwait calls a method that returns a promise and waits for it.
func callAwait(v js.Value, method string, args ...any) (js.Value, error) {
	p, err := call(v, method, args...)
	if err != nil {
		return js.Value{}, err
	}
	return await(p)
}

func arg0(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}

// jsErr keeps a JS exception's text; isPrecondition recognises R2's
// "precondition failed" rejections (some runtimes reject instead of
// resolving null).
type jsErr struct{ msg string }

func (e *jsErr) Error() string { return "r2: " + e.msg }

func jsError(v js.Value) error {
	if v.IsUndefined() || v.IsNull() {
		return &jsErr{"unknown JavaScript error"}
	}
	if v.Type() == js.TypeObject {
		if s := v.Call("toString"); s.Type() == js.TypeString {
			return &jsErr{s.String()}
		}
	}
	return &jsErr{v.String()}
}

func isPrecondition(err error) bool {
	var je *jsErr
	return errors.As(err, &je) && strings.Contains(strings.ToLower(je.msg), "precondition")
}

// toUint8Array copies Go bytes into a new JS Uint8Array.
func toUint8Array(b []byte) js.Value {
	a := uint8Array.New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

func newObject() js.Value { return object.New() }
