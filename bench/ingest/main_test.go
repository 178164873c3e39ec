//go:build unix

package main

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
		got, err := parseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestHuman(t *testing.T) {
	tests := map[int64]string{2 << 30: "2GiB", 3 << 29: "1.50GiB", 64 << 20: "64.0MiB", 2048: "2KiB"}
	for in, want := range tests {
		if got := human(in); got != want {
			t.Errorf("human(%d) = %q, want %q", in, got, want)
		}
	}
}
