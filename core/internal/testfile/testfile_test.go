package testfile

import (
	"bytes"
	"testing"
)

func TestVirtual(t *testing.T) {
	tests := []struct {
		name string
		v    Virtual
		off  int64
		n    int
		want []byte
	}{
		{"head", Virtual{Head: []byte("HEAD"), Size: 100}, 0, 4, []byte("HEAD")},
		{"zeros without fill", Virtual{Head: []byte("H"), Size: 100}, 1, 3, []byte{0, 0, 0}},
		{"fill repeats after the head", Virtual{Head: []byte("H"), Fill: []byte("ab"), Size: 100}, 1, 5, []byte("ababa")},
		{"tail ends the file", Virtual{Fill: []byte("x"), Tail: []byte("END"), Size: 10}, 5, 5, []byte("xxEND")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := make([]byte, tt.n)
			if _, err := tt.v.ReadAt(p, tt.off); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(p, tt.want) {
				t.Fatalf("ReadAt = %q, want %q", p, tt.want)
			}
			if tt.v.Read != int64(tt.n) {
				t.Fatalf("Read = %d, want %d", tt.v.Read, tt.n)
			}
		})
	}
}
