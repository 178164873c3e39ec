package datatype

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"slices"
	"testing"

	"github.com/oxdrop/oxdrop/core/model"
)

// The registry lists every data type once, in Oxen's declaration order.
func TestRegistryOrder(t *testing.T) {
	var got []model.DataType
	for _, e := range Entries() {
		got = append(got, e.Type)
	}
	if !slices.Equal(got, model.DataTypes) {
		t.Errorf("registry order %v, want model.DataTypes %v", got, model.DataTypes)
	}
}

// A mime type or top-level type belongs to one data type only, so the
// order of the entries never decides a file's type within a step.
func TestRulesAreDisjoint(t *testing.T) {
	mimes := map[string]model.DataType{}
	tops := map[string]model.DataType{}
	for _, e := range Entries() {
		for _, m := range e.Mimes {
			if other, ok := mimes[m]; ok {
				t.Errorf("mime %s is both %s and %s", m, other, e.Type)
			}
			mimes[m] = e.Type
		}
		if e.TopLevel != "" {
			if other, ok := tops[e.TopLevel]; ok {
				t.Errorf("top-level type %s is both %s and %s", e.TopLevel, other, e.Type)
			}
			tops[e.TopLevel] = e.Type
		}
		if (e.Type == model.Dir || e.Type == model.Binary) && (len(e.Mimes) > 0 || e.Extension != nil || e.TopLevel != "" || e.Read != nil) {
			t.Errorf("%s has rules or a reader", e.Type)
		}
	}
}

// Each step of FromMime in Oxen's order: an exact mime type wins over the
// extension, the extension over the top-level type.
func TestFromMime(t *testing.T) {
	cases := []struct {
		ext, mime, head string
		want            model.DataType
	}{
		{"csv", "image/png", "", model.Image},
		{"csv", "audio/x-wav", "", model.Audio},
		{"csv", "text/plain", "", model.Tabular},
		{"csv", "application/zip", "", model.Tabular},
		{"json", "text/plain", "[", model.Tabular},
		{"json", "text/plain", "{", model.Text},
		{"txt", "text/x-foo", "", model.Text},
		{"x", "image/x-foo", "", model.Image},
		{"x", "video/x-foo", "", model.Video},
		{"x", "audio/x-foo", "", model.Audio},
		{"x", "application/x-foo", "", model.Binary},
		{"x", "", "", model.Binary},
	}
	for _, c := range cases {
		if got := FromMime(c.ext, c.mime, []byte(c.head)); got != c.want {
			t.Errorf("FromMime(%q, %q, %q) = %s, want %s", c.ext, c.mime, c.head, got, c.want)
		}
	}
}

// Every reader fills the metadata shape of its own data type, and gives
// no metadata for content it cannot read.
func TestReadersFillTheirShape(t *testing.T) {
	var pngFile bytes.Buffer
	if err := png.Encode(&pngFile, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	read := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	samples := map[model.DataType]struct {
		ext     string
		content []byte
		junkExt string // an extension under which junk is unreadable
	}{
		model.Text:    {"txt", []byte("a\nb"), ""},
		model.Image:   {"png", pngFile.Bytes(), "png"},
		model.Video:   {"mkv", read("../videometa/testdata/mpeg4.mkv"), "mkv"},
		model.Audio:   {"ogg", read("../audiometa/testdata/tone.ogg"), "ogg"},
		model.Tabular: {"csv", []byte("a,b\n1,2\n"), "parquet"}, // any bytes are a csv
	}
	for _, e := range Entries() {
		if e.Read == nil {
			continue
		}
		s, ok := samples[e.Type]
		if !ok {
			t.Errorf("no sample file for %s: add one here", e.Type)
			continue
		}
		in := Input{R: bytes.NewReader(s.content), Size: int64(len(s.content)), Ext: s.ext,
			Newlines: uint64(bytes.Count(s.content, []byte{'\n'})), Chars: uint64(len(s.content)),
			EndsWithNewline: bytes.HasSuffix(s.content, []byte{'\n'})}
		m, err := e.Read(in)
		if err != nil || m == nil || m.DataType() != e.Type {
			t.Errorf("%s: Read = %+v, %v; want %s metadata", e.Type, m, err, e.Type)
			continue
		}
		if _, err := m.MarshalJSON(); err != nil {
			t.Errorf("%s: %v", e.Type, err)
		}
		if s.junkExt == "" {
			continue // text metadata is the counts, whatever the bytes
		}
		junk := []byte("\x00\x01 not a file of any format")
		if m, _ := e.Read(Input{R: bytes.NewReader(junk), Size: int64(len(junk)), Ext: s.junkExt}); m != nil {
			t.Errorf("%s: Read of junk = %+v, want no metadata", e.Type, m)
		}
	}
}
