//go:build wasm

package oxhash

// Under WebAssembly xxh3 has no vector code and its Hasher copies every
// byte through a block buffer: Stream hashes 2.4x faster (BenchmarkStream).
type streamHasher = Stream

func newStreamHasher() *Stream { return NewStream() }
