//go:build unix

package failuretest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

// manyFiles is an upload of n tiny files spread over folders of 100.
func manyFiles(name string, n int) harness.Upload {
	u := harness.Upload{Namespace: "ft", Name: name, Author: "Failure Test", Email: "ft@example.com"}
	for i := 0; i < n; i++ {
		u.Files = append(u.Files, harness.File{
			Path:    fmt.Sprintf("d%03d/f%05d.txt", i/100, i),
			Content: []byte(fmt.Sprintf("file %d\n", i)),
		})
	}
	return u
}

// TestTenThousandParts sends many files in one request: no 1,000-part cap,
// every file stored, and the server's peak memory stays bounded. The
// default run sends 1,500 parts (past Go's ParseMultipartForm cap of 1,000)
// to keep the suite fast; OXDROP_FAILURETEST_FULL=1 sends 10,000, which
// takes minutes because the server fsyncs several objects per file.
func TestTenThousandParts(t *testing.T) {
	n := 1500
	if os.Getenv("OXDROP_FAILURETEST_FULL") != "" {
		n = 10000
	}
	data := filepath.Join(t.TempDir(), "data")
	s := start(t, data)
	u := manyFiles("many", n)
	began := time.Now()
	reply, err := harness.Create(context.Background(), s.URL, u.Body())
	if err != nil || reply.Status != 200 {
		t.Fatalf("%d files in one request: %v %v", n, reply, err)
	}
	var cr harness.CreateResponse
	if err := reply.JSON(&cr); err != nil {
		t.Fatal(err)
	}
	if len(cr.MetadataEntries) != n {
		t.Fatalf("%d metadata entries for %d files", len(cr.MetadataEntries), n)
	}
	t.Logf("%d files in one request: %s", n, time.Since(began).Round(time.Millisecond))

	// Every file is listed; a sample reads back (all 10,000 would only
	// test the GET endpoint 10,000 times).
	sample := u
	sample.Files = nil
	for i := 0; i < len(u.Files); i += 997 {
		sample.Files = append(sample.Files, u.Files[i])
	}
	sample.Files = append(sample.Files, u.Files[len(u.Files)-1])
	intact(t, s.URL, sample)

	peak, err := s.PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("server VmHWM after %d parts: %.1f MiB", n, float64(peak)/(1<<20))
	if peak > 64<<20 {
		t.Errorf("server peak memory %.1f MiB after a %d-file upload, over the 64 MiB target", float64(peak)/(1<<20), n)
	}
}

// TestTooManyParts checks -max-files: a clear 413 that names the limit, and
// nothing left behind.
func TestTooManyParts(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	s := start(t, data, "-max-files", "100")
	before, err := harness.Snapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	u := manyFiles("too-many", 10000)
	reply, err := harness.Create(ctx(t), s.URL, u.Body())
	if err != nil {
		t.Fatalf("the server should answer 413, not drop the connection: %v", err)
	}
	if reply.Status != 413 {
		t.Fatalf("10,000 files with -max-files 100: %s, want 413", reply)
	}
	var msg struct {
		Status        string `json:"status"`
		StatusMessage string `json:"status_message"`
	}
	if err := reply.JSON(&msg); err != nil {
		t.Fatal(err)
	}
	if msg.Status != "error" || !strings.Contains(msg.StatusMessage, "100") {
		t.Errorf("413 body %s: want status error and a message naming the limit of 100 files", reply.Body)
	}
	absent(t, s.URL, u.Namespace, u.Name)
	settles(t, data, before)

	// 100 files are within the limit.
	create(t, s.URL, manyFiles("just-enough", 100))
	noInternalErrors(t, s)
}
