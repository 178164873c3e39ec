package oxhash

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/zeebo/xxh3"
)

// patterned returns n deterministic bytes that are not all alike.
func patterned(n int) []byte {
	p := make([]byte, n)
	r := rand.New(rand.NewPCG(7, uint64(n)))
	for i := range p {
		p[i] = byte(r.Uint32())
	}
	return p
}

// TestStreamMatches checks Stream against xxh3.Hash128 at every length
// around the boundaries that change the algorithm's path (short inputs,
// a stripe, a block, the final stripe reaching back into the last block),
// written whole and in pieces of several sizes.
func TestStreamMatches(t *testing.T) {
	var lengths []int
	for n := 0; n <= 2200; n++ {
		lengths = append(lengths, n)
	}
	for _, base := range []int{4096, 8192, 1 << 16, 1 << 20} {
		for d := -70; d <= 70; d++ {
			lengths = append(lengths, base+d)
		}
	}
	lengths = append(lengths, 4<<20+1, 3*(1<<20)+517)
	pieces := []int{1, 3, 63, 64, 65, 1000, 1023, 1024, 1025, 4096, 1 << 20}
	s := NewStream()
	for _, n := range lengths {
		p := patterned(n)
		want := xxh3.Hash128(p)
		s.Reset()
		s.Write(p)
		if got := s.Sum128(); got != want {
			t.Fatalf("length %d written whole: got %x, want %x", n, got, want)
		}
		for _, piece := range pieces {
			if n > 20000 && piece < 64 {
				continue // slow and covered by the short lengths
			}
			s.Reset()
			for off := 0; off < n; off += piece {
				s.Write(p[off:min(off+piece, n)])
			}
			if got := s.Sum128(); got != want {
				t.Fatalf("length %d in pieces of %d: got %x, want %x", n, piece, got, want)
			}
		}
	}
}

func TestStreamSumKeepsState(t *testing.T) {
	p := patterned(5000)
	s := NewStream()
	for i := 0; i < len(p); i += 700 {
		s.Write(p[i:min(i+700, len(p))])
		if got, want := s.Sum128(), xxh3.Hash128(p[:min(i+700, len(p))]); got != want {
			t.Fatalf("after %d bytes: got %x, want %x", min(i+700, len(p)), got, want)
		}
	}
	s.Reset()
	if n, _ := s.WriteString(string(p)); n != len(p) {
		t.Fatalf("WriteString wrote %d, want %d", n, len(p))
	}
	if got, want := s.Sum128(), xxh3.Hash128(p); got != want {
		t.Fatalf("WriteString: got %x, want %x", got, want)
	}
}

// FuzzStream splits arbitrary bytes at arbitrary points.
func FuzzStream(f *testing.F) {
	f.Add([]byte("hello"), uint16(1), uint16(2))
	f.Add(patterned(1025), uint16(64), uint16(960))
	f.Add(patterned(3000), uint16(1024), uint16(1))
	f.Add(patterned(241), uint16(240), uint16(0))
	f.Fuzz(func(t *testing.T, p []byte, a, b uint16) {
		cuts := []int{int(a) % (len(p) + 1), int(b) % (len(p) + 1)}
		if cuts[0] > cuts[1] {
			cuts[0], cuts[1] = cuts[1], cuts[0]
		}
		s := NewStream()
		s.Write(p[:cuts[0]])
		s.Write(p[cuts[0]:cuts[1]])
		s.Write(p[cuts[1]:])
		if got, want := s.Sum128(), xxh3.Hash128(p); got != want {
			t.Fatalf("%d bytes cut at %v: got %x, want %x", len(p), cuts, got, want)
		}
	})
}

// BenchmarkStream compares the ways to hash 64 MiB fed 4 MiB at a time,
// as the browser engine does: xxh3.Hash128 in one shot (the ceiling),
// xxh3.Hasher and Stream. Run it under WebAssembly too:
//
//	GOOS=js GOARCH=wasm go test -run - -bench Stream ./core/oxhash
//
// (with $(go env GOROOT)/lib/wasm on PATH).
func BenchmarkStream(b *testing.B) {
	p := patterned(64 << 20)
	const piece = 4 << 20
	b.Run("xxh3.Hash128", func(b *testing.B) {
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			xxh3.Hash128(p)
		}
	})
	for name, w := range map[string]interface {
		Write([]byte) (int, error)
		Reset()
	}{"xxh3.Hasher": xxh3.New(), "Stream": NewStream()} {
		b.Run(fmt.Sprintf("%s/%dMiB", name, piece>>20), func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			for b.Loop() {
				w.Reset()
				for off := 0; off < len(p); off += piece {
					w.Write(p[off : off+piece])
				}
			}
		})
	}
}
