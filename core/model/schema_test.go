package model

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/core/oxhash"
)

func TestStrLenMatchesStr(t *testing.T) {
	for _, s := range []string{"", "feature_00001", "a\"\\\b\f\n\r\t\x01\x1f\x7f<>&\u2028é\xff", "\xe2\x82", "名前", strings.Repeat("\x00", 7)} {
		w := &writer{}
		w.str(s)
		if got := strLen(s); got != len(w.b) {
			t.Errorf("strLen(%q) = %d, str wrote %d bytes", s, got, len(w.b))
		}
	}
}

// wideSchema is a schema of n columns, some with names that need escaping.
func wideSchema(n int) Schema {
	fields := make([]Field, n)
	for i := range fields {
		fields[i] = Field{Name: fmt.Sprintf("feature_%05d", i), Dtype: []string{"i64", "f64", "bool", "str", "list[struct[2]]"}[i%5]}
		if i%1000 == 7 {
			fields[i].Name += "\t\"é\x01"
		}
	}
	return NewSchema(fields)
}

// TestWideSchemaJSON checks, on a schema whose JSON crosses the hashing
// writer's flush size many times, that the streamed hash is the hash of
// MarshalJSON, that FieldJSONSize adds up to the fields' JSON, and that
// the hash is Oxen's hash_fields.
func TestWideSchemaJSON(t *testing.T) {
	s := wideSchema(30000)
	m := Metadata{Tabular: &TabularMeta{Width: 30000, Height: 5, Schema: s}}
	b, err := m.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	h, err := m.Hash()
	if err != nil {
		t.Fatal(err)
	}
	if h != oxhash.Sum(b) {
		t.Fatal("streamed metadata hash differs from the hash of the JSON")
	}
	sf := make([]oxhash.SchemaField, len(s.Fields))
	fieldsJSON := -1 // the first field has no comma
	for i, f := range s.Fields {
		sf[i] = oxhash.SchemaField{Name: f.Name, Dtype: f.Dtype}
		fieldsJSON += FieldJSONSize(f)
	}
	if s.Hash != oxhash.Schema(sf) {
		t.Fatal("schema hash is not hash_fields")
	}
	start := strings.Index(string(b), `"fields":[`) + len(`"fields":[`)
	end := strings.LastIndex(string(b), `],"metadata":null}`)
	if got := end - start; got != fieldsJSON {
		t.Fatalf("fields JSON is %d bytes, FieldJSONSize adds up to %d", got, fieldsJSON)
	}
	if c := cap(b); c != len(b) && c > len(b)+len(b)/8 {
		t.Errorf("MarshalJSON buffer of %d bytes for %d bytes of JSON", c, len(b))
	}
}

// TestFieldExtrasRoundTrip reads a record whose fields carry metadata and
// changes (Oxen writes them after schema edits) and writes it back byte for
// byte.
func TestFieldExtrasRoundTrip(t *testing.T) {
	in := `{"tabular":{"width":3,"height":1,"schema":{"hash":"abc","fields":[` +
		`{"name":"a","dtype":"str","metadata":{"description":"x"},"changes":null},` +
		`{"name":"b","dtype":"i64","metadata":null,"changes":null},` +
		`{"name":"c","dtype":"f64","metadata":null,"changes":{"status":"added"}}],"metadata":{"k":1}}}}`
	var m Metadata
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	if n := len(m.Tabular.Schema.FieldExtras); n != 2 {
		t.Errorf("%d fields with extras, want 2", n)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Fatalf("round trip\n got %s\nwant %s", out, in)
	}
	h, _ := m.Hash()
	if h != oxhash.Sum([]byte(in)) {
		t.Fatal("hash of a schema with extras differs from the hash of its JSON")
	}
}

// BenchmarkWideMetadata hashes and serializes the metadata of a
// 65,536-column table: the hash streams (B/op stays a few KiB), the JSON is
// written into one buffer of its exact size.
func BenchmarkWideMetadata(b *testing.B) {
	m := Metadata{Tabular: &TabularMeta{Width: 65536, Schema: wideSchema(65536)}}
	for name, fn := range map[string]func() error{
		"Hash":        func() error { _, err := m.Hash(); return err },
		"MarshalJSON": func() error { _, err := m.MarshalJSON(); return err },
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
