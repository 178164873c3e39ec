package tabular

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/oxhash"
	"github.com/oxdrop/oxdrop/internal/testenv"
)

// fixture reads a file of Oxen's fixtures (testenv.Fixtures).
func fixture(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Fixtures(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// countLines is the streaming pass the caller does, done here from bytes.
func countLines(b []byte) LineCount {
	return LineCount{
		Newlines:        uint64(bytes.Count(b, []byte{'\n'})),
		EndsWithNewline: len(b) > 0 && b[len(b)-1] == '\n',
	}
}

func extOf(path string) string {
	return strings.TrimPrefix(filepath.Ext(path), ".")
}

func readBytes(t testing.TB, b []byte, ext string) (*model.TabularMeta, error) {
	t.Helper()
	return Read(bytes.NewReader(b), int64(len(b)), ext, countLines(b))
}

func schemaString(m *model.TabularMeta) string {
	var parts []string
	for _, f := range m.Schema.Fields {
		parts = append(parts, f.Name+":"+f.Dtype)
	}
	return strings.Join(parts, ", ")
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		path          string
		width, height uint64
		schema        string // "" = not asserted
	}{
		{"csvs/mixed_data_types.csv", 5, 4, "prompt:str, response:str, is_correct:bool, response_time:f64, difficulty:i64"},
		{"csvs/llm_fine_tune.csv", 4, 6, "instruction:str, context:str, response:str, category:str"},
		{"csvs/tabs.csv", 4, 1, "file:str, label:str, x:i64, y:i64"},
		{"csvs/emojis.csv", 2, 1, ""},
		{"csvs/empty_rows_carriage_return.csv", 4, 0, "path:str, label:str, contributor:str, added_at:str"},
		{"csvs/quoted_fields.csv", 3, 10, "name:str, description:str, value:i64"},
		{"csvs/caption_video_gen_fmt.csv", 2, 30, "caption:str, media_path:str"},
		{"csvs/spam_ham_data_w_quote.tsv", 2, 100, "category:str, text:str"},
		{"csvs/test_cifar_2x10000.csv", 2, 10000, "file:str, label:str"},
		{"csvs/test_cifar_2x9999.csv", 2, 9999, "file:str, label:str"},
		{"csvs/train_cifar_2x50000.csv", 2, 50000, "file:str, label:str"},
		{"csvs/train_cifar_5x50000.csv", 5, 50000, ""},
		{"data/image_cache.tsv", 6, 1, ""},
		{"text/test.jsonl", 3, 2, "id:i64, text:str, category:str"},
		{"text/test.json", 3, 2, "id:i64, text:str, category:str"},
		{"json/tabular.json", 2, 9, "instruction:str, output:str"},
		{"parquet/wiki_1k.parquet", 3, 1024, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			b := fixture(t, tt.path)
			m, err := readBytes(t, b, extOf(tt.path))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %dx%d %s", tt.path, m.Width, m.Height, schemaString(m))
			if m.Width != tt.width || m.Height != tt.height {
				t.Errorf("got %dx%d, want %dx%d", m.Width, m.Height, tt.width, tt.height)
			}
			if tt.schema != "" && schemaString(m) != tt.schema {
				t.Errorf("schema %q, want %q", schemaString(m), tt.schema)
			}
			if int(m.Width) != len(m.Schema.Fields) {
				t.Errorf("width %d but %d fields", m.Width, len(m.Schema.Fields))
			}
		})
	}
}

func TestMixedDataTypesMetadataJSON(t *testing.T) {
	b := fixture(t, "csvs/mixed_data_types.csv")
	m, err := readBytes(t, b, "csv")
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(model.Metadata{Tabular: m})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"tabular":{"width":5,"height":4,"schema":{"hash":"b5b7dc9a8e80092727639432be2323f3","fields":[{"name":"prompt","dtype":"str","metadata":null,"changes":null},{"name":"response","dtype":"str","metadata":null,"changes":null},{"name":"is_correct","dtype":"bool","metadata":null,"changes":null},{"name":"response_time","dtype":"f64","metadata":null,"changes":null},{"name":"difficulty","dtype":"i64","metadata":null,"changes":null}],"metadata":null}}}`
	if string(got) != want {
		t.Errorf("metadata JSON\n got %s\nwant %s", got, want)
	}
	h, err := model.Metadata{Tabular: m}.Hash()
	if err != nil {
		t.Fatal(err)
	}
	if oxhash.Hex(h) != "ca0d52ddba96af54a71c1d4921145434" {
		t.Errorf("metadata hash %s", oxhash.Hex(h))
	}
}
