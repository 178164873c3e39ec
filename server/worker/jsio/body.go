//go:build js && wasm

package jsio

import (
	"net/http"
	"syscall/js"

	"github.com/oxdrop/oxdrop/internal/jsutil"
)

// rawBody is syumai's request body, which can hand back its JS stream
// while it has not been read.
type rawBody interface {
	GetRawJSBody() js.Value
}

// RequestBody swaps r.Body for a BYOB reader over the same JS stream
// (jsutil.NewStreamReader). It leaves r alone when the body is not a JS
// stream or not a byte stream.
func RequestBody(r *http.Request) {
	rb, ok := r.Body.(rawBody)
	if !ok {
		return
	}
	stream := rb.GetRawJSBody()
	if stream.IsUndefined() || stream.IsNull() {
		return
	}
	if body, err := jsutil.NewStreamReader(stream); err == nil {
		r.Body = body
	}
}
