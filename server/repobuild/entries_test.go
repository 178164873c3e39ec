package repobuild

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/repo"
)

// TestCompactJSON: what may be stored without json.Compact's copy.
func TestCompactJSON(t *testing.T) {
	for in, want := range map[string]bool{
		`{"a":[1,2.0,null],"b":"x y\"z\\ ","c":{}}`: true,
		`{"s":"\t\n\u0020 "}`:                       true,
		`{"a": 1}`:                                  false,
		"{\"a\":1}\n":                               false,
		`[1 ,2]`:                                    false,
		`{"a":"b"`:                                  false,
		`{"a":"b\"}`:                                false,
		``:                                          false,
	} {
		if compactJSON([]byte(in)) != want {
			t.Errorf("compactJSON(%q) = %v", in, !want)
		}
		var b bytes.Buffer
		if want && (json.Compact(&b, []byte(in)) != nil || b.String() != in) {
			t.Errorf("%q is not what json.Compact writes: %q", in, b.String())
		}
	}
}

// entryCases are entries of every shape the spliced read path must write
// exactly: each data type, null metadata, floats, escapes and HTML
// characters in names and paths, non-ASCII, raw schema metadata with
// spaces (compacted as encoding/json does), a schema wider than the read
// buffer.
func entryCases() []storedEntry {
	odd := []string{`quote"d`, `back\slash`, "<b>&amp;</b>", "new\nline\ttab", "sep\u2028para\u2029", "é€😀", "ctl\x01\x1f", " spaced name "}
	var fields []model.Field
	for i := range 5000 {
		fields = append(fields, model.Field{Name: fmt.Sprintf("%s_%05d", odd[i%len(odd)], i), Dtype: []string{"str", "i64", "f64"}[i%3]})
	}
	wide := model.NewSchema(fields)
	extras := model.NewSchema(fields[:8])
	extras.Metadata = json.RawMessage(`{ "owner" : "ox <&>", "n": [1, 2.0] }`)
	extras.FieldExtras = map[int]model.FieldExtra{1: {Metadata: json.RawMessage(`{"unit": "m"}`)}, 3: {Changes: json.RawMessage(`[ 1 ]`)}}
	tab := func(s model.Schema, h uint64) *model.Metadata {
		return &model.Metadata{Tabular: &model.TabularMeta{Width: uint64(len(s.Fields)), Height: h, Schema: s}}
	}
	return []storedEntry{
		{Path: "docs/readme.txt", Hash: "6775275bac681fce0b9fe8d647effc50", Size: 12, DataType: model.Text, MimeType: "text/plain", Extension: "txt",
			Metadata: &model.Metadata{Text: &model.TextMeta{NumLines: 2, NumChars: 11}}},
		{Path: "images/cat.jpg", Hash: "775275bac681fce0b9fe8d647effc50", Size: 25049, DataType: model.Image, MimeType: "image/jpeg", Extension: "jpg",
			Metadata: &model.Metadata{Image: &model.ImageMeta{Width: 499, Height: 375, ColorSpace: "RGB"}}},
		{Path: "images/no color.png", Hash: "1", Size: 1, DataType: model.Image, MimeType: "image/png", Extension: "png",
			Metadata: &model.Metadata{Image: &model.ImageMeta{Width: 1, Height: 1}}},
		{Path: "media/clip.mp4", Hash: "2", Size: 3, DataType: model.Video, MimeType: "video/mp4", Extension: "mp4",
			Metadata: &model.Metadata{Video: &model.VideoMeta{NumSeconds: 2, Width: 640, Height: 480}}},
		{Path: "media/a.wav", Hash: "3", Size: 4, DataType: model.Audio, MimeType: "audio/wav", Extension: "wav",
			Metadata: &model.Metadata{Audio: &model.AudioMeta{NumSeconds: 1.5, NumChannels: 2, SampleRate: 44100}}},
		{Path: `tables/"quoted" <&> été.csv`, Hash: "4", Size: 5, DataType: model.Tabular, MimeType: "text/csv", Extension: "csv", Metadata: tab(wide, 7)},
		{Path: "tables/extras.parquet", Hash: "5", Size: 6, DataType: model.Tabular, MimeType: "application/vnd.apache.parquet", Extension: "parquet", Metadata: tab(extras, 0)},
		{Path: "tables/empty.csv", Hash: "6", Size: 0, DataType: model.Tabular, MimeType: "text/csv", Extension: "csv", Metadata: tab(model.NewSchema(nil), 0)},
		{Path: "bin/no metadata", Hash: "7", Size: 8, DataType: model.Binary, MimeType: "application/octet-stream", Extension: ""},
		{Path: "top.bin", Hash: "8", Size: 9, DataType: model.Binary, MimeType: "application/octet-stream", Extension: "bin"},
		{Path: `back\slash/é€😀/<script>&amp;</script>.txt`, Hash: "9", Size: 1, DataType: model.Text, MimeType: "text/plain", Extension: "txt",
			Metadata: &model.Metadata{Text: &model.TextMeta{NumLines: 1, NumChars: 1}}},
		{Path: "odd/folder/", Hash: "b", DataType: model.Binary}, // not a path a creation accepts, but path.Base's case
		{Path: "", Hash: "c", DataType: model.Binary},
		{Path: "folder/sub", Hash: "a", DataType: model.Dir, Metadata: &model.Metadata{Dir: &model.DirMeta{DataTypes: []model.DataTypeCount{{Count: 2, DataType: "text"}}}}},
	}
}

func (e storedEntry) info() model.FileInfo {
	return model.FileInfo{Hash: e.Hash, Size: e.Size, DataType: e.DataType, MimeType: e.MimeType, Extension: e.Extension, Metadata: e.Metadata}
}

// appendLine appends e's stored line as a creation writes it in a chunk.
func (e storedEntry) appendLine(b *bytes.Buffer) error {
	meta, err := metadataJSON(e.Metadata)
	if err != nil {
		return err
	}
	return appendEntryLine(b, e.Path, e.info(), meta)
}

// TestEntriesSplicedExactly: the stored lines are what encoding/json wrote
// for the chunks' first format (so those read back), and streaming them
// writes exactly the bytes of encoding/json (SetEscapeHTML(false)) over
// repo.Entry with the commit, whatever the read buffer's size and however
// the lines fall into chunks.
func TestEntriesSplicedExactly(t *testing.T) {
	commit := repo.NewCommit(`Bessie "<the> & cow" Ünïcødé`+"\u2028", "b@x.ai", time.Date(2026, 12, 2, 10, 0, 0, 123, time.UTC))
	cases := entryCases()
	for _, c := range cases {
		var line, old bytes.Buffer
		if err := c.appendLine(&line); err != nil {
			t.Fatal(err)
		}
		// The first format: json.Encoder over {Path, model.FileInfo}.
		enc := json.NewEncoder(&old)
		enc.SetEscapeHTML(false)
		enc.Encode(struct {
			Path string `json:"path"`
			model.FileInfo
		}{c.Path, c.info()})
		if !bytes.Equal(old.Bytes(), line.Bytes()) {
			t.Fatalf("%s: stored line differs from the first format:\n%.300s\n%.300s", c.Path, line.Bytes(), old.Bytes())
		}
	}

	// Every buffer size from 256 to 700, each over the small entries and
	// entries whose stored fields (from "size" to the closing brace) are
	// one byte under, exactly and one byte over one and two buffers, so
	// that the brace falls before, on and after the end of a full buffer;
	// then a few sizes over all the cases.
	type run struct {
		size, perChunk int
		entries        []storedEntry
	}
	var runs []run
	for size := 256; size <= 700; size++ {
		entries := slices.Clone(cases[:4])
		for _, n := range []int{size - 1, size, size + 1, 2*size - 1, 2 * size, 2*size + 1} {
			entries = append(entries, sizedEntry(t, n))
		}
		runs = append(runs, run{size, 1 + size%3, entries})
	}
	for _, size := range []int{256, 300, 333, 1000, 4093, entryReadBuffer} {
		for _, perChunk := range []int{1, 2, 5, 100} {
			runs = append(runs, run{size, perChunk, cases})
		}
	}
	for _, r := range runs {
		var lines [][]byte
		var want bytes.Buffer
		want.WriteString("[")
		for i, c := range r.entries {
			var line bytes.Buffer
			if err := c.appendLine(&line); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, line.Bytes())
			if i > 0 {
				want.WriteString(",")
			}
			if err := encodeJSON(&want, repo.Entry(c.Path, c.info(), commit)); err != nil {
				t.Fatal(err)
			}
		}
		want.WriteString("]")
		var got bytes.Buffer
		ew, _ := newEntryWriter(&got, commit, r.size)
		got.WriteString("[")
		for i := 0; i < len(lines); i += r.perChunk {
			if err := ew.copyChunk(bytes.NewReader(bytes.Join(lines[i:min(i+r.perChunk, len(lines))], nil))); err != nil {
				t.Fatalf("buffer %d: %v", r.size, err)
			}
		}
		got.WriteString("]")
		if w := want.Bytes(); !bytes.Equal(got.Bytes(), w) {
			i := 0
			for i < min(got.Len(), len(w)) && got.Bytes()[i] == w[i] {
				i++
			}
			t.Fatalf("buffer %d, %d lines a chunk: differs at byte %d:\ngot  %.200q\nwant %.200q", r.size, r.perChunk, i, got.Bytes()[max(0, i-40):], w[max(0, i-40):])
		}
	}
}

// sizedEntry is an entry whose stored fields, from "size" to the line's
// closing brace, are n bytes long.
func sizedEntry(t *testing.T, n int) storedEntry {
	e := storedEntry{Path: "t/sized.txt", Hash: "f", Size: 1, DataType: model.Text, Extension: "txt",
		Metadata: &model.Metadata{Text: &model.TextMeta{NumLines: 1, NumChars: 1}}}
	var line bytes.Buffer
	e.appendLine(&line)
	fields := line.Len() - bytes.Index(line.Bytes(), []byte(`"size":`)) - 1
	if fields > n {
		t.Fatalf("no entry has %d bytes of fields", n)
	}
	e.MimeType = "text/" + strings.Repeat("x", n-fields-len("text/"))
	return e
}

// TestEntriesMalformed: a chunk line that is not a whole stored entry is
// an error, never a half-written entry taken for a whole one.
func TestEntriesMalformed(t *testing.T) {
	var line bytes.Buffer
	c := entryCases()[5] // the wide table
	c.appendLine(&line)
	whole := line.Bytes()
	for _, bad := range [][]byte{
		whole[:len(whole)-1],                            // no newline
		whole[:len(whole)/2],                            // cut
		append(whole[:len(whole)-2:len(whole)-2], '\n'), // no brace
		[]byte(`{"path":"a","hash":"b"}` + "\n"),        // no fields
		[]byte(`{"path":"a,"hash":"b","size":1,"data_type":"text"}` + "\n"),
		[]byte(`{"path":"a\"}` + "\n"),
		[]byte(`{"hash":"b","path":"a","size":1,"data_type":"text","metadata":null}` + "\n"),
		[]byte("\n"),
	} {
		ew, _ := newEntryWriter(io.Discard, model.Commit{ID: "c"}, 300)
		if err := ew.copyChunk(bytes.NewReader(bad)); err == nil {
			t.Errorf("accepted %.80q", bad)
		}
	}
}
