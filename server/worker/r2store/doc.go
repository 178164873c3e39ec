// Package r2store is the Cloudflare R2 backend of store.Store, used by the
// Workers build (server/worker). The R2 calls live in js && wasm files
// because they go through syscall/js; this file and window.go are plain Go
// so the parts that do not touch JavaScript are tested natively.
//
// How each guarantee of store.Store maps onto R2:
//   - Put with IfAbsent: put with onlyIf {etagDoesNotMatch: "*"}; R2 checks
//     the condition and writes in one step, so of concurrent puts exactly
//     one wins and the others get null (ErrPrecondition).
//   - Put with IfMatch: put with onlyIf {etagMatches: etag}.
//   - Put with a known size streams through a FixedLengthStream, awaiting
//     every chunk (backpressure), so memory stays at one chunk whatever the
//     object's size (an isolate has 128 MB). Unknown sizes up to
//     partSize are buffered and put in one call; larger ones go
//     through an R2 multipart upload of partSize parts.
//   - Open: head, then reads pinned to the head's etag (a replaced object
//     fails instead of mixing two versions): ReadAt through ranged gets and
//     a read-ahead window, so metadata parsers' small reads do not each
//     cost a round trip; Read through one streamed get (downloads).
//   - List: R2's list with startAfter; the cursor is the last key returned,
//     which works with any backend's "after cursor" meaning.
package r2store
