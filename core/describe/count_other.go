//go:build !wasm

package describe

import "bytes"

// countLinesAndChars returns the '\n' bytes and the UTF-8 characters
// (non-continuation bytes) of p. Natively bytes.Count is SIMD and beats
// any word-at-a-time loop; count_wasm.go has the WebAssembly variant.
func countLinesAndChars(p []byte) (newlines, chars uint64) {
	return uint64(bytes.Count(p, []byte{'\n'})), nonContinuation(p)
}
