//go:build unix

package failuretest

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

// TestKillDuringUpload kills the server with SIGKILL at a different point of
// an upload in each round, restarts it on the same data, and checks that
// the killed creation left nothing (GET 404, the files on disk exactly those
// from before it once the start-up sweep ran), that the same name can then
// be created, and that the repositories created before are intact.
func TestKillDuringUpload(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	s := start(t, data)
	keep := []harness.Upload{upload("keep-1", 1), upload("keep-2", 2)}
	for _, u := range keep {
		create(t, s.URL, u)
	}

	const header = 700 // the new_repo, name and email parts come first
	rounds := []struct {
		name string
		at   func(length int64) int64
	}{
		{"in the first fields", func(int64) int64 { return 100 }},
		{"in the middle of the first file", func(int64) int64 { return header + 1<<20 }},
		{"at the start of the second file", func(int64) int64 { return header + 2<<20 + 300 }},
		{"in the middle of the second file", func(int64) int64 { return header + 3<<20 }},
		{"among the small files", func(n int64) int64 { return n - 40000 }},
		{"in the closing boundary", func(n int64) int64 { return n - 10 }},
	}
	for i, round := range rounds {
		t.Run(round.name, func(t *testing.T) {
			u := upload(fmt.Sprintf("killed-%d", i), uint64(10+i))
			u.Manifest = i%2 == 1 // the web app's path: blobs go straight to their final keys
			before, err := harness.Snapshot(data)
			if err != nil {
				t.Fatal(err)
			}
			body := u.Body()
			// The raw connection sends exactly `at` bytes; the pause lets
			// the server stream them into its staging area before the kill.
			conn, err := harness.SendPartial(s.URL, body, round.at(body.Length))
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			s.Kill()
			conn.Close()
			if err := s.Restart(); err != nil {
				t.Fatal(err)
			}
			absent(t, s.URL, u.Namespace, u.Name)
			settles(t, data, before)
			for _, k := range keep {
				intact(t, s.URL, k)
			}
			create(t, s.URL, u)
			intact(t, s.URL, u)
		})
	}

	// Last, the whole body is sent and the server is killed at once, racing
	// the publish: the repository must then be either whole or absent.
	for i, delay := range []time.Duration{0, 20 * time.Millisecond, 100 * time.Millisecond, 400 * time.Millisecond} {
		t.Run(fmt.Sprintf("after the whole body, %s", delay), func(t *testing.T) {
			u := upload(fmt.Sprintf("raced-%d", i), uint64(20+i))
			u.Manifest = i%2 == 0
			before, err := harness.Snapshot(data)
			if err != nil {
				t.Fatal(err)
			}
			body := u.Body()
			conn, err := harness.SendPartial(s.URL, body, body.Length)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			s.Kill()
			conn.Close()
			if err := s.Restart(); err != nil {
				t.Fatal(err)
			}
			reply, err := harness.GetRepo(ctx(t), s.URL, u.Namespace, u.Name)
			if err != nil {
				t.Fatal(err)
			}
			switch reply.Status {
			case http.StatusOK:
				t.Logf("the creation was published before the kill; checking it is whole")
				intact(t, s.URL, u)
			case http.StatusNotFound:
				t.Logf("the kill came before the publish; checking nothing is left")
				settles(t, data, before)
				create(t, s.URL, u)
				intact(t, s.URL, u)
			default:
				t.Fatalf("GET after the kill: %s", reply)
			}
			for _, k := range keep {
				intact(t, s.URL, k)
			}
		})
	}
}
