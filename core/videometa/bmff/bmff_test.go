package bmff

import (
	"bytes"
	"strings"
	"testing"
)

func TestHeader(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		end     int64 // 0 = file length
		want    Box
		wantErr string
	}{
		{"32-bit size", "\x00\x00\x00\x0cfree\x00\x00\x00\x00", 0, Box{Type: "free", Start: 0, Data: 8, End: 12}, ""},
		{"largesize", "\x00\x00\x00\x01mdat\x00\x00\x00\x00\x00\x00\x00\x12ab", 0, Box{Type: "mdat", Start: 0, Data: 16, End: 18}, ""},
		{"size 0 to end", "\x00\x00\x00\x00mdatabc", 0, Box{Type: "mdat", Start: 0, Data: 8, End: 11}, ""},
		{"size under 8", "\x00\x00\x00\x07free", 0, Box{}, "(< 8)"},
		{"size past end", "\x00\x00\x00\x10free", 0, Box{}, "only 8 bytes remain"},
		{"largesize under 16", "\x00\x00\x00\x01mdat\x00\x00\x00\x00\x00\x00\x00\x08", 0, Box{}, "64-bit size 8 (< 16)"},
		{"largesize cut", "\x00\x00\x00\x01mdat\x00\x00", 0, Box{}, "no room"},
		{"header cut", "\x00\x00\x00", 0, Box{}, "too few"},
		{"box past parent", "\x00\x00\x00\x0cfree\x00\x00\x00\x00", 10, Box{}, "only 10 bytes remain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			end := tt.end
			if end == 0 {
				end = int64(len(tt.file))
			}
			w := NewWalker(strings.NewReader(tt.file), int64(len(tt.file)))
			got, err := w.Header(0, end)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestWalkerLimits(t *testing.T) {
	// MaxBoxes empty boxes in a row stop the walk.
	file := bytes.Repeat([]byte("\x00\x00\x00\x08free"), MaxBoxes+1)
	w := NewWalker(bytes.NewReader(file), int64(len(file)))
	if err := w.Children(0, int64(len(file)), func(Box) error { return nil }); err != ErrTooManyBoxes {
		t.Fatalf("err = %v, want ErrTooManyBoxes", err)
	}
	// Reads are capped and must stay inside their box.
	w = NewWalker(bytes.NewReader(file), int64(len(file)))
	b := Box{Type: "free", Data: 8, End: 8 + MaxPayload + 1}
	if _, err := w.Read(b, 8, MaxPayload+1); err == nil {
		t.Error("read over MaxPayload allowed")
	}
	if _, err := w.Read(Box{Type: "free", Data: 8, End: 12}, 8, 5); err == nil {
		t.Error("read past the box allowed")
	}
	if _, err := w.Read(Box{Type: "free", Data: 0, End: 1 << 40}, 1<<39, 4); err == nil {
		t.Error("read past the file allowed")
	}
}
