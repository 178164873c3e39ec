package model

import (
	"encoding/json"
	"testing"

	"github.com/oxdrop/oxdrop/core/oxhash"
)

func TestMetadataJSONAndHashes(t *testing.T) {
	mixed := []Field{{Name: "prompt", Dtype: "str"}, {Name: "response", Dtype: "str"}, {Name: "is_correct", Dtype: "bool"},
		{Name: "response_time", Dtype: "f64"}, {Name: "difficulty", Dtype: "i64"}}
	tests := []struct {
		name     string
		m        Metadata
		json     string
		metaHash string
		content  string
		combined string
	}{
		{"hello.txt", Metadata{Text: &TextMeta{1, 5}}, `{"text":{"num_lines":1,"num_chars":5}}`,
			"9b606f0517df677fc30409573fe8c600", "1bfd09d1a433fb78117b4c7b1583d16d", "79102ed9b7b7c7ce5628fdf499d3b050"},
		{"cat_1.jpg", Metadata{Image: &ImageMeta{Width: 499, Height: 375}}, `{"image":{"width":499,"height":375,"color_space":null}}`,
			"279784f500b0c5bb149bc49f49daf377", "6775275bac681fce0b9fe8d647effc50", "6eb817cfaa5e08d639ef7b8b584ddf19"},
		{"basketball.mp4", Metadata{Video: &VideoMeta{1.6, 128, 176}}, `{"video":{"num_seconds":1.6,"width":128,"height":176}}`,
			"8c3b116d2f8362701c60aa08d360c320", "e9c783ab7721eabc71df0acd4487f788", "62289dbb2447c2dc5c2aec51dbb483cc"},
		{"dog_skatez.mov", Metadata{Video: &VideoMeta{1.0, 64, 64}}, `{"video":{"num_seconds":1.0,"width":64,"height":64}}`,
			"2c2a6655cc6c6524cac53f0dad9c29fe", "9d592dcaac962c0c17474a1300f838c", "a3bb784cfb212503b29479c9275d3888"},
		{"wav", Metadata{Audio: &AudioMeta{3.1, 1, 16000}}, `{"audio":{"num_seconds":3.1,"num_channels":1,"sample_rate":16000}}`,
			"18c1682f58902d1cec7f7d99805fea6a", "6dee443bbca7b0e97db2d929aac01840", "8746eaef0df218f8f0581909acb362c"},
		{"mixed_data_types.csv", Metadata{Tabular: &TabularMeta{5, 4, NewSchema(mixed)}},
			`{"tabular":{"width":5,"height":4,"schema":{"hash":"b5b7dc9a8e80092727639432be2323f3","fields":[{"name":"prompt","dtype":"str","metadata":null,"changes":null},{"name":"response","dtype":"str","metadata":null,"changes":null},{"name":"is_correct","dtype":"bool","metadata":null,"changes":null},{"name":"response_time","dtype":"f64","metadata":null,"changes":null},{"name":"difficulty","dtype":"i64","metadata":null,"changes":null}],"metadata":null}}}`,
			"ca0d52ddba96af54a71c1d4921145434", "32dccc805d10ddb843964ed810734862", "64602c8df6c02f3513a46b04abe72104"},
		{"dir", Metadata{Dir: &DirMeta{[]DataTypeCount{{2, "image"}, {1, "text"}}}}, `{"dir":{"data_types":[{"count":2,"data_type":"image"},{"count":1,"data_type":"text"}]}}`, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.json {
				t.Fatalf("json\n got %s\nwant %s", b, tt.json)
			}
			var back Metadata
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			b2, _ := json.Marshal(back)
			if string(b2) != tt.json {
				t.Fatalf("round trip\n got %s\nwant %s", b2, tt.json)
			}
			if tt.metaHash == "" {
				return
			}
			mh, _ := tt.m.Hash()
			if oxhash.Hex(mh) != tt.metaHash {
				t.Fatalf("metadata hash %s, want %s", oxhash.Hex(mh), tt.metaHash)
			}
			c, _ := oxhash.ParseHex(tt.content)
			comb, _ := CombinedHash(c, &tt.m)
			if oxhash.Hex(comb) != tt.combined {
				t.Fatalf("combined %s, want %s", oxhash.Hex(comb), tt.combined)
			}
		})
	}
}

func TestSerdeStringEscapes(t *testing.T) {
	w := &writer{}
	w.str("a\"\\\b\f\n\r\t\x01\x7f<>&\u2028é\xff")
	want := `"a\"\\\b\f\n\r\t\u0001` + "\x7f<>&\u2028é\ufffd" + `"`
	if string(w.b) != want {
		t.Fatalf("got %s want %s", w.b, want)
	}
}

func TestFormatFloat(t *testing.T) {
	for f, want := range map[float64]string{0: "0.0", 1: "1.0", 1.6: "1.6", 3.1: "3.1", 0.001: "0.001",
		1e16: "1e+16", 1.5e-7: "1.5e-7", 123456.789: "123456.789"} {
		if got := FormatFloat(f); got != want {
			t.Errorf("FormatFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestEmptyMetadataErrors(t *testing.T) {
	if _, err := json.Marshal(Metadata{}); err == nil {
		t.Fatal("empty metadata marshalled")
	}
	var m Metadata
	if err := json.Unmarshal([]byte(`{"other":{}}`), &m); err == nil {
		t.Fatal("unknown shape accepted")
	}
}
