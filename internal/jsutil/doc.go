// Package jsutil is the one bridge between Go and JavaScript promises and
// streams, shared by the browser engine (wasm), the Workers entry
// (server/worker) and the R2 store (server/worker/r2store):
//
//   - Await blocks a goroutine until a Promise settles; Call and CallAwait
//     call a JS method and turn a synchronous throw into an error. A
//     rejection or throw is always an *Error carrying the JS error's name
//     and message (the JS value's text when it is not an Error).
//   - NewStreamReader reads a ReadableStream of bytes as an io.ReadCloser
//     through a BYOB reader, at least 256 KiB per round trip into Go.
//   - Writer writes Go bytes into a WritableStream with a bounded number of
//     writes in flight; NewFixedLengthStream pairs one with the readable
//     side of a Workers FixedLengthStream (a Response body, an R2 put), and
//     Writer.CopyFrom streams an io.Reader into it.
//
// Everything but Error needs syscall/js, so it is built for js/wasm only;
// on other platforms the package holds just Error, and the packages that
// import it still build natively.
//
// Await and everything that uses it block the calling goroutine while the
// JS event loop runs on: they must not be called on the event loop's own
// goroutine (inside a js.FuncOf callback), which would deadlock.
package jsutil
