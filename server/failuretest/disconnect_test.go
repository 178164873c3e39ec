//go:build unix

package failuretest

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

// TestDisconnectMidPart abandons uploads at several points (the client's
// connection closes mid-part) and checks that each leaves no trace and that
// the same name can be created right after, on the same running server.
func TestDisconnectMidPart(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	s := start(t, data)
	keep := upload("keep", 1)
	create(t, s.URL, keep)

	const header = 700
	points := []struct {
		name string
		at   func(length int64) int64
	}{
		{"in the new_repo part", func(int64) int64 { return 150 }},
		{"in the first file", func(int64) int64 { return header + 1<<20 }},
		{"in the second file", func(int64) int64 { return header + 2<<20 + 100000 }},
		{"in a small file", func(n int64) int64 { return n - 20000 }},
		{"before the closing boundary", func(n int64) int64 { return n - 5 }},
	}
	for i, p := range points {
		t.Run(p.name, func(t *testing.T) {
			u := upload(fmt.Sprintf("cut-%d", i), uint64(10+i))
			u.Manifest = i%2 == 1 // the web app's path: blobs go straight to their final keys
			before, err := harness.Snapshot(data)
			if err != nil {
				t.Fatal(err)
			}
			body := u.Body()
			body.Reader = harness.Cut(body.Reader, p.at(body.Length), nil)
			reply, err := harness.Create(ctx(t), s.URL, body)
			if err == nil {
				t.Fatalf("an upload cut after %d of %d bytes got a reply: %s", p.at(body.Length), body.Length, reply)
			}
			if !errors.Is(err, harness.ErrCut) {
				t.Logf("client error: %v", err)
			}
			absent(t, s.URL, u.Namespace, u.Name)
			settles(t, data, before)
			create(t, s.URL, u)
			intact(t, s.URL, u)
		})
	}
	intact(t, s.URL, keep)
	noInternalErrors(t, s)
}
