package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/oxdrop/oxdrop/core/describe"
	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/oxhash"
)

// hashAnalyzer stands in for describe.Analyzer: it hashes what it is fed
// and records the chunk sizes and what Finish was given.
type hashAnalyzer struct {
	d          *oxhash.Digest
	writes     []int
	finishName string
	finishSize int64
	head       []byte // first 4 bytes read back through the ReaderAt in Finish
	writeErr   error
	resets     int
	beginName  string
}

func newHashAnalyzer() *hashAnalyzer { return &hashAnalyzer{d: oxhash.New()} }

func (h *hashAnalyzer) Begin(name string) {
	h.d.Reset()
	h.writes = nil
	h.resets++
	h.beginName = name
}
func (h *hashAnalyzer) Write(p []byte) (int, error) {
	if h.writeErr != nil {
		return 0, h.writeErr
	}
	h.writes = append(h.writes, len(p))
	return h.d.Write(p)
}
func (h *hashAnalyzer) Finish(name string, r io.ReaderAt, size int64) (model.FileInfo, error) {
	h.finishName, h.finishSize = name, size
	h.head = make([]byte, min(4, size))
	if _, err := r.ReadAt(h.head, 0); err != nil && size > 0 {
		return model.FileInfo{}, err
	}
	return model.FileInfo{Hash: oxhash.Hex(h.d.Sum128()), Size: uint64(size), DataType: model.Binary}, nil
}

// memFile is an in-memory File; failAt makes reads covering that offset fail.
type memFile struct {
	b      []byte
	size   int64 // reported size; may differ from len(b) to simulate a shrinking file
	failAt int64
	reads  int
}

func newMemFile(b []byte) *memFile { return &memFile{b: b, size: int64(len(b)), failAt: -1} }

func (m *memFile) Size() int64 { return m.size }
func (m *memFile) ReadAt(p []byte, off int64) (int, error) {
	m.reads++
	if m.failAt >= 0 && off <= m.failAt && m.failAt < off+int64(len(p)) {
		return 0, errors.New("NotReadableError: the file changed on disk")
	}
	return bytes.NewReader(m.b).ReadAt(p, off)
}

// fakeClock advances by step on every call.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Unix(0, 0)
	return func() time.Time { t = t.Add(step); return t }
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>9)
	}
	return b
}

func TestDescribeChunksAndHash(t *testing.T) {
	tests := []struct {
		name      string
		size      int
		chunk     int
		wantChunk int // chunk size after clamping
		wantN     int // number of writes
	}{
		{"empty", 0, MinChunk, MinChunk, 0},
		{"one byte", 1, MinChunk, MinChunk, 1},
		{"exact chunk", MinChunk, MinChunk, MinChunk, 1},
		{"chunk plus one", MinChunk + 1, MinChunk, MinChunk, 2},
		{"clamped up", 3*MinChunk + 5, 1, MinChunk, 4},
		{"clamped down", MaxChunk + 1, 64 << 20, MaxChunk, 2},
		{"default", 2*DefaultChunk + 17, DefaultChunk, DefaultChunk, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := pattern(tt.size)
			a := newHashAnalyzer()
			e := New(a, tt.chunk)
			if e.ChunkSize() != tt.wantChunk {
				t.Fatalf("ChunkSize() = %d, want %d", e.ChunkSize(), tt.wantChunk)
			}
			info, err := e.Describe(newMemFile(data), nil, "dir/sub/file.bin", nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := oxhash.SumHex(data); info.Hash != want {
				t.Errorf("hash %s, want %s", info.Hash, want)
			}
			if len(a.writes) != tt.wantN {
				t.Errorf("%d writes %v, want %d", len(a.writes), a.writes, tt.wantN)
			}
			for i, w := range a.writes {
				if w > tt.wantChunk || (i < len(a.writes)-1 && w != tt.wantChunk) {
					t.Errorf("write %d has %d bytes (chunk %d)", i, w, tt.wantChunk)
				}
			}
			if a.finishName != "file.bin" || a.finishSize != int64(tt.size) {
				t.Errorf("Finish(%q, %d), want (\"file.bin\", %d)", a.finishName, a.finishSize, tt.size)
			}
			if a.beginName != a.finishName {
				t.Errorf("Begin(%q) but Finish(%q): the names must match", a.beginName, a.finishName)
			}
			if !bytes.Equal(a.head, data[:min(4, len(data))]) {
				t.Errorf("Finish read %x through the ReaderAt, want %x", a.head, data[:min(4, len(data))])
			}
		})
	}
}

func TestDescribeReusesEngine(t *testing.T) {
	a := newHashAnalyzer()
	e := New(a, MinChunk)
	for _, s := range []string{"first file, longer", "second"} {
		info, err := e.Describe(newMemFile([]byte(s)), nil, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := oxhash.SumHex([]byte(s)); info.Hash != want {
			t.Errorf("%q: hash %s, want %s (state leaked between files?)", s, info.Hash, want)
		}
	}
	if a.resets != 2 {
		t.Errorf("analyzer reset %d times, want once per file", a.resets)
	}
}

func TestDescribeProgressIsThrottled(t *testing.T) {
	const chunks = 40
	tests := []struct {
		name string
		step time.Duration // clock advance per reading
		want int           // reports, the final one included
	}{
		{"slow reads report every chunk", ProgressInterval, chunks},
		{"fast reads report every other chunk", ProgressInterval / 2, chunks / 2},
		{"instant reads report only the end", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(newHashAnalyzer(), MinChunk)
			e.now = fakeClock(tt.step)
			size := int64(chunks * MinChunk)
			var got [][2]int64
			_, err := e.Describe(newMemFile(pattern(int(size))), nil, "a", func(done, total int64) {
				got = append(got, [2]int64{done, total})
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Fatalf("%d progress reports, want %d: %v", len(got), tt.want, got)
			}
			prev := int64(0)
			for _, p := range got {
				if p[1] != size || p[0] <= prev || p[0]%MinChunk != 0 {
					t.Fatalf("bad report %v after %d", p, prev)
				}
				prev = p[0]
			}
			if prev != size {
				t.Errorf("last report %d, want %d", prev, size)
			}
		})
	}
}

// TestDescribeReadsSmallFilesOnce: a file that fits in one chunk is read
// once (from the stream) and finished from the buffer, with no progress
// report; a larger one is finished through the File and reports its end.
func TestDescribeReadsSmallFilesOnce(t *testing.T) {
	tests := []struct {
		name          string
		size          int
		wantFileReads bool
		wantProgress  int
	}{
		{"empty", 0, false, 0},
		{"tiny", 10, false, 0},
		{"exactly one chunk", MinChunk, false, 0},
		{"one byte over a chunk", MinChunk + 1, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := pattern(tt.size)
			f := newMemFile(data)
			a := newHashAnalyzer()
			progress := 0
			info, err := New(a, MinChunk).Describe(f, bytes.NewReader(data), "x.bin", func(int64, int64) { progress++ })
			if err != nil {
				t.Fatal(err)
			}
			if want := oxhash.SumHex(data); info.Hash != want {
				t.Errorf("hash %s, want %s", info.Hash, want)
			}
			if !bytes.Equal(a.head, data[:min(4, tt.size)]) {
				t.Errorf("Finish read head %x, want %x", a.head, data[:min(4, tt.size)])
			}
			if (f.reads > 0) != tt.wantFileReads {
				t.Errorf("%d reads through the File, want reads: %v", f.reads, tt.wantFileReads)
			}
			if progress != tt.wantProgress {
				t.Errorf("%d progress reports, want %d", progress, tt.wantProgress)
			}
		})
	}
}

// DescribeBytes (small files, read whole by the worker) answers exactly what
// Describe answers for the same bytes, with the core's real analyzer.
func TestDescribeBytesMatchesDescribe(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x07\x00\x00\x00\x05\x08\x02\x00\x00\x00")
	files := map[string][]byte{
		"empty.csv":       nil,
		"a/t.txt":         []byte("one\ntwo\nthree\n"),
		"d/table.csv":     []byte("id,name,value\n1,a,2.5\n2,b,3.5\n"),
		"rows.jsonl":      []byte(`{"a":1,"b":"x"}` + "\n" + `{"a":2,"b":"y"}` + "\n"),
		"arr.json":        []byte(`[{"a":1},{"a":2}]`),
		"img/i.png":       append(png, pattern(300)...),
		"blob.bin":        pattern(5000),
		"broken.parquet":  []byte("PAR1 not really"),
		"deep/x/y/README": []byte("# title\n"),
	}
	for path, data := range files {
		want, wantErr := New(describe.NewAnalyzer(), MinChunk).Describe(newMemFile(data), nil, path, nil)
		got, err := DescribeBytes(describe.NewAnalyzer(), data, path)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%s: error %v, Describe's %v", path, err, wantErr)
		}
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(want)
		if !bytes.Equal(gotJSON, wantJSON) {
			t.Errorf("%s:\n got %s\nwant %s", path, gotJSON, wantJSON)
		}
	}
	// One analyzer serves file after file.
	a := describe.NewAnalyzer()
	for i := range 3 {
		for _, path := range []string{"d/table.csv", "blob.bin"} {
			got, _ := DescribeBytes(a, files[path], path)
			if want := oxhash.SumHex(files[path]); got.Hash != want {
				t.Fatalf("round %d, %s: hash %s, want %s", i, path, got.Hash, want)
			}
		}
	}
}

func TestDescribeErrors(t *testing.T) {
	data := pattern(3 * MinChunk)
	tests := []struct {
		name    string
		file    func() *memFile
		a       func() *hashAnalyzer
		wantErr string
	}{
		{"read fails mid-file", func() *memFile {
			f := newMemFile(data)
			f.failAt = MinChunk + 10
			return f
		}, newHashAnalyzer, "reading bytes 262144-524288: NotReadableError"},
		{"file shrank", func() *memFile {
			f := newMemFile(data[:MinChunk+5])
			f.size = int64(len(data))
			return f
		}, newHashAnalyzer, "file ended at byte 262149, before its size 786432"},
		{"negative size", func() *memFile {
			f := newMemFile(nil)
			f.size = -1
			return f
		}, newHashAnalyzer, "negative file size -1"},
		{"analyzer fails", func() *memFile { return newMemFile(data) }, func() *hashAnalyzer {
			a := newHashAnalyzer()
			a.writeErr = errors.New("boom")
			return a
		}, "analysing bytes 0-262144: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.a(), MinChunk).Describe(tt.file(), nil, "x.bin", nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// TestDescribeFromStream covers the browser's path: bytes arrive from a
// separate stream (the reader thread) in pieces of any size, while Finish
// still reads ranges through the File.
func TestDescribeFromStream(t *testing.T) {
	data := pattern(2*MinChunk + 1234)
	tests := []struct {
		name    string
		stream  func() io.Reader
		wantErr string
	}{
		{"whole chunks", func() io.Reader { return bytes.NewReader(data) }, ""},
		{"odd pieces", func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) }, ""},
		{"one byte at a time", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) }, ""},
		{"data and EOF together", func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) }, ""},
		{"stream fails", func() io.Reader {
			return io.MultiReader(bytes.NewReader(data[:MinChunk+7]), iotest.ErrReader(errors.New("NotFoundError: gone")))
		}, "reading bytes 262144-524288: NotFoundError: gone"},
		{"stream too short", func() io.Reader { return bytes.NewReader(data[:100]) }, "file ended at byte 100, before its size 525522"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newHashAnalyzer()
			info, err := New(a, MinChunk).Describe(newMemFile(data), tt.stream(), "s.bin", nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := oxhash.SumHex(data); info.Hash != want {
				t.Errorf("hash %s, want %s", info.Hash, want)
			}
			if fmt.Sprint(a.writes) != fmt.Sprint([]int{MinChunk, MinChunk, 1234}) {
				t.Errorf("writes %v: the analyzer must get whole chunks whatever the stream's pieces", a.writes)
			}
		})
	}
}

func TestBaseName(t *testing.T) {
	for in, want := range map[string]string{
		"a.csv": "a.csv", "dir/a.csv": "a.csv", "d.x/y/README": "README", "": "", "dir/": "",
	} {
		if got := BaseName(in); got != want {
			t.Errorf("BaseName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPreviewSkipsNonTabular(t *testing.T) {
	for _, p := range []string{"a.png", "README", "dir.csv/notes.txt", "x.jsonx"} {
		tbl, err := Preview(newMemFile([]byte("a,b\n1,2\n")), p, 5)
		if tbl != nil || err != nil {
			t.Errorf("Preview(%q) = %v, %v; want nil, nil", p, tbl, err)
		}
	}
	if _, err := Preview(newMemFile([]byte("a,b\n")), "a.csv", 0); err == nil {
		t.Error("Preview with maxRows 0 succeeded, want an error")
	}
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name  string
		valid bool
	}{
		{"my-repo", true}, {"a1", true}, {"x", false}, {"-bad", false}, {"has space", false}, {"", false},
	}
	for _, tt := range tests {
		msg := ValidateName(tt.name)
		if (msg == "") != tt.valid {
			t.Errorf("ValidateName(%q) = %q, want valid=%v", tt.name, msg, tt.valid)
		}
		if !tt.valid && !strings.Contains(msg, tt.name) {
			t.Errorf("ValidateName(%q) message %q does not name the input", tt.name, msg)
		}
	}
}

// CheckPaths applies core/repo's PathSet (whose rules are tested on the
// shared tables there, and in the browser by web/test/paths.test.js); here
// only what the page adds: replacing a listed path, checking a batch
// against the list and itself, one message per added path.
func TestCheckPaths(t *testing.T) {
	for _, tc := range []struct {
		listed, added, want []string
	}{
		{nil, nil, []string{}},
		{nil, []string{"a", "b/c", "a"}, []string{"", "", "Duplicate file path \"a\""}},
		{[]string{"a", "b/c"}, []string{"a"}, []string{""}},                             // replaces the listed a
		{[]string{"a"}, []string{"a", "a/b"}, []string{"", "puts a file inside \"a\""}}, // the replacement is still a file
		{[]string{"a/b"}, []string{"a", "a/b/c", "x\u202e"}, []string{"also a folder", "puts a file inside \"a/b\"", "U+202E"}},
		{[]string{"caf\u00e9/x"}, []string{"cafe\u0301/y", "A/x", "a/x"}, []string{"normalisation twin", "", ""}},
	} {
		got := CheckPaths(tc.listed, tc.added)
		if len(got) != len(tc.want) {
			t.Fatalf("CheckPaths(%q, %q) = %q, want %d messages", tc.listed, tc.added, got, len(tc.want))
		}
		for i, msg := range got {
			if (msg == "") != (tc.want[i] == "") || !strings.Contains(msg, tc.want[i]) {
				t.Errorf("CheckPaths(%q, %q)[%d] = %q, want %q", tc.listed, tc.added, i, msg, tc.want[i])
			}
		}
	}
}

func TestCheckPathsJSON(t *testing.T) {
	got, err := CheckPathsJSON(`[["a"],["a/b","\ud800"]]`)
	if err != nil || len(got) != 2 || !strings.Contains(got[0], "puts a file inside") || got[1] != "" {
		t.Errorf("got %q, %v", got, err)
	}
	for _, in := range []string{``, `{}`, `[["a"],[1]]`, `"a"`} {
		if _, err := CheckPathsJSON(in); err == nil || !strings.Contains(err.Error(), "[listed, added]") {
			t.Errorf("CheckPathsJSON(%s) error = %v", in, err)
		}
	}
}

// FuzzDescribeChunking checks that whatever the content and chunk size, the
// analyzer sees exactly the file's bytes in order, and progress only grows
// and ends on the size.
func FuzzDescribeChunking(f *testing.F) {
	f.Add([]byte(""), uint32(0), uint16(0))
	f.Add([]byte("hello"), uint32(MinChunk), uint16(3))
	f.Add(bytes.Repeat([]byte("ab\n"), 1000), uint32(1), uint16(7))
	f.Fuzz(func(t *testing.T, seed []byte, chunk uint32, repeat uint16) {
		data := bytes.Repeat(seed, int(repeat%300)+1)
		e := New(newHashAnalyzer(), int(chunk%(2*MaxChunk)))
		e.now = fakeClock(ProgressInterval / 3)
		last := int64(-1)
		info, err := e.Describe(newMemFile(data), nil, "f", func(done, total int64) {
			if done <= last || done > total || total != int64(len(data)) {
				t.Fatalf("progress %d/%d after %d", done, total, last)
			}
			last = done
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := oxhash.SumHex(data); info.Hash != want {
			t.Fatalf("hash %s, want %s", info.Hash, want)
		}
		// Files of one chunk report nothing; larger ones end on their size.
		if len(data) > e.ChunkSize() && last != int64(len(data)) {
			t.Fatalf("final progress %d, want %d", last, len(data))
		}
		if len(data) <= e.ChunkSize() && last != -1 {
			t.Fatalf("a file of one chunk reported progress %d", last)
		}
	})
}

// BenchmarkDescribe measures the chunk loop's own cost over memory (the
// browser's read is the real limit; this shows the loop adds nothing).
func BenchmarkDescribe(b *testing.B) {
	data := pattern(64 << 20)
	e := New(newHashAnalyzer(), DefaultChunk)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Describe(newMemFile(data), nil, "f.bin", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDescribeBytesSmallMixed is the engine's cost per file of a
// dataset folder's small files, as the page's small-file path calls it
// (DescribeBytes and the JSON answer): text, markdown, csv, a JSON array,
// JSONL and binary in rotation, a few hundred bytes to a few KiB each, all
// different (bench:many's mix, without its images).
func BenchmarkDescribeBytesSmallMixed(b *testing.B) {
	type file struct {
		path string
		data []byte
	}
	var files []file
	for i := range 600 {
		rows := 2 + i%40
		var sb strings.Builder
		var path string
		switch i % 6 {
		case 0:
			path = fmt.Sprintf("d/f%d.txt", i)
			for r := range rows {
				fmt.Fprintf(&sb, "line %d of a small text file, value %d\n", r, i*r)
			}
		case 1:
			path = fmt.Sprintf("d/f%d.md", i)
			fmt.Fprintf(&sb, "# Note %d\n\n", i)
			for r := range rows {
				fmt.Fprintf(&sb, "- item %d: %d\n", r, i*r)
			}
		case 2:
			path = fmt.Sprintf("d/f%d.csv", i)
			sb.WriteString("id,name,value,flag\n")
			for r := range rows {
				fmt.Fprintf(&sb, "%d,row %d,%d.%03d,%t\n", i*100+r, r, r*7, i%1000, r%2 == 0)
			}
		case 3:
			path = fmt.Sprintf("d/f%d.json", i)
			sb.WriteString("[")
			for r := range rows {
				if r > 0 {
					sb.WriteString(",")
				}
				fmt.Fprintf(&sb, `{"id":%d,"name":"row %d","value":%d.5}`, i*100+r, r, r)
			}
			sb.WriteString("]")
		case 4:
			path = fmt.Sprintf("d/f%d.jsonl", i)
			for r := range rows {
				fmt.Fprintf(&sb, `{"id":%d,"value":%d.25,"ok":%t}`+"\n", i*100+r, r, r%3 == 0)
			}
		default:
			path = fmt.Sprintf("d/f%d.bin", i)
			for r := range 256 + i%3840 {
				sb.WriteByte(byte(r*31 + i))
			}
		}
		files = append(files, file{path, []byte(sb.String())})
	}
	a := describe.NewAnalyzer()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := files[i%len(files)]
		i++
		info, err := DescribeBytes(a, f.data, f.path)
		if err != nil {
			b.Fatal(f.path, err)
		}
		if _, err := json.Marshal(info); err != nil {
			b.Fatal(err)
		}
	}
}

func TestClampChunk(t *testing.T) {
	for n, want := range map[int]int{-1: MinChunk, 0: MinChunk, 1: MinChunk, MinChunk: MinChunk, MinChunk + 1: MinChunk + 1, MaxChunk: MaxChunk, MaxChunk + 1: MaxChunk, 1 << 30: MaxChunk} {
		if got := ClampChunk(n); got != want {
			t.Errorf("ClampChunk(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestValidateAuthor(t *testing.T) {
	if m := ValidateAuthor("Bessie", "bessie@oxen.ai"); m != "" {
		t.Errorf("valid author: %q", m)
	}
	if m := ValidateAuthor(strings.Repeat("é", 128), "e"); !strings.Contains(m, "name is 256 bytes long, over the limit of 255 bytes") {
		t.Errorf("long name: %q", m)
	}
	if m := ValidateAuthor("a", "b\u0085"); !strings.Contains(m, "control character U+0085") {
		t.Errorf("control character: %q", m)
	}
}
