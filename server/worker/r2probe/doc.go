// Command r2probe is a test-only Worker that exposes r2store's operations
// over HTTP, so server/worker/test/r2store.test.js can check the R2 backend
// against Cloudflare's local runtime (workerd + Miniflare's R2): atomic
// put-if-absent under concurrency, conditional puts on etags, streaming
// puts of large bodies in bounded memory, ranged reads, list paging,
// deletes and chunked writes (multipart uploads). It is never deployed.
//
//	PUT    /o/{key}?if=absent|<etag>  body streamed with its Content-Length
//	                                  (?size=unknown hides the length);
//	                                  answers {info, goSys} (Go memory peak)
//	GET    /o/{key}                   Open + sequential Read
//	GET    /o/{key}?off=N&n=M         Open + ReadAt
//	HEAD   /o/{key}                   Stat (headers X-Size, X-Etag)
//	GET    /list?prefix=&cursor=&limit=
//	POST   /drain                     reads the body, answers its length
//	POST   /delete                    body: JSON array of keys
//	POST   /chunks/begin?key=         BeginChunks: {handle}
//	PUT    /chunks/put?key=&handle=&part=&offset=[&cut=N]
//	                                  PutChunk of the body (cut: the reader
//	                                  fails after N bytes): {ref, goSys}
//	POST   /chunks/complete?key=&handle=  body: JSON array of refs: {info}
//	POST   /chunks/abort?key=&handle=     AbortChunks
//	GET    /chunks/rules              ChunkRules
package main
