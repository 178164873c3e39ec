//go:build unix

package failuretest

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

// TestConcurrentCreatesOneName races 24 creations of one name, each with its
// own content, through the real binary: exactly one 200, 23 409 "Repo
// already exists.", the repository holds the winner's bytes, and no loser's
// content is left on disk.
func TestConcurrentCreatesOneName(t *testing.T) {
	const n = 24
	data := filepath.Join(t.TempDir(), "data")
	s := start(t, data)
	uploads := make([]harness.Upload, n)
	for i := range uploads {
		uploads[i] = harness.Upload{Namespace: "ft", Name: "contested", Author: fmt.Sprintf("Writer %d", i), Email: "w@example.com",
			Files: []harness.File{
				{Path: "who.txt", Content: []byte(fmt.Sprintf("writer %d\n", i))},
				{Path: "data/blob.bin", Size: 256 << 10, Seed: uint64(1000 + i)},
			},
			Manifest: i%2 == 1, // both paths: blobs staged under uploads/, or straight to their final keys
		}
	}
	bodies := make([]harness.Body, n)
	for i := range bodies {
		bodies[i] = uploads[i].Body()
	}
	replies := make([]harness.Reply, n)
	errs := make([]error, n)
	var ready, wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		ready.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ready.Done()
			<-gate
			replies[i], errs[i] = harness.Create(ctx(t), s.URL, bodies[i])
		}()
	}
	ready.Wait()
	close(gate)
	wg.Wait()

	winner := -1
	for i := range n {
		switch {
		case errs[i] != nil:
			t.Errorf("create %d: %v", i, errs[i])
		case replies[i].Status == 200:
			if winner >= 0 {
				t.Errorf("two creations of one name succeeded: %d and %d", winner, i)
			}
			winner = i
		case replies[i].Status == 409:
			if !strings.Contains(string(replies[i].Body), "Repo already exists.") {
				t.Errorf("create %d: 409 body %s, want \"Repo already exists.\"", i, replies[i].Body)
			}
		default:
			t.Errorf("create %d: %s, want 200 or 409", i, replies[i])
		}
	}
	if winner < 0 {
		t.Fatal("no creation succeeded")
	}
	t.Logf("winner: writer %d", winner)
	intact(t, s.URL, uploads[winner])

	// Content-addressed blobs are named by hash; no loser's blob may stay
	// (a loser's cleanup may end just after its reply: wait up to 10 s).
	var left []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		files, err := harness.Snapshot(data)
		if err != nil {
			t.Fatal(err)
		}
		left = left[:0]
		for i, u := range uploads {
			if i == winner {
				continue
			}
			h := u.Files[1].Hash()
			for p := range files {
				if strings.Contains(p, h[2:]) {
					left = append(left, fmt.Sprintf("loser %d: %s", i, p))
				}
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(left) > 0 {
		t.Errorf("losers' blobs still on disk: %s", list(left))
	}
	noInternalErrors(t, s)
}
