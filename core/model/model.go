// Package model holds Oxen's data model as oxdrop uses it: data types,
// metadata shapes, metadata entries and commits, with JSON that is
// byte-identical to the Oxen server's (so metadata hashes match).
package model

import (
	"encoding/json"
	"errors"

	"github.com/oxdrop/oxdrop/core/oxhash"
)

// DataType is Oxen's EntryDataType, serialized in lowercase.
type DataType string

const (
	Dir     DataType = "dir"
	Text    DataType = "text"
	Image   DataType = "image"
	Video   DataType = "video"
	Audio   DataType = "audio"
	Tabular DataType = "tabular"
	Binary  DataType = "binary"
)

// DataTypes lists every data type in Oxen's declaration order.
var DataTypes = []DataType{Dir, Text, Image, Video, Audio, Tabular, Binary}

// TextMeta is {"text":{"num_lines":N,"num_chars":N}}.
type TextMeta struct {
	NumLines uint64 `json:"num_lines"`
	NumChars uint64 `json:"num_chars"`
}

// ImageMeta is {"image":{"width":W,"height":H,"color_space":..}}.
// ColorSpace is one of the ImgColorSpace enum strings, or "" for null.
type ImageMeta struct {
	Width      uint32 `json:"width"`
	Height     uint32 `json:"height"`
	ColorSpace string `json:"color_space,omitempty"`
}

// The ImgColorSpace enum of the API schema.
const (
	ColorRGB              = "RGB"
	ColorRGBA             = "RGBA"
	ColorGrayscale        = "Grayscale"
	ColorGrayscaleAlpha   = "GrayscaleAlpha"
	ColorRgb16            = "Rgb16"
	ColorRgba16           = "Rgba16"
	ColorGrayscale16      = "Grayscale16"
	ColorGrayscaleAlpha16 = "GrayscaleAlpha16"
	ColorRgb32F           = "Rgb32F"
	ColorRgba32F          = "Rgba32F"
	ColorUnknown          = "Unknown"
)

// VideoMeta is {"video":{"num_seconds":F,"width":W,"height":H}}.
type VideoMeta struct {
	NumSeconds float64 `json:"num_seconds"`
	Width      uint64  `json:"width"`
	Height     uint64  `json:"height"`
}

// AudioMeta is {"audio":{"num_seconds":F,"num_channels":N,"sample_rate":N}}.
type AudioMeta struct {
	NumSeconds  float64 `json:"num_seconds"`
	NumChannels uint64  `json:"num_channels"`
	SampleRate  uint64  `json:"sample_rate"`
}

// Field is one column of a tabular schema: its name and Polars dtype, and
// nothing else, so that a wide table costs two strings per column. Oxen's
// per-field "metadata" and "changes" are null in every schema oxdrop infers;
// the rare parsed record that has them keeps them in Schema.FieldExtras.
type Field struct {
	Name  string `json:"name"`
	Dtype string `json:"dtype"`
}

// FieldExtra is the raw JSON of a field's non-null "metadata" and
// "changes" (nil serializes as null).
type FieldExtra struct {
	Metadata json.RawMessage
	Changes  json.RawMessage
}

// Schema is a tabular schema with its Oxen schema hash.
type Schema struct {
	Hash     string          `json:"hash"`
	Fields   []Field         `json:"fields"`
	Metadata json.RawMessage `json:"metadata"`
	// FieldExtras holds, by index into Fields, the fields whose metadata
	// or changes are not null; nil when none are (always, for inferred
	// schemas).
	FieldExtras map[int]FieldExtra `json:"-"`
}

// NewSchema builds a schema from fields (kept, not copied) and computes
// its hash, Oxen's hash_fields over name and dtype of every field (fields
// without metadata add nothing more to it).
func NewSchema(fields []Field) Schema {
	d := oxhash.New()
	for _, f := range fields {
		d.WriteString(f.Name)
		d.WriteString(f.Dtype)
	}
	if fields == nil {
		fields = []Field{}
	}
	return Schema{Hash: d.Hex(), Fields: fields}
}

// extra returns the metadata and changes of field i (nil: null).
func (s *Schema) extra(i int) FieldExtra {
	if s.FieldExtras == nil {
		return FieldExtra{}
	}
	return s.FieldExtras[i]
}

// UnmarshalJSON reads a schema back, keeping non-null field metadata and
// changes aside in FieldExtras.
func (s *Schema) UnmarshalJSON(b []byte) error {
	var wire struct {
		Hash   string `json:"hash"`
		Fields []struct {
			Name     string          `json:"name"`
			Dtype    string          `json:"dtype"`
			Metadata json.RawMessage `json:"metadata"`
			Changes  json.RawMessage `json:"changes"`
		} `json:"fields"`
		Metadata json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal(b, &wire); err != nil {
		return err
	}
	*s = Schema{Hash: wire.Hash, Fields: make([]Field, len(wire.Fields)), Metadata: nonNull(wire.Metadata)}
	for i, f := range wire.Fields {
		s.Fields[i] = Field{Name: f.Name, Dtype: f.Dtype}
		if e := (FieldExtra{Metadata: nonNull(f.Metadata), Changes: nonNull(f.Changes)}); e.Metadata != nil || e.Changes != nil {
			if s.FieldExtras == nil {
				s.FieldExtras = map[int]FieldExtra{}
			}
			s.FieldExtras[i] = e
		}
	}
	return nil
}

// nonNull is r, or nil when r is absent or the JSON null.
func nonNull(r json.RawMessage) json.RawMessage {
	if len(r) == 0 || string(r) == "null" {
		return nil
	}
	return r
}

// FieldJSONSize is the number of bytes field f takes in the serialized
// schema (as Metadata.MarshalJSON writes it, with null metadata and
// changes), its separating comma included: what one column adds to a
// metadata record.
func FieldJSONSize(f Field) int {
	return len(`,{"name":,"dtype":,"metadata":null,"changes":null}`) + strLen(f.Name) + strLen(f.Dtype)
}

// TabularMeta is {"tabular":{"width":W,"height":H,"schema":{..}}}.
type TabularMeta struct {
	Width  uint64 `json:"width"`
	Height uint64 `json:"height"`
	Schema Schema `json:"schema"`
}

// DataTypeCount is one entry of a directory's data type counts.
type DataTypeCount struct {
	Count    uint64 `json:"count"`
	DataType string `json:"data_type"`
}

// DirMeta is {"dir":{"data_types":[..]}}.
type DirMeta struct {
	DataTypes []DataTypeCount `json:"data_types"`
}

// Metadata is Oxen's GenericMetadata: exactly one of its fields is set, and
// it serializes as a one-key object ({"text":{..}}), untagged as in Oxen.
type Metadata struct {
	Dir     *DirMeta
	Text    *TextMeta
	Image   *ImageMeta
	Video   *VideoMeta
	Audio   *AudioMeta
	Tabular *TabularMeta
}

// MarshalJSON writes the serde_json form Oxen hashes.
func (m Metadata) MarshalJSON() ([]byte, error) {
	w := &writer{b: make([]byte, 0, m.sizeHint())}
	if err := m.write(w); err != nil {
		return nil, err
	}
	return w.b, nil
}

// sizeHint covers the JSON of inferred metadata, so that a wide schema is
// written into one allocation.
func (m Metadata) sizeHint() int {
	n := 256
	if m.Tabular != nil {
		for _, f := range m.Tabular.Schema.Fields {
			n += FieldJSONSize(f)
		}
	}
	return n
}

func (m Metadata) write(w *writer) error {
	w.raw("{")
	switch {
	case m.Dir != nil:
		w.key(true, "dir")
		w.raw(`{"data_types":[`)
		for i, c := range m.Dir.DataTypes {
			if i > 0 {
				w.raw(",")
			}
			w.raw("{")
			w.key(true, "count")
			w.uint(c.Count)
			w.key(false, "data_type")
			w.str(c.DataType)
			w.raw("}")
		}
		w.raw("]}")
	case m.Text != nil:
		w.key(true, "text")
		w.raw("{")
		w.key(true, "num_lines")
		w.uint(m.Text.NumLines)
		w.key(false, "num_chars")
		w.uint(m.Text.NumChars)
		w.raw("}")
	case m.Image != nil:
		w.key(true, "image")
		w.raw("{")
		w.key(true, "width")
		w.uint(uint64(m.Image.Width))
		w.key(false, "height")
		w.uint(uint64(m.Image.Height))
		w.key(false, "color_space")
		if m.Image.ColorSpace == "" {
			w.raw("null")
		} else {
			w.str(m.Image.ColorSpace)
		}
		w.raw("}")
	case m.Video != nil:
		w.key(true, "video")
		w.raw("{")
		w.key(true, "num_seconds")
		w.float(m.Video.NumSeconds)
		w.key(false, "width")
		w.uint(m.Video.Width)
		w.key(false, "height")
		w.uint(m.Video.Height)
		w.raw("}")
	case m.Audio != nil:
		w.key(true, "audio")
		w.raw("{")
		w.key(true, "num_seconds")
		w.float(m.Audio.NumSeconds)
		w.key(false, "num_channels")
		w.uint(m.Audio.NumChannels)
		w.key(false, "sample_rate")
		w.uint(m.Audio.SampleRate)
		w.raw("}")
	case m.Tabular != nil:
		t := m.Tabular
		w.key(true, "tabular")
		w.raw("{")
		w.key(true, "width")
		w.uint(t.Width)
		w.key(false, "height")
		w.uint(t.Height)
		w.key(false, "schema")
		w.schema(&t.Schema)
		w.raw("}")
	default:
		return errors.New("model: empty metadata")
	}
	w.raw("}")
	return nil
}

// UnmarshalJSON reads any of the one-key shapes back.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	var wire struct {
		Dir     *DirMeta     `json:"dir"`
		Text    *TextMeta    `json:"text"`
		Image   *ImageMeta   `json:"image"`
		Video   *VideoMeta   `json:"video"`
		Audio   *AudioMeta   `json:"audio"`
		Tabular *TabularMeta `json:"tabular"`
	}
	if err := json.Unmarshal(b, &wire); err != nil {
		return err
	}
	*m = Metadata(wire)
	if m.Dir == nil && m.Text == nil && m.Image == nil && m.Video == nil && m.Audio == nil && m.Tabular == nil {
		return errors.New("model: metadata has none of dir, text, image, video, audio, tabular")
	}
	return nil
}

// Hash is Oxen's metadata hash: XXH3-128 of the compact JSON, streamed
// through the hasher in small pieces (a wide schema's JSON is never held).
func (m Metadata) Hash() (oxhash.Hash, error) {
	d := oxhash.New()
	w := &writer{b: make([]byte, 0, flushAt+512), d: d}
	if err := m.write(w); err != nil {
		return oxhash.Hash{}, err
	}
	w.flush()
	return d.Sum128(), nil
}

// CombinedHash is the node hash Oxen stores: the content hash alone when
// there is no metadata, else Combined(content, metadata hash).
func CombinedHash(content oxhash.Hash, m *Metadata) (oxhash.Hash, error) {
	if m == nil {
		return content, nil
	}
	mh, err := m.Hash()
	if err != nil {
		return oxhash.Hash{}, err
	}
	return oxhash.Combined(content, mh), nil
}

// Commit is an Oxen commit as the API returns it.
type Commit struct {
	ID        string   `json:"id"`
	ParentIDs []string `json:"parent_ids"`
	Message   string   `json:"message"`
	Author    string   `json:"author"`
	Email     string   `json:"email"`
	Timestamp string   `json:"timestamp"`
}

// Resource is the ParsedResource of a metadata entry.
type Resource struct {
	Commit    *Commit         `json:"commit"`
	Branch    json.RawMessage `json:"branch"`
	Workspace json.RawMessage `json:"workspace"`
	Path      string          `json:"path"`
	Version   string          `json:"version"`
	Resource  string          `json:"resource"`
}

// FileInfo is what the core learns about one file: everything of a
// MetadataEntry that does not depend on a commit.
type FileInfo struct {
	Hash      string    `json:"hash"`
	Size      uint64    `json:"size"`
	DataType  DataType  `json:"data_type"`
	MimeType  string    `json:"mime_type"`
	Extension string    `json:"extension"`
	Metadata  *Metadata `json:"metadata"`
}

// MetadataEntry is Oxen's MetadataEntry (0.50 field order).
type MetadataEntry struct {
	Filename     string          `json:"filename"`
	Hash         string          `json:"hash"`
	IsDir        bool            `json:"is_dir"`
	LatestCommit *Commit         `json:"latest_commit"`
	Resource     *Resource       `json:"resource"`
	Size         uint64          `json:"size"`
	DataType     DataType        `json:"data_type"`
	MimeType     string          `json:"mime_type"`
	Extension    string          `json:"extension"`
	Metadata     *Metadata       `json:"metadata"`
	IsQueryable  *bool           `json:"is_queryable"`
	Children     []MetadataEntry `json:"children,omitempty"`
}
