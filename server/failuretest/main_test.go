//go:build unix

package failuretest

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

// bin is the oxdrop binary built once for the whole package.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "oxdrop-failuretest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin, err = harness.Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// start runs the binary on a fresh port with data; it is killed when the
// test ends.
func start(t *testing.T, data string, args ...string) *harness.Server {
	t.Helper()
	s, err := harness.Start(bin, data, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Kill()
		if t.Failed() {
			t.Logf("server log (last 3000 bytes):\n%s", tail(s.Log(), 3000))
		}
	})
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// upload is a repository of a few files of mixed sizes (2 MiB, 3 MiB and
// 20 small ones) whose content depends on seed.
func upload(name string, seed uint64) harness.Upload {
	u := harness.Upload{Namespace: "ft", Name: name, Author: "Failure Test", Email: "ft@example.com"}
	u.Files = append(u.Files,
		harness.File{Path: "big/a.bin", Size: 2 << 20, Seed: seed*100 + 1},
		harness.File{Path: "big/b.bin", Size: 3 << 20, Seed: seed*100 + 2})
	for i := 0; i < 20; i++ {
		u.Files = append(u.Files, harness.File{Path: fmt.Sprintf("small/s%02d.txt", i), Size: 5000, Seed: seed*100 + 10 + uint64(i)})
	}
	return u
}

// create posts u and fails the test unless the reply is 200 with one entry
// per file.
func create(t *testing.T, base string, u harness.Upload) harness.CreateResponse {
	t.Helper()
	reply, err := harness.Create(ctx(t), base, u.Body())
	if err != nil {
		t.Fatalf("create %s/%s: %v", u.Namespace, u.Name, err)
	}
	if reply.Status != 200 {
		t.Fatalf("create %s/%s: %s", u.Namespace, u.Name, reply)
	}
	var cr harness.CreateResponse
	if err := reply.JSON(&cr); err != nil {
		t.Fatal(err)
	}
	if len(cr.MetadataEntries) != len(u.Files) || cr.Repository.LatestCommit == nil {
		t.Fatalf("create %s/%s: %d entries for %d files, latest_commit %v", u.Namespace, u.Name,
			len(cr.MetadataEntries), len(u.Files), cr.Repository.LatestCommit)
	}
	return cr
}

// intact checks that repository u is visible and every file reads back
// byte for byte.
func intact(t *testing.T, base string, u harness.Upload) {
	t.Helper()
	reply, err := harness.GetRepo(ctx(t), base, u.Namespace, u.Name)
	if err != nil || reply.Status != 200 {
		t.Fatalf("GET %s/%s: %v %v", u.Namespace, u.Name, reply, err)
	}
	if err := harness.CheckFiles(ctx(t), base, u); err != nil {
		t.Fatal(err)
	}
}

// absent checks that repository ns/name is not visible.
func absent(t *testing.T, base, ns, name string) {
	t.Helper()
	reply, err := harness.GetRepo(ctx(t), base, ns, name)
	if err != nil {
		t.Fatalf("GET %s/%s: %v", ns, name, err)
	}
	if reply.Status != 404 {
		t.Fatalf("GET %s/%s of a failed creation: %s, want 404", ns, name, reply)
	}
}

// settles waits (up to 10 s) until the files under data are exactly those
// of before: a failed request's cleanup may finish just after the client
// sees the failure. It fails the test with the difference otherwise.
func settles(t *testing.T, data string, before map[string]int64) {
	t.Helper()
	var added, removed []string
	for deadline := time.Now().Add(10 * time.Second); ; {
		after, err := harness.Snapshot(data)
		if err != nil {
			t.Fatal(err)
		}
		added, removed = harness.Diff(before, after)
		if len(added) == 0 && len(removed) == 0 {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("files left on disk after a failed creation: added %s; removed %s", list(added), list(removed))
}

func list(paths []string) string {
	if len(paths) == 0 {
		return "none"
	}
	if len(paths) > 20 {
		return fmt.Sprintf("%d files: %s ...", len(paths), strings.Join(paths[:20], ", "))
	}
	return strings.Join(paths, ", ")
}

// noInternalErrors fails the test if the server logged an internal error:
// a client's disconnect, a race or a limit is the client's doing, and must
// not read as a server fault in the operator's log.
func noInternalErrors(t *testing.T, s *harness.Server) {
	t.Helper()
	for _, line := range strings.Split(s.Log(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) {
			t.Errorf("the server logged an error: %s", line)
		}
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitReady polls GET / until it answers 200 (at most 20 s).
func waitReady(t *testing.T, base string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		resp, err := harness.HTTP.Get(base + "/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatalf("%s did not answer GET / within 20 s", base)
}
