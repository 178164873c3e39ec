package describe

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/oxdrop/oxdrop/core/oxhash"
)

var (
	benchOnce sync.Once
	benchData []byte
)

// data returns n bytes of mixed text (newlines, multi-byte runes), generated
// once at the largest size and sliced, so the 256 MiB case costs one fill.
func data(n int) []byte {
	benchOnce.Do(func() {
		benchData = make([]byte, 256<<20)
		line := []byte("oxdrop héllo wörld, 12345, ✓ some tabular-ish text\n")
		for i := 0; i < len(benchData); i += copy(benchData[i:], line) {
		}
	})
	return benchData[:n]
}

// BenchmarkAnalyzerWrite compares one-shot oxhash.Sum with the streaming
// Analyzer (hash + newline count + char count + head), fed 1 MiB at a time.
func BenchmarkAnalyzerWrite(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20, 64 << 20, 256 << 20} {
		p := data(size)
		label := fmt.Sprintf("%dKiB", size>>10)
		if size >= 1<<20 {
			label = fmt.Sprintf("%dMiB", size>>20)
		}
		b.Run("oxhash.Sum/"+label, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				oxhash.Sum(p)
			}
		})
		b.Run("Analyzer/"+label, func(b *testing.B) {
			benchAnalyzer(b, p, "")
		})
	}
	// A binary file: with Begin the Analyzer stops counting after the head.
	p := randomBinary(64 << 20)
	b.Run("Analyzer/binary/Reset/64MiB", func(b *testing.B) { benchAnalyzer(b, p, "") })
	b.Run("Analyzer/binary/Begin/64MiB", func(b *testing.B) { benchAnalyzer(b, p, "clip.bin") })
}

// randomBinary returns n bytes of deterministic noise (not UTF-8, so the
// classifier calls it binary).
func randomBinary(n int) []byte {
	return randomBytes(rand.New(rand.NewPCG(1, 2)), n)
}

// benchAnalyzer feeds p 1 MiB at a time, after Begin(name) if name is set
// (else after Reset, the count-everything path).
func benchAnalyzer(b *testing.B, p []byte, name string) {
	a := NewAnalyzer()
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		if name != "" {
			a.Begin(name)
		} else {
			a.Reset()
		}
		for off := 0; off < len(p); off += 1 << 20 {
			a.Write(p[off:min(off+1<<20, len(p))])
		}
	}
}
