// Package testfile holds helpers the core's format readers share in their
// tests: reading Oxen's fixtures (through testenv, which skips or, with CI
// set, fails when they are absent) and
// virtual multi-GiB files that count the bytes a reader touches.
package testfile

import (
	"os"
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/internal/testenv"
)

// FixtureDir is Oxen's fixture folder (testenv.FixturesPath) joined with
// elem.
func FixtureDir(elem ...string) string {
	return testenv.FixturesPath(elem...)
}

// Read returns the file at path. A path under the fixture folder when that
// folder is absent ends the test through testenv.Missing (the fixtures live
// outside the repository); any other error fails it.
func Read(t testing.TB, path string) []byte {
	t.Helper()
	if strings.HasPrefix(path, FixtureDir()) {
		testenv.Fixtures(t)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Virtual is a large file that exists only as a head, a repeated filler
// (zeros when empty) and a tail. It counts the bytes read through it, so a
// test can prove a reader touched only headers and footers.
type Virtual struct {
	Head, Fill, Tail []byte
	Size             int64
	Read             int64 // bytes requested through ReadAt so far
}

// ReadAt serves any range of the virtual file.
func (v *Virtual) ReadAt(p []byte, off int64) (int, error) {
	v.Read += int64(len(p))
	tailStart := v.Size - int64(len(v.Tail))
	for i := range p {
		o := off + int64(i)
		switch {
		case o < int64(len(v.Head)):
			p[i] = v.Head[o]
		case o >= tailStart:
			p[i] = v.Tail[o-tailStart]
		case len(v.Fill) == 0:
			p[i] = 0
		default:
			p[i] = v.Fill[(o-int64(len(v.Head)))%int64(len(v.Fill))]
		}
	}
	return len(p), nil
}

// Check is the assertion of the readers' table tests: with wantErr set, err
// must contain it; otherwise err must be nil and *got must equal want.
func Check[T comparable](t testing.TB, got *T, err error, want T, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if *got != want {
		t.Errorf("got %+v, want %+v", *got, want)
	}
}
