// Package datatype is the registry of Oxen's data types: for each one, the
// rules that make a file that type (its arms of Oxen's
// datatype_from_mimetype), the reader of its metadata and the metadata
// shape the reader fills. classify decides data types and describe reads
// metadata from this one table; the page keeps the matching table of
// labels, icons, order and colours in web/js/types.js, and a test keeps
// the two in step.
//
// Adding a data type takes: its constant and metadata shape in model (a
// struct with its serde-exact writer, one field of model.Metadata), its
// reader package, one entry in registry below, and its row in
// web/js/types.js.
package datatype

import (
	"io"
	"strings"

	"github.com/oxdrop/oxdrop/core/audiometa"
	"github.com/oxdrop/oxdrop/core/imagemeta"
	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/tabular"
	"github.com/oxdrop/oxdrop/core/videometa"
)

// Entry is one data type.
type Entry struct {
	Type model.DataType

	// How a file is recognised, in the order FromMime applies the rules.

	// Mimes are the mime types that make a file this type whatever its
	// name: Oxen's first match arms, checked before anything else.
	Mimes []string
	// Extension, when set, makes a file this type by its extension (no
	// dot, case kept) and first bytes, when no exact mime type matched.
	Extension func(ext string, head []byte) bool
	// TopLevel, when set, makes a file this type by its mime's top-level
	// type (before the '/'), when nothing above matched.
	TopLevel string

	// Counts says Read uses Input's line and character counts, which the
	// streaming pass then has to make.
	Counts bool
	// Read gives the file's metadata: the reader's answer in this type's
	// field of model.Metadata, or nil (Oxen's null) when the reader has no
	// answer. Its error says why; describe passes on a *tabular.LimitError
	// and the reader's I/O errors, and ignores the rest, as Oxen does.
	Read func(Input) (*model.Metadata, error)
	// Unreadable is the data type of a file Read has no metadata for (""
	// keeps Type): Oxen downgrades a table it cannot read to binary.
	Unreadable model.DataType
}

// Input is what a metadata reader gets: the file, its extension, and what
// the streaming pass counted.
type Input struct {
	R               io.ReaderAt
	Size            int64
	Ext             string // the extension (no dot, case kept)
	Newlines        uint64 // '\n' bytes
	Chars           uint64 // bytes that are not UTF-8 continuation bytes
	EndsWithNewline bool
}

// registry holds every data type in Oxen's declaration order
// (model.DataTypes). The exact mime types are those of
// datatype_from_mimetype (liboxen util/fs.rs), in its order.
var registry = []Entry{
	{
		Type: model.Dir, // folders: never a file's type, no reader (describe.DirCounts)
	},
	{
		Type:     model.Text,
		TopLevel: "text",
		Counts:   true,
		Read: func(in Input) (*model.Metadata, error) {
			return &model.Metadata{Text: &model.TextMeta{NumLines: 1 + in.Newlines, NumChars: in.Chars}}, nil
		},
	},
	{
		Type: model.Image,
		Mimes: []string{"image/jpeg", "image/png", "image/gif", "image/webp", "image/x-canon-cr2",
			"image/tiff", "image/bmp", "image/heif", "image/avif"},
		TopLevel: "image",
		Read: reader(func(in Input) (*model.ImageMeta, error) { return imagemeta.Read(in.R, in.Size) },
			func(m *model.Metadata, v *model.ImageMeta) { m.Image = v }),
	},
	{
		Type: model.Video,
		Mimes: []string{"video/mp4", "video/x-m4v", "video/x-msvideo", "video/quicktime", "video/mpeg",
			"video/webm", "video/x-matroska", "video/x-flv", "video/x-ms-wmv"},
		TopLevel: "video",
		Read: reader(func(in Input) (*model.VideoMeta, error) { return videometa.Read(in.R, in.Size) },
			func(m *model.Metadata, v *model.VideoMeta) { m.Video = v }),
	},
	{
		Type: model.Audio,
		Mimes: []string{"audio/midi", "audio/mpeg", "audio/m4a", "audio/x-wav", "audio/ogg", "audio/x-flac",
			"audio/aac", "audio/x-aiff", "audio/x-dsf", "audio/x-ape"},
		TopLevel: "audio",
		// lofty picks its parser from the file name, as Oxen gives it one.
		Read: reader(func(in Input) (*model.AudioMeta, error) { return audiometa.Read(in.R, in.Size, in.Ext) },
			func(m *model.Metadata, v *model.AudioMeta) { m.Audio = v }),
	},
	{
		Type:      model.Tabular,
		Extension: IsTabularExtension,
		Counts:    true,
		Read: reader(func(in Input) (*model.TabularMeta, error) {
			return tabular.Read(in.R, in.Size, in.Ext, tabular.LineCount{Newlines: in.Newlines, EndsWithNewline: in.EndsWithNewline})
		}, func(m *model.Metadata, v *model.TabularMeta) { m.Tabular = v }),
		Unreadable: model.Binary,
	},
	{
		Type: model.Binary, // everything else (FromMime's last answer), no metadata
	},
}

// FromMime is Oxen's datatype_from_mimetype for a file with extension ext
// (no dot, case kept), mime type mime and first bytes head: the exact mime
// types first, then the extension rule (tabular), then the mime's
// top-level type (text, audio, video, image), else binary.
func FromMime(ext, mime string, head []byte) model.DataType {
	if t, ok := byMime[mime]; ok {
		return t
	}
	for i := range registry {
		if e := &registry[i]; e.Extension != nil && e.Extension(ext, head) {
			return e.Type
		}
	}
	top, _, _ := strings.Cut(mime, "/")
	for i := range registry {
		if e := &registry[i]; e.TopLevel != "" && e.TopLevel == top {
			return e.Type
		}
	}
	return model.Binary
}

// IsTabularExtension is Oxen's is_tabular_from_extension: "json" (exact
// case) whose first byte is '[', or csv/tsv/parquet/arrow/ndjson/jsonl in
// any case.
func IsTabularExtension(ext string, head []byte) bool {
	if ext == "json" {
		return len(head) > 0 && head[0] == '['
	}
	switch strings.ToLower(ext) {
	case "csv", "tsv", "parquet", "arrow", "ndjson", "jsonl":
		return true
	}
	return false
}

// byMime is every entry's Mimes, for FromMime's first step.
var byMime = func() map[string]model.DataType {
	m := map[string]model.DataType{}
	for _, e := range registry {
		for _, mime := range e.Mimes {
			m[mime] = e.Type
		}
	}
	return m
}()

// Lookup returns the entry of data type dt.
func Lookup(dt model.DataType) (Entry, bool) {
	for _, e := range registry {
		if e.Type == dt {
			return e, true
		}
	}
	return Entry{}, false
}

// Entries returns every entry, in Oxen's declaration order.
func Entries() []Entry {
	return append([]Entry(nil), registry...)
}

// reader turns a format package's reader into an Entry's Read: its answer
// goes in the field of model.Metadata that set fills, and no answer is no
// metadata.
func reader[T any](read func(Input) (*T, error), set func(*model.Metadata, *T)) func(Input) (*model.Metadata, error) {
	return func(in Input) (*model.Metadata, error) {
		v, err := read(in)
		if err != nil || v == nil {
			return nil, err
		}
		m := &model.Metadata{}
		set(m, v)
		return m, nil
	}
}
