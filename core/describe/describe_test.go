package describe

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/core/audiometa"
	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/oxhash"
	"github.com/oxdrop/oxdrop/core/tabular"
	"github.com/oxdrop/oxdrop/core/videometa"
	"github.com/oxdrop/oxdrop/internal/testenv"
)

func fixtureDir(t testing.TB) string {
	t.Helper()
	return testenv.Fixtures(t)
}

func describeBytes(t testing.TB, name string, b []byte) model.FileInfo {
	t.Helper()
	info, err := File(name, bytes.NewReader(b), int64(len(b)), make([]byte, 4096), nil)
	if err != nil {
		t.Fatalf("File(%q): %v", name, err)
	}
	checkSummaryDescribe(t, name, b, info)
	return info
}

// checkSummaryDescribe: a file summarized in one pass (without its name)
// and described later from the summary gives what File gave.
func checkSummaryDescribe(t testing.TB, name string, b []byte, want model.FileInfo) {
	t.Helper()
	a := NewAnalyzer()
	a.Write(b)
	s, ok := a.Summary()
	if !ok {
		t.Fatalf("Summary of an unnamed pass: not ok")
	}
	got, err := Describe(name, s, bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Describe(%q): %v", name, err)
	}
	if got.Hash != want.Hash || got.Size != want.Size || got.DataType != want.DataType ||
		got.MimeType != want.MimeType || got.Extension != want.Extension || metaJSON(t, got.Metadata) != metaJSON(t, want.Metadata) {
		t.Fatalf("Describe(%q) from a summary = %+v %s, File = %+v %s", name, got, metaJSON(t, got.Metadata), want, metaJSON(t, want.Metadata))
	}
}

func TestSummary(t *testing.T) {
	a := NewAnalyzer()
	a.Begin("x.txt")
	if _, ok := a.Summary(); ok {
		t.Error("Summary after Begin (counts may stop): ok")
	}
	// A reader shorter than the summary says fails clearly.
	a.Reset()
	a.Write([]byte("hello world"))
	s, _ := a.Summary()
	if _, err := Describe("x.txt", s, bytes.NewReader([]byte("hel"))); err == nil {
		t.Error("Describe over a short reader: no error")
	}
}

func metaJSON(t testing.TB, m *model.Metadata) string {
	t.Helper()
	if m == nil {
		return "null"
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const mixedSchema = `{"tabular":{"width":5,"height":4,"schema":{"hash":"b5b7dc9a8e80092727639432be2323f3","fields":[` +
	`{"name":"prompt","dtype":"str","metadata":null,"changes":null},{"name":"response","dtype":"str","metadata":null,"changes":null},` +
	`{"name":"is_correct","dtype":"bool","metadata":null,"changes":null},{"name":"response_time","dtype":"f64","metadata":null,"changes":null},` +
	`{"name":"difficulty","dtype":"i64","metadata":null,"changes":null}],"metadata":null}}}`

// TestFixtures covers every shared fixture of oxen-behaviour.md §6.1/§6.2.
func TestFixtures(t *testing.T) {
	dir := fixtureDir(t)
	const audioMeta = `{"audio":{"num_seconds":3.1,"num_channels":1,"sample_rate":16000}}`
	img := func(w, h int, cs string) string {
		b, _ := json.Marshal(model.Metadata{Image: &model.ImageMeta{Width: uint32(w), Height: uint32(h), ColorSpace: cs}})
		return string(b)
	}
	text := func(lines, chars int) string {
		b, _ := json.Marshal(model.Metadata{Text: &model.TextMeta{NumLines: uint64(lines), NumChars: uint64(chars)}})
		return string(b)
	}
	cases := []struct {
		path, hash string
		size       uint64
		dt         model.DataType
		mime, ext  string
		meta       string    // exact metadata JSON; "" = only the shape below
		tab        [2]uint64 // tabular width, height when meta is ""
		combined   string    // §6.2 combined hash, where given
		extractor  string    // the package the metadata comes from
	}{
		{"text/hello.txt", "1bfd09d1a433fb78117b4c7b1583d16d", 5, model.Text, "text/plain", "txt", text(1, 5), [2]uint64{}, "79102ed9b7b7c7ce5628fdf499d3b050", ""},
		{"text/world.txt", "c6b79f8716b7b4fc712c55e44b9d5d78", 5, model.Text, "text/plain", "txt", text(1, 5), [2]uint64{}, "", ""},
		{"text/README", "ed279de3bfecbc047a1a6069b283bafb", 44, model.Text, "text/plain", "", text(3, 44), [2]uint64{}, "59e7adcdc8c2e9b119a6993f7b9a72c7", ""},
		{"text/README.md", "8db45aeefaec62534c376a481f7a2444", 50, model.Text, "text/markdown", "md", text(4, 50), [2]uint64{}, "a56c1073b7d2353d52fb3621c8de2b4f", ""},
		{"text/test_id.txt", "9729fb36989973ba29a8fbec89d3ae99", 40000, model.Text, "text/plain", "txt", text(5001, 40000), [2]uint64{}, "", ""},
		{"images/cat_1.jpg", "6775275bac681fce0b9fe8d647effc50", 25049, model.Image, "image/jpeg", "jpg", img(499, 375, "RGB"), [2]uint64{}, "", "imagemeta"},
		{"images/cat_2.jpg", "19ea812602dd5e8575adb22561e346a8", 22964, model.Image, "image/jpeg", "jpg", img(480, 380, "RGB"), [2]uint64{}, "", "imagemeta"},
		{"images/cat_3.jpg", "a818c3ed49a6c93e56c9d68f1c4e816a", 30238, model.Image, "image/jpeg", "jpg", img(499, 500, "RGB"), [2]uint64{}, "", "imagemeta"},
		{"images/cat_grayscale.jpg", "e6031bba0f6d69b7a0f16df6692907e7", 50514, model.Image, "image/jpeg", "jpg", img(499, 375, "Grayscale"), [2]uint64{}, "", "imagemeta"},
		{"images/cat_rgba.png", "8b724e6d167707d7d6780d68fe92712d", 393325, model.Image, "image/png", "png", img(499, 375, "RGBA"), [2]uint64{}, "", "imagemeta"},
		{"images/cole_anthony.jpeg", "60fc89e1c79c4650f0f374141d8cdbc3", 10046, model.Image, "image/jpeg", "jpeg", img(275, 183, "RGB"), [2]uint64{}, "", "imagemeta"},
		{"images/dog_1.jpg", "ed9f361c067b654832f134ba4da02e14", 24178, model.Image, "image/jpeg", "jpg", img(381, 499, "RGB"), [2]uint64{}, "", "imagemeta"},
		{"images/dog_2.jpg", "790d949d7b080c21b37488a07d1e612c", 17462, model.Image, "image/jpeg", "jpg", img(296, 299, "RGB"), [2]uint64{}, "", "imagemeta"},
		{"images/dog_3.jpg", "ec5e4a2be90a371eca8aede72ac19782", 34690, model.Image, "image/jpeg", "jpg", img(499, 459, "RGB"), [2]uint64{}, "", "imagemeta"},
		{"images/dog_4.jpg", "746363975ff9d037d886b2b30ce67786", 18671, model.Image, "image/jpeg", "jpg", img(499, 375, "RGB"), [2]uint64{}, "", "imagemeta"},
		{"images/dwight_vince.jpeg", "45791b92b110188291da3e12ba2dbe50", 13634, model.Image, "image/jpeg", "jpeg", img(259, 194, "RGB"), [2]uint64{}, "", "imagemeta"},
		{"images/hotdog_1.jpg", "1267eb0132abfeae1695d6d2f80182da", 5273, model.Image, "image/jpeg", "jpg", img(283, 178, "RGB"), [2]uint64{}, "", "imagemeta"},
		{"images/hotdog_2.jpg", "fa56e3fcd72dac5a4f9edbadc2775491", 5645, model.Image, "image/jpeg", "jpg", img(276, 183, "RGB"), [2]uint64{}, "", "imagemeta"},
		{"images/mnist_7.png", "7a34af972b0eb8d7bd8cb665459275e5", 317, model.Image, "image/png", "png", img(28, 28, "Grayscale"), [2]uint64{}, "", "imagemeta"},
		{"video/basketball.mp4", "e9c783ab7721eabc71df0acd4487f788", 23599, model.Video, "video/mp4", "mp4", `{"video":{"num_seconds":1.6,"width":128,"height":176}}`, [2]uint64{}, "62289dbb2447c2dc5c2aec51dbb483cc", "videometa"},
		{"video/dog_skatez.mov", "9d592dcaac962c0c17474a1300f838c", 2862, model.Video, "video/quicktime", "mov", `{"video":{"num_seconds":1.0,"width":64,"height":64}}`, [2]uint64{}, "a3bb784cfb212503b29479c9275d3888", "videometa"},
		{"audio/121-121726-0005.flac", "a739ef80ee797c1a7676c14baea8103e", 37096, model.Audio, "audio/x-flac", "flac", audioMeta, [2]uint64{}, "bd49e02119f32821f672f8799a41036c", "audiometa"},
		{"audio/121-121726-0005.wav", "6dee443bbca7b0e97db2d929aac01840", 99278, model.Audio, "audio/x-wav", "wav", audioMeta, [2]uint64{}, "8746eaef0df218f8f0581909acb362c", "audiometa"},
		{"csvs/mixed_data_types.csv", "32dccc805d10ddb843964ed810734862", 183, model.Tabular, "text/plain", "csv", mixedSchema, [2]uint64{}, "64602c8df6c02f3513a46b04abe72104", "tabular"},
		{"csvs/llm_fine_tune.csv", "6bac8c10064f94da97ada61c4f9cf37f", 472, model.Tabular, "text/plain", "csv", "", [2]uint64{4, 6}, "", "tabular"},
		{"csvs/tabs.csv", "22a5db978c099570ea4d654021d8d3a0", 41, model.Tabular, "text/plain", "csv", "", [2]uint64{4, 1}, "", "tabular"},
		{"csvs/emojis.csv", "170d8602f905fb3e496ea28bea67a933", 22, model.Tabular, "text/plain", "csv", "", [2]uint64{2, 1}, "", "tabular"},
		{"csvs/empty_rows_carriage_return.csv", "dc178a8f80081fc6a32c052aa8335911", 31, model.Tabular, "text/plain", "csv", "", [2]uint64{4, 0}, "", "tabular"},
		{"csvs/quoted_fields.csv", "9b20af26e1fac3a411691772e2ea066c", 311, model.Tabular, "text/plain", "csv", "", [2]uint64{3, 10}, "", "tabular"},
		{"csvs/caption_video_gen_fmt.csv", "11eb2aa27dd61a5ba62b955f08e044a0", 7659, model.Tabular, "text/plain", "csv", "", [2]uint64{2, 30}, "", "tabular"},
		{"csvs/spam_ham_data_w_quote.tsv", "9cf6c40e78eb1e646b9352f1c0a13ad3", 9246, model.Tabular, "text/plain", "tsv", "", [2]uint64{2, 100}, "", "tabular"},
		{"csvs/test_cifar_2x10000.csv", "98ec0f889cebc93b18c861fe9baea24c", 278900, model.Tabular, "text/plain", "csv", "", [2]uint64{2, 10000}, "", "tabular"},
		{"csvs/test_cifar_2x9999.csv", "8b9636fb5c2ef23391fc7be09e5db637", 268879, model.Tabular, "text/plain", "csv", "", [2]uint64{2, 9999}, "", "tabular"},
		{"csvs/train_cifar_2x50000.csv", "b026838e4c8f2adb10fa703f3c537e11", 1438901, model.Tabular, "text/plain", "csv", "", [2]uint64{2, 50000}, "", "tabular"},
		{"csvs/train_cifar_5x50000.csv", "79b85b520c4507203df4928cd46908d1", 1639510, model.Tabular, "text/plain", "csv", "", [2]uint64{5, 50000}, "", "tabular"},
		{"data/image_cache.tsv", "e99b68ffcf495c3a0945e315d8fa93b0", 147, model.Tabular, "text/plain", "tsv", "", [2]uint64{6, 1}, "", "tabular"},
		{"text/test.jsonl", "39af02f2bfed4926ffe52ae6358695c2", 110, model.Tabular, "text/plain", "jsonl", "", [2]uint64{3, 2}, "", "tabular"},
		{"text/test.json", "5865c75723245610db14315214267f01", 112, model.Tabular, "text/plain", "json", "", [2]uint64{3, 2}, "", "tabular"},
		{"json/tabular.json", "1763c99dae796b822b7d4a4d7b5155a4", 974, model.Tabular, "text/plain", "json", "", [2]uint64{2, 9}, "", "tabular"},
		{"parquet/wiki_1k.parquet", "27cce78be8261c9b1a8217fde0b689de", 21116, model.Tabular, "application/octet-stream", "parquet", "", [2]uint64{3, 1024}, "", "tabular"},
		{"parquet/binary_col.parquet", "59dc201e61756cee5b1cc6a14f209d74", 86007, model.Tabular, "application/octet-stream", "parquet", "", [2]uint64{}, "", "tabular"},
		{"parquet/sft 100.parquet", "c9d16292699bf28fcf5bf3bdf1066e49", 99285, model.Tabular, "application/octet-stream", "parquet", "", [2]uint64{}, "", "tabular"},
		{"parquet/wiki_30k.parquet", "b99fe3a546e45059626e2f7c878de2ad", 285448, model.Tabular, "application/octet-stream", "parquet", "", [2]uint64{}, "", "tabular"},
		{"data/invalid.parquet", "87566df36efbbc291d54acd06a482a5", 10, model.Binary, "application/octet-stream", "parquet", "null", [2]uint64{}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			p := filepath.Join(dir, filepath.FromSlash(c.path))
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			info := describeBytes(t, c.path, b)
			if info.Hash != c.hash || info.Size != c.size || info.MimeType != c.mime || info.Extension != c.ext {
				t.Errorf("got hash %s size %d mime %q ext %q, want %s %d %q %q",
					info.Hash, info.Size, info.MimeType, info.Extension, c.hash, c.size, c.mime, c.ext)
			}
			// The extractor's own error, shown when the data type is wrong.
			var extErr error
			f := bytes.NewReader(b)
			switch c.extractor {
			case "videometa":
				_, extErr = videometa.Read(f, int64(len(b)))
			case "audiometa":
				_, extErr = audiometa.Read(f, int64(len(b)), c.ext)
			case "tabular":
				_, extErr = tabular.Read(f, int64(len(b)), c.ext, tabular.LineCount{
					Newlines: uint64(bytes.Count(b, []byte{'\n'})), EndsWithNewline: bytes.HasSuffix(b, []byte{'\n'}),
				})
			}
			if info.DataType != c.dt {
				t.Fatalf("data type %q, want %q (metadata %s, extractor error %v)", info.DataType, c.dt, metaJSON(t, info.Metadata), extErr)
			}
			got := metaJSON(t, info.Metadata)
			switch {
			case c.meta != "":
				if got != c.meta {
					t.Errorf("metadata\n got %s\nwant %s", got, c.meta)
				}
			case c.dt == model.Tabular:
				if info.Metadata == nil || info.Metadata.Tabular == nil {
					t.Fatalf("metadata %s, want tabular", got)
				}
				if tm := info.Metadata.Tabular; c.tab != [2]uint64{} && (tm.Width != c.tab[0] || tm.Height != c.tab[1]) {
					t.Errorf("tabular %dx%d, want %dx%d", tm.Width, tm.Height, c.tab[0], c.tab[1])
				}
			}
			if c.combined != "" {
				h, _ := oxhash.ParseHex(info.Hash)
				ch, err := model.CombinedHash(h, info.Metadata)
				if err != nil {
					t.Fatal(err)
				}
				if oxhash.Hex(ch) != c.combined {
					t.Errorf("combined hash %s, want %s", oxhash.Hex(ch), c.combined)
				}
			}
		})
	}
}

// TestGenerated covers formats and edge cases with small files built here.
func TestGenerated(t *testing.T) {
	ascii4095 := strings.Repeat("a", 4095)
	cases := []struct {
		name, content string
		dt            model.DataType
		mime, ext     string
		meta          string
	}{
		{"empty.txt", "", model.Text, "text/plain", "txt", `{"text":{"num_lines":1,"num_chars":0}}`},
		{"crlf.txt", "a\r\nb\r\n", model.Text, "text/plain", "txt", `{"text":{"num_lines":3,"num_chars":6}}`},
		{"bom.txt", "\ufeffhi", model.Text, "text/plain", "txt", `{"text":{"num_lines":1,"num_chars":3}}`},
		{"straddle.txt", ascii4095 + "é" + "\n", model.Text, "text/plain", "txt", `{"text":{"num_lines":2,"num_chars":4097}}`},
		{"late-invalid.txt", ascii4095 + "a\xff\xfe", model.Text, "text/plain", "txt", `{"text":{"num_lines":1,"num_chars":4098}}`},
		{"early-invalid.txt", "ab\xff", model.Binary, "application/octet-stream", "txt", "null"},
		{"emoji.txt", "😀\n😀", model.Text, "text/plain", "txt", `{"text":{"num_lines":2,"num_chars":3}}`},
		{"my notes é.md", "# Title\n", model.Text, "text/markdown", "md", `{"text":{"num_lines":2,"num_chars":8}}`},
		{"dir/sub/NOTES.MD", "x", model.Text, "text/markdown", "MD", `{"text":{"num_lines":1,"num_chars":1}}`},
		{".bashrc", "export A=1\n", model.Text, "text/plain", "", `{"text":{"num_lines":2,"num_chars":11}}`},
		{".hidden.json", `[{"a":1}]`, model.Tabular, "text/plain", "json", ""},
		{"obj.json", `{"a":1}`, model.Text, "text/plain", "json", `{"text":{"num_lines":1,"num_chars":7}}`},
		{"upper.JSON", `[1]`, model.Text, "text/plain", "JSON", `{"text":{"num_lines":1,"num_chars":3}}`},
		{"X.CSV", "a,b\n1,2\n", model.Binary, "text/plain", "CSV", "null"}, // tabular, downgraded: Oxen's scan wants lowercase
		{"run.sh", "#!/bin/sh\necho hi\n", model.Text, "text/x-shellscript", "sh", `{"text":{"num_lines":3,"num_chars":18}}`},
		{"page.html", "<html><body>x</body></html>", model.Text, "text/html", "html", `{"text":{"num_lines":1,"num_chars":27}}`},
		{"feed.xml", "<?xml version=\"1.0\"?><a/>", model.Text, "text/xml", "xml", `{"text":{"num_lines":1,"num_chars":25}}`},
		{"mz.txt", "MZ is where I live", model.Binary, "application/vnd.microsoft.portable-executable", "txt", "null"},
		{"bm.txt", "BMW", model.Image, "image/bmp", "txt", "null"},
		{"gif.txt", "GIFs are great", model.Image, "image/gif", "txt", "null"},
		{"ps.txt", "%!PS", model.Binary, "application/postscript", "txt", "null"},
		{"id3.txt", "ID3 tags are...", model.Audio, "audio/mpeg", "txt", "null"},
		{"ogg.txt", "OggS is a magic", model.Audio, "audio/ogg", "txt", "null"},
		{"heic.heic", "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", model.Image, "image/heif", "heic", "null"},
		{"fake.png", "\x89PNG but not really", model.Image, "image/png", "png", "null"},
		{"pdf.pdf", "%PDF-1.4\n", model.Binary, "application/pdf", "pdf", "null"},
		{"zip.zip", "PK\x03\x04\x00\x00", model.Binary, "application/zip", "zip", "null"},
		{"noext", "\x00\x01\x02\xff", model.Binary, "application/octet-stream", "", "null"},
		{"empty.csv", "", model.Binary, "text/plain", "csv", "null"},
		{"trailing.", "x", model.Text, "text/plain", "", `{"text":{"num_lines":1,"num_chars":1}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info := describeBytes(t, c.name, []byte(c.content))
			if info.DataType != c.dt || info.MimeType != c.mime || info.Extension != c.ext {
				t.Errorf("got %s %q ext %q, want %s %q %q", info.DataType, info.MimeType, info.Extension, c.dt, c.mime, c.ext)
			}
			if info.Hash != oxhash.SumHex([]byte(c.content)) || info.Size != uint64(len(c.content)) {
				t.Errorf("hash %s size %d", info.Hash, info.Size)
			}
			if got := metaJSON(t, info.Metadata); c.meta != "" && got != c.meta {
				t.Errorf("metadata %s, want %s", got, c.meta)
			}
		})
	}
}

func TestGeneratedImages(t *testing.T) {
	ihdr := []byte("IHDR\x00\x00\x00\x05\x00\x00\x00\x03\x08\x02\x00\x00\x00")
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d"), ihdr...)
	png = binary.BigEndian.AppendUint32(png, crc32.ChecksumIEEE(ihdr))
	png = append(png, "\x00\x00\x00\x00IDAT\x00\x00\x00\x00"...)
	info := describeBytes(t, "a.PNG", png)
	if got := metaJSON(t, info.Metadata); got != `{"image":{"width":5,"height":3,"color_space":"RGB"}}` || info.DataType != model.Image {
		t.Errorf("got %s %s", info.DataType, got)
	}
}

// TestStreamingEqualsOneShot feeds files in random chunk sizes.
func TestStreamingEqualsOneShot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := [][]byte{
		nil,
		[]byte("a"),
		[]byte(strings.Repeat("héllo\nwörld\r\n", 2000)), // > 8192: head is cut
		randomBytes(rng, 100_000),
	}
	a := NewAnalyzer()
	for i, in := range inputs {
		want, err := File("f.txt", bytes.NewReader(in), int64(len(in)), make([]byte, 1<<20), nil)
		if err != nil {
			t.Fatal(err)
		}
		for round := 0; round < 20; round++ {
			a.Reset()
			for rest := in; len(rest) > 0; {
				n := min(len(rest), 1+rng.IntN(9000))
				if round%3 == 0 {
					n = min(len(rest), 1+rng.IntN(9))
				}
				a.Write(rest[:n])
				rest = rest[n:]
			}
			got, err := a.Finish("f.txt", bytes.NewReader(in), int64(len(in)))
			if err != nil {
				t.Fatal(err)
			}
			if metaJSON(t, got.Metadata) != metaJSON(t, want.Metadata) || got.Hash != want.Hash ||
				got.MimeType != want.MimeType || got.DataType != want.DataType || got.Size != want.Size {
				t.Fatalf("input %d round %d: streaming %+v != one-shot %+v", i, round, got, want)
			}
			if !bytes.Equal(a.Head(), in[:min(len(in), 8192)]) {
				t.Fatalf("input %d: head differs", i)
			}
		}
	}
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func TestNonContinuation(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	b := randomBytes(rng, 1000)
	for start := 0; start < 9; start++ {
		for end := start; end < len(b); end += 1 + rng.IntN(50) {
			p := b[start:end]
			var want uint64
			for _, c := range p {
				if c&0xC0 != 0x80 {
					want++
				}
			}
			if got := nonContinuation(p); got != want {
				t.Fatalf("nonContinuation(b[%d:%d]) = %d, want %d", start, end, got, want)
			}
		}
	}
}

type failAfter struct {
	r     io.ReaderAt
	limit int64
}

var errDisk = errors.New("disk on fire")

func (f failAfter) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.limit {
		return 0, errDisk
	}
	return f.r.ReadAt(p, off)
}

func TestIOErrors(t *testing.T) {
	b := []byte("a,b\n1,2\n")
	if _, err := File("a.csv", failAfter{bytes.NewReader(b), 3}, int64(len(b)), make([]byte, 4), nil); !errors.Is(err, errDisk) {
		t.Errorf("File with a failing reader: %v", err)
	}
	if _, err := File("a.txt", bytes.NewReader(b), 100, nil, nil); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("File with a short reader: %v", err)
	}
	// Finish reads metadata through r: an image whose reader fails is an error, not null metadata.
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x05\x00\x00\x00\x03\x08\x02\x00\x00\x00")
	a := NewAnalyzer()
	a.Write(png)
	if _, err := a.Finish("a.png", failAfter{bytes.NewReader(png), 0}, int64(len(png))); !errors.Is(err, errDisk) {
		t.Errorf("Finish with a failing reader: %v", err)
	}
	if _, err := a.Finish("a.png", bytes.NewReader(png), 3); err == nil {
		t.Error("Finish with a size that differs from what was written must fail")
	}
}

func TestProgress(t *testing.T) {
	b := bytes.Repeat([]byte("x"), 10)
	var seen []int64
	if _, err := File("a", bytes.NewReader(b), 10, make([]byte, 4), func(n int64) { seen = append(seen, n) }); err != nil {
		t.Fatal(err)
	}
	if want := []int64{4, 8, 10}; !slicesEqual(seen, want) {
		t.Errorf("progress %v, want %v", seen, want)
	}
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDirCounts(t *testing.T) {
	infos := []model.FileInfo{{DataType: model.Binary}, {DataType: model.Text}, {DataType: model.Image}, {DataType: model.Text}}
	if got := metaJSON(t, DirCounts(infos)); got != `{"dir":{"data_types":[{"count":2,"data_type":"text"},{"count":1,"data_type":"image"},{"count":1,"data_type":"binary"}]}}` {
		t.Errorf("DirCounts = %s", got)
	}
	if got := metaJSON(t, DirCounts(nil)); got != `{"dir":{"data_types":[]}}` {
		t.Errorf("DirCounts(nil) = %s", got)
	}
}

func TestWriteDoesNotAllocate(t *testing.T) {
	a := NewAnalyzer()
	p := bytes.Repeat([]byte("abc\n"), 4096)
	if n := testing.AllocsPerRun(100, func() { a.Write(p) }); n != 0 {
		t.Errorf("Write allocates %.1f times", n)
	}
}
