// Package jsio moves HTTP bodies between the Workers runtime and Go faster
// and in less memory than syumai/workers' defaults (js && wasm only):
//
//   - RequestBody reads the request stream with a BYOB reader
//     (jsutil.NewStreamReader), at least 256 KiB per round trip into Go,
//     instead of one round trip per network chunk: every JS→Go hop costs a
//     trip through the Go scheduler, and a 90 MB upload arrives in
//     thousands of chunks.
//   - ResponseWriter streams a response with a Content-Length through a
//     FixedLengthStream with a bounded number of writes in flight
//     (jsutil.Writer), so a slow client holds back the handler instead of
//     the whole body queueing in the isolate's memory (syumai's writer does
//     not await its writes).
package jsio
