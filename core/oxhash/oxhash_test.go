package oxhash

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/oxdrop/oxdrop/internal/testenv"
)

func TestSchemaVector(t *testing.T) {
	// Oxen's own test value (repositories/data_frames/schemas.rs).
	got := Schema([]SchemaField{{Name: "file", Dtype: "str"}, {Name: "label", Dtype: "str"},
		{Name: "min_x", Dtype: "f64"}, {Name: "min_y", Dtype: "f64"}, {Name: "width", Dtype: "i64"}, {Name: "height", Dtype: "i64"}})
	if got != "b821946753334c083124fd563377d795" {
		t.Fatalf("schema hash = %s", got)
	}
}

func TestCommitIDVector(t *testing.T) {
	got := CommitID(nil, "Initial commit", "bessie", "bessie@oxen.ai", 1735725600)
	if got != "768d3114bb1fde3c6eddea3f8a1a46f6" {
		t.Fatalf("commit id = %s", got)
	}
}

func TestHexUnpaddedAndParse(t *testing.T) {
	tests := []struct {
		h    Hash
		want string
	}{
		{Hash{}, "0"},
		{Hash{Lo: 0xab}, "ab"},
		{Hash{Hi: 1, Lo: 2}, "10000000000000002"},
		{Hash{Hi: 0x0fffffffffffffff, Lo: 0xffffffffffffffff}, "fffffffffffffffffffffffffffffff"},
	}
	for _, tt := range tests {
		if got := Hex(tt.h); got != tt.want {
			t.Errorf("Hex(%v) = %s, want %s", tt.h, got, tt.want)
		}
		back, err := ParseHex(tt.want)
		if err != nil || back != tt.h {
			t.Errorf("ParseHex(%s) = %v, %v", tt.want, back, err)
		}
	}
	for _, bad := range []string{"", "xyz", "123456789012345678901234567890123"} {
		if _, err := ParseHex(bad); err == nil {
			t.Errorf("ParseHex(%q) accepted", bad)
		}
	}
}

func TestFixtureHashes(t *testing.T) {
	root := testenv.Fixtures(t)
	tests := map[string]string{
		"text/hello.txt":            "1bfd09d1a433fb78117b4c7b1583d16d",
		"data/invalid.parquet":      "87566df36efbbc291d54acd06a482a5",
		"video/dog_skatez.mov":      "9d592dcaac962c0c17474a1300f838c",
		"audio/121-121726-0005.wav": "6dee443bbca7b0e97db2d929aac01840",
	}
	for p, want := range tests {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		if got := SumHex(b); got != want {
			t.Errorf("%s: one-shot %s, want %s", p, got, want)
		}
		// Streaming in odd-sized pieces gives the same value.
		d := New()
		for r := bytes.NewReader(b); r.Len() > 0; {
			chunk := make([]byte, 4093)
			n, _ := r.Read(chunk)
			d.Write(chunk[:n])
		}
		if got := d.Hex(); got != want {
			t.Errorf("%s: streaming %s, want %s", p, got, want)
		}
	}
}

func TestCombined(t *testing.T) {
	content, _ := ParseHex("1bfd09d1a433fb78117b4c7b1583d16d")
	meta := SumString(`{"text":{"num_lines":1,"num_chars":5}}`)
	if Hex(meta) != "9b606f0517df677fc30409573fe8c600" {
		t.Fatalf("meta hash %s", Hex(meta))
	}
	if got := Hex(Combined(content, meta)); got != "79102ed9b7b7c7ce5628fdf499d3b050" {
		t.Fatalf("combined %s", got)
	}
}
