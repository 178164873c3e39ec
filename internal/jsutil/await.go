//go:build js && wasm

package jsutil

import (
	"fmt"
	"syscall/js"
)

var stringOf = js.Global().Get("String")

// Await blocks the calling goroutine until p settles (the JS event loop
// keeps running meanwhile) and returns its value, or its rejection as an
// *Error. A value that is not a thenable is returned as it is, as JS's
// await does.
func Await(p js.Value) (js.Value, error) {
	if t := p.Type(); t != js.TypeObject && t != js.TypeFunction || p.Get("then").Type() != js.TypeFunction {
		return p, nil
	}
	type settled struct {
		v   js.Value
		err error
	}
	ch := make(chan settled, 1)
	onOK := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- settled{v: arg0(args)}
		return nil
	})
	onErr := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- settled{err: ErrorOf(arg0(args))}
		return nil
	})
	defer onOK.Release()
	defer onErr.Release()
	if _, err := Call(p, "then", onOK, onErr); err != nil {
		return js.Undefined(), err
	}
	r := <-ch
	return r.v, r.err
}

// Call calls v's method and turns a synchronous throw into an *Error (and
// a Go-side panic, such as calling a missing method, into an error).
func Call(v js.Value, method string, args ...any) (ret js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			if je, ok := r.(js.Error); ok {
				err = ErrorOf(je.Value)
				return
			}
			err = fmt.Errorf("calling %s: %v", method, r)
		}
	}()
	return v.Call(method, args...), nil
}

// CallAwait calls a method that returns a promise and awaits it.
func CallAwait(v js.Value, method string, args ...any) (js.Value, error) {
	p, err := Call(v, method, args...)
	if err != nil {
		return js.Undefined(), err
	}
	return Await(p)
}

// ErrorOf turns a thrown or rejected JS value into an *Error: an object's
// string name and message, or the value's text.
func ErrorOf(v js.Value) *Error {
	e := &Error{}
	if v.IsUndefined() || v.IsNull() {
		return e // "unknown JavaScript error"
	}
	if t := v.Type(); t == js.TypeObject || t == js.TypeFunction {
		if n := v.Get("name"); n.Type() == js.TypeString {
			e.Name = n.String()
		}
		if m := v.Get("message"); m.Type() == js.TypeString {
			e.Message = m.String()
			return e
		}
		if e.Name != "" {
			return e
		}
	}
	e.Message = text(v)
	return e
}

// text is String(v), or v's type when even that throws (an object without
// a prototype, say).
func text(v js.Value) (s string) {
	defer func() {
		if recover() != nil {
			s = v.Type().String()
		}
	}()
	return stringOf.Invoke(v).String()
}

func arg0(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}
