package describe

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/core/classify"
	"github.com/oxdrop/oxdrop/core/model"
)

// analyze feeds b to a in chunks of random sizes (1..maxChunk), calling
// Begin(name) first when begin is set and Reset otherwise, then Finishes
// under finishName. counted says whether every byte was counted.
func analyze(t testing.TB, a *Analyzer, begin bool, name, finishName string, b []byte, rng *rand.Rand, maxChunk int) (info model.FileInfo, counted bool) {
	t.Helper()
	if begin {
		a.Begin(name)
	} else {
		a.Reset()
	}
	for rest := b; len(rest) > 0; {
		n := min(len(rest), 1+rng.IntN(maxChunk))
		a.Write(rest[:n])
		rest = rest[n:]
	}
	counted = !a.skipped
	info, err := a.Finish(finishName, bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Finish(%q): %v", finishName, err)
	}
	return info, counted
}

func infoJSON(t testing.TB, info model.FileInfo) string {
	t.Helper()
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withHead returns head followed by random bytes up to n bytes in all.
func withHead(rng *rand.Rand, head string, n int) []byte {
	return append([]byte(head), randomBytes(rng, n-len(head))...)
}

// textLines returns n bytes of UTF-8 lines (multi-byte runes included).
func textLines(line string, n int) []byte {
	return []byte(strings.Repeat(line, n/len(line)+1))[:n]
}

type beginCase struct {
	name      string
	b         []byte
	wantCount bool // whether counting must go on past the head
}

func beginCases(rng *rand.Rand) []beginCase {
	const h = classify.HeadLen
	binaryHeadCSV := append(randomBytes(rng, h), textLines("1,2,3\n", 20_000)...)
	invalidUTF8CSV := append(append([]byte("a,b\n1,2\n\xff\xfe,3\n"), textLines("4,5\n", h)...), textLines("6,7\n", 9000)...)
	return []beginCase{
		{"notes.txt", textLines("héllo wörld ✓\n", 3*h+17), true},
		{"README.md", textLines("# title\nsome text\n", h), true},
		{"short.txt", []byte("one line, no newline"), true},
		{"empty.txt", nil, true},
		{"data.csv", append([]byte("a,b,c\n"), textLines("1,héllo,3\n", 5*h)...), true},
		{"X.CSV", append([]byte("a,b,c\n"), textLines("1,2,3\n", 2*h+1)...), true},
		{"t.tsv", append([]byte("a\tb\n"), textLines("1\t2\n", 3*h)...), true},
		{"rows.jsonl", textLines("{\"a\":1,\"b\":\"ü\"}\n", 4*h), true},
		{"rows.ndjson", textLines("{\"a\":2}\n", h-1), true},
		{"table.json", append([]byte("["), append(textLines("{\"a\":1},", 3*h), []byte("{\"a\":1}]")...)...), true},
		{"object.json", append([]byte("{\"k\":\""), append(textLines("vålue ", 3*h), []byte("\"}")...)...), true},
		{"binary-head.csv", binaryHeadCSV, true},
		{"invalid-utf8.csv", invalidUTF8CSV, true},
		{"photo.png", withHead(rng, "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00", 5*h), false},
		{"photo.jpg", withHead(rng, "\xff\xd8\xff\xe0\x00\x10JFIF\x00", 3*h+5), false},
		{"clip.mp4", withHead(rng, "\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isom", 4*h), false},
		{"random.bin", randomBytes(rng, 10*h+3), false},
		{"random-short.bin", randomBytes(rng, h-1), true}, // head never full: counts all
		{"random-exact.bin", randomBytes(rng, h), false},
		{"random-plus-one.bin", randomBytes(rng, h+1), false},
		{"random.csv", randomBytes(rng, 3*h), true}, // tabular by extension
		{"noext", randomBytes(rng, 2*h), false},
	}
}

// TestBeginEqualsFullCount checks that knowing the name up front (which
// may stop counting) changes nothing in the result: the FileInfo's JSON is
// byte-identical to the one of the full-count path, for every chunking.
func TestBeginEqualsFullCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a, ref := NewAnalyzer(), NewAnalyzer()
	for _, tc := range beginCases(rng) {
		t.Run(tc.name, func(t *testing.T) {
			ri, _ := analyze(t, ref, false, tc.name, tc.name, tc.b, rng, 1<<20)
			want := infoJSON(t, ri)
			for round := 0; round < 12; round++ {
				maxChunk := []int{1 << 20, 9000, 700, 13}[round%4]
				info, counted := analyze(t, a, true, tc.name, tc.name, tc.b, rng, maxChunk)
				if got := infoJSON(t, info); got != want {
					t.Fatalf("round %d (chunks up to %d): with Begin\n%s\nwithout\n%s", round, maxChunk, got, want)
				}
				if counted != tc.wantCount {
					t.Fatalf("round %d: counted every byte = %v, want %v", round, counted, tc.wantCount)
				}
			}
			if info := describeBytes(t, tc.name, tc.b); infoJSON(t, info) != want {
				t.Fatalf("File (which calls Begin) gives\n%s\nwant\n%s", infoJSON(t, info), want)
			}
		})
	}
}

// TestBeginEqualsFullCountFixtures does the same for the real Oxen fixtures.
func TestBeginEqualsFullCountFixtures(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	a, ref := NewAnalyzer(), NewAnalyzer()
	n := 0
	err := filepath.WalkDir(fixtureDir(t), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		name := d.Name()
		ri, _ := analyze(t, ref, false, name, name, b, rng, 1<<20)
		want := infoJSON(t, ri)
		gi, _ := analyze(t, a, true, name, name, b, rng, 5000)
		if got := infoJSON(t, gi); got != want {
			t.Errorf("%s: with Begin\n%s\nwithout\n%s", p, got, want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no fixture files found")
	}
}

// TestFinishUnderAnotherName: counting stopped under Begin's name, but
// Finish's name makes the file tabular, so Finish recounts from its reader
// and the result is the full-count one for Finish's name.
func TestFinishUnderAnotherName(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	invalidUTF8CSV := append(append([]byte("a,b\n1,2\n\xff\xfe,3\n"), textLines("4,5\n", classify.HeadLen)...), textLines("6,7\n", 9000)...)
	cases := []struct {
		begin, finish string
		b             []byte
	}{
		{"rows.dat", "rows.csv", invalidUTF8CSV},
		{"rows.dat", "rows.jsonl", invalidUTF8CSV},
		{"noise.bin", "noise.csv", randomBytes(rng, 5*classify.HeadLen)},
		{"noise.bin", "other.bin", randomBytes(rng, 5*classify.HeadLen)}, // no recount needed
	}
	a, ref := NewAnalyzer(), NewAnalyzer()
	for _, tc := range cases {
		ri, _ := analyze(t, ref, false, tc.finish, tc.finish, tc.b, rng, 1<<20)
		want := infoJSON(t, ri)
		a.Begin(tc.begin)
		for rest := tc.b; len(rest) > 0; rest = rest[min(len(rest), 3000):] {
			a.Write(rest[:min(len(rest), 3000)])
		}
		if !a.skipped {
			t.Fatalf("%s: counting did not stop under the name %q", tc.finish, tc.begin)
		}
		info, err := a.Finish(tc.finish, bytes.NewReader(tc.b), int64(len(tc.b)))
		if err != nil {
			t.Fatalf("Finish(%q): %v", tc.finish, err)
		}
		if got := infoJSON(t, info); got != want {
			t.Errorf("Begin(%q) then Finish(%q):\n%s\nwant\n%s", tc.begin, tc.finish, got, want)
		}
	}
}

// TestRecountReadError: a reader failing during the recount is an error
// that names the file, not silently wrong counts.
func TestRecountReadError(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	b := randomBytes(rng, 4*classify.HeadLen)
	a := NewAnalyzer()
	a.Begin("noise.bin")
	a.Write(b)
	_, err := a.Finish("noise.csv", failAfter{bytes.NewReader(b), int64(classify.HeadLen)}, int64(len(b)))
	if err == nil || !strings.Contains(err.Error(), "noise.csv") || !errors.Is(err, errDisk) {
		t.Fatalf("Finish with a failing reader: %v", err)
	}
}
