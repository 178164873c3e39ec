package model

import (
	"encoding/json"
	"errors"

	"github.com/oxdrop/oxdrop/core/oxhash"
)

// Metadata is Oxen's GenericMetadata: exactly one of its fields is set, and
// it serializes as a one-key object ({"text":{..}}), untagged as in Oxen.
// Each field is one data type's metadata shape, keyed by the data type's
// name; the shapes follow, each with the writer of its serde-exact JSON.
type Metadata struct {
	Dir     *DirMeta     `json:"dir"`
	Text    *TextMeta    `json:"text"`
	Image   *ImageMeta   `json:"image"`
	Video   *VideoMeta   `json:"video"`
	Audio   *AudioMeta   `json:"audio"`
	Tabular *TabularMeta `json:"tabular"`
}

// shape is what one metadata shape does: write its object's JSON.
type shape interface{ writeJSON(w *writer) }

// set returns the field that is set, with its key (the data type), or ""
// and nil when none is.
func (m *Metadata) set() (DataType, shape) {
	switch {
	case m.Dir != nil:
		return Dir, m.Dir
	case m.Text != nil:
		return Text, m.Text
	case m.Image != nil:
		return Image, m.Image
	case m.Video != nil:
		return Video, m.Video
	case m.Audio != nil:
		return Audio, m.Audio
	case m.Tabular != nil:
		return Tabular, m.Tabular
	}
	return "", nil
}

// DataType is the data type whose shape m holds ("" when m is empty).
func (m Metadata) DataType() DataType {
	dt, _ := m.set()
	return dt
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
	dt, s := m.set()
	if s == nil {
		return errors.New("model: empty metadata")
	}
	w.raw("{")
	w.key(true, string(dt))
	s.writeJSON(w)
	w.raw("}")
	return nil
}

// UnmarshalJSON reads any of the one-key shapes back.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	type plain Metadata // the same fields, without this method
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*m = Metadata(p)
	if _, s := m.set(); s == nil {
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

// DataTypeCount is one entry of a directory's data type counts.
type DataTypeCount struct {
	Count    uint64 `json:"count"`
	DataType string `json:"data_type"`
}

// DirMeta is {"dir":{"data_types":[..]}}.
type DirMeta struct {
	DataTypes []DataTypeCount `json:"data_types"`
}

func (d *DirMeta) writeJSON(w *writer) {
	w.raw(`{"data_types":[`)
	for i, c := range d.DataTypes {
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
}

// TextMeta is {"text":{"num_lines":N,"num_chars":N}}.
type TextMeta struct {
	NumLines uint64 `json:"num_lines"`
	NumChars uint64 `json:"num_chars"`
}

func (t *TextMeta) writeJSON(w *writer) {
	w.raw("{")
	w.key(true, "num_lines")
	w.uint(t.NumLines)
	w.key(false, "num_chars")
	w.uint(t.NumChars)
	w.raw("}")
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

func (im *ImageMeta) writeJSON(w *writer) {
	w.raw("{")
	w.key(true, "width")
	w.uint(uint64(im.Width))
	w.key(false, "height")
	w.uint(uint64(im.Height))
	w.key(false, "color_space")
	if im.ColorSpace == "" {
		w.raw("null")
	} else {
		w.str(im.ColorSpace)
	}
	w.raw("}")
}

// VideoMeta is {"video":{"num_seconds":F,"width":W,"height":H}}.
type VideoMeta struct {
	NumSeconds float64 `json:"num_seconds"`
	Width      uint64  `json:"width"`
	Height     uint64  `json:"height"`
}

func (v *VideoMeta) writeJSON(w *writer) {
	w.raw("{")
	w.key(true, "num_seconds")
	w.float(v.NumSeconds)
	w.key(false, "width")
	w.uint(v.Width)
	w.key(false, "height")
	w.uint(v.Height)
	w.raw("}")
}

// AudioMeta is {"audio":{"num_seconds":F,"num_channels":N,"sample_rate":N}}.
type AudioMeta struct {
	NumSeconds  float64 `json:"num_seconds"`
	NumChannels uint64  `json:"num_channels"`
	SampleRate  uint64  `json:"sample_rate"`
}

func (a *AudioMeta) writeJSON(w *writer) {
	w.raw("{")
	w.key(true, "num_seconds")
	w.float(a.NumSeconds)
	w.key(false, "num_channels")
	w.uint(a.NumChannels)
	w.key(false, "sample_rate")
	w.uint(a.SampleRate)
	w.raw("}")
}

// TabularMeta is {"tabular":{"width":W,"height":H,"schema":{..}}}.
type TabularMeta struct {
	Width  uint64 `json:"width"`
	Height uint64 `json:"height"`
	Schema Schema `json:"schema"`
}

func (t *TabularMeta) writeJSON(w *writer) {
	w.raw("{")
	w.key(true, "width")
	w.uint(t.Width)
	w.key(false, "height")
	w.uint(t.Height)
	w.key(false, "schema")
	w.schema(&t.Schema)
	w.raw("}")
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
