package describe

import (
	"math/rand/v2"
	"testing"
)

// TestCountLinesAndChars checks the build's counter (native or wasm)
// against the byte-by-byte definition, at every alignment and length.
func TestCountLinesAndChars(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 300)
	alphabet := []byte{'\n', 'a', 0x80, 0xBF, 0xC3, 0xE2, 0xF0, 0xFF, 0x0A ^ 0x80, 0x8A, 0x00, 0x7F, 0x0B, 0x09}
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	for start := 0; start < 9; start++ {
		for end := start; end <= len(b); end++ {
			p := b[start:end]
			var wantLines, wantChars uint64
			for _, c := range p {
				if c == '\n' {
					wantLines++
				}
				if c&0xC0 != 0x80 {
					wantChars++
				}
			}
			if l, c := countLinesAndChars(p); l != wantLines || c != wantChars {
				t.Fatalf("countLinesAndChars(b[%d:%d]) = %d, %d; want %d, %d", start, end, l, c, wantLines, wantChars)
			}
		}
	}
}
