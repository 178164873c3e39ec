package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/internal/testenv"
)

func fixturesDir(t *testing.T) string {
	t.Helper()
	return testenv.Fixtures(t)
}

type line struct {
	Path      string          `json:"path"`
	Filename  string          `json:"filename"`
	Hash      string          `json:"hash"`
	IsDir     *bool           `json:"is_dir"`
	Size      uint64          `json:"size"`
	DataType  string          `json:"data_type"`
	MimeType  string          `json:"mime_type"`
	Extension *string         `json:"extension"`
	Metadata  json.RawMessage `json:"metadata"`
}

func parseLines(t *testing.T, out string) []line {
	t.Helper()
	var ls []line
	for _, s := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if s == "" {
			continue
		}
		var l line
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %q: %v", s, err)
		}
		ls = append(ls, l)
	}
	return ls
}

func TestInspectFixtures(t *testing.T) {
	dir := fixturesDir(t)
	var out, errb bytes.Buffer
	if code := runInspect([]string{dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	ls := parseLines(t, out.String())
	if len(ls) < 45 {
		t.Fatalf("%d lines, want every fixture", len(ls))
	}
	if !sort.SliceIsSorted(ls, func(i, j int) bool { return ls[i].Path < ls[j].Path }) {
		t.Error("lines are not sorted by path")
	}
	byPath := map[string]line{}
	for _, l := range ls {
		byPath[l.Path] = l
		if l.IsDir == nil || *l.IsDir || l.Extension == nil || l.Filename != filepath.Base(l.Path) {
			t.Errorf("%s: bad entry %+v", l.Path, l)
		}
	}
	hello := byPath["text/hello.txt"]
	if hello.Hash != "1bfd09d1a433fb78117b4c7b1583d16d" || hello.Size != 5 || hello.DataType != "text" ||
		hello.MimeType != "text/plain" || *hello.Extension != "txt" || string(hello.Metadata) != `{"text":{"num_lines":1,"num_chars":5}}` {
		t.Errorf("hello.txt: %+v %s", hello, hello.Metadata)
	}
	if sp, ok := byPath["parquet/sft 100.parquet"]; !ok || sp.Filename != "sft 100.parquet" {
		t.Errorf("name with a space: %+v", sp)
	}
	if inv := byPath["data/invalid.parquet"]; inv.DataType != "binary" || string(inv.Metadata) != "null" {
		t.Errorf("invalid.parquet: %+v %s", inv, inv.Metadata)
	}
}

func TestInspectFileArgumentAndErrors(t *testing.T) {
	tmp := t.TempDir()
	a := filepath.Join(tmp, "a <b>.txt")
	if err := os.WriteFile(a, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(tmp, "d", "é")
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(sub, "z.md"), []byte("# z"), 0o644)
	os.WriteFile(filepath.Join(tmp, "d", "y.bin"), []byte{0xff}, 0o644)
	os.Symlink(filepath.Join(tmp, "missing"), filepath.Join(tmp, "d", "dangling"))

	var out, errb bytes.Buffer
	code := runInspect([]string{a, filepath.Join(tmp, "nope"), filepath.Join(tmp, "d")}, &out, &errb)
	if code != 1 {
		t.Errorf("exit %d, want 1 (some paths failed)", code)
	}
	for _, want := range []string{"oxdrop inspect: " + filepath.Join(tmp, "nope") + ": no such file or directory",
		"oxdrop inspect: " + filepath.Join(tmp, "d", "dangling") + ": no such file or directory"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr %q lacks %q", errb.String(), want)
		}
	}
	ls := parseLines(t, out.String())
	var paths []string
	for _, l := range ls {
		paths = append(paths, l.Path)
	}
	want := []string{filepath.ToSlash(a), "y.bin", "é/z.md"}
	sort.Strings(want)
	if strings.Join(paths, "|") != strings.Join(want, "|") {
		t.Errorf("paths %q, want %q", paths, want)
	}
	if !strings.Contains(out.String(), `"filename":"a <b>.txt"`) {
		t.Errorf("HTML characters must not be escaped: %s", out.String())
	}
}

func TestInspectUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runInspect(nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "Usage: oxdrop inspect") {
		t.Errorf("no args: exit %d, stderr %q", code, errb.String())
	}
	if commands["inspect"] == nil {
		t.Error(`commands["inspect"] is not registered`)
	}
}

// TestInspectBinary builds the command and checks it prints what the
// in-process run prints, with the same exit code.
func TestInspectBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	dir := fixturesDir(t)
	bin := filepath.Join(t.TempDir(), "oxdrop")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "inspect", filepath.Join(dir, "text"), filepath.Join(dir, "images", "mnist_7.png"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	var want, werr bytes.Buffer
	runInspect([]string{filepath.Join(dir, "text"), filepath.Join(dir, "images", "mnist_7.png")}, &want, &werr)
	if stdout.String() != want.String() {
		t.Errorf("binary printed\n%s\nin-process printed\n%s", stdout.String(), want.String())
	}
	if n := strings.Count(stdout.String(), "\n"); n != 8 {
		t.Errorf("%d lines, want 7 text fixtures + 1 image", n)
	}
	bad := exec.Command(bin, "inspect")
	if err := bad.Run(); err == nil || bad.ProcessState.ExitCode() != 2 {
		t.Errorf("no arguments: %v, want exit 2", err)
	}
}
