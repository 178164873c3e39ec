//go:build unix

package benchutil

import "testing"

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"64MiB", 64 << 20, true},
		{"1GiB", 1 << 30, true},
		{"1.5GiB", 3 << 29, true},
		{"512KiB", 512 << 10, true},
		{"1000", 1000, true},
		{"12B", 12, true},
		{"MiB", 0, false},
		{"-1GiB", 0, false},
		{"1TB", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if got, err := ParseSizes("16MiB, 1GiB"); err != nil || len(got) != 2 || got[0] != 16<<20 || got[1] != 1<<30 {
		t.Errorf("ParseSizes = %v, %v", got, err)
	}
	if _, err := ParseSizes("16MiB,x"); err == nil {
		t.Error("ParseSizes accepted a bad size")
	}
}

func TestHuman(t *testing.T) {
	tests := map[int64]string{2 << 30: "2GiB", 3 << 29: "1.50GiB", 64 << 20: "64.0MiB", 2048: "2KiB"}
	for in, want := range tests {
		if got := Human(in); got != want {
			t.Errorf("Human(%d) = %q, want %q", in, got, want)
		}
	}
}
