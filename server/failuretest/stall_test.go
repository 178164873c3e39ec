//go:build unix

package failuretest

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

// TestSlowClientStall sends part of an upload and then nothing: the
// server's read timeout must close the connection, leave no partial
// repository, let the name be created, and leave no request handler
// running (checked in the goroutine dump the Go runtime prints on SIGQUIT).
func TestSlowClientStall(t *testing.T) {
	const timeout = time.Second
	data := filepath.Join(t.TempDir(), "data")
	s := start(t, data, "-read-timeout", timeout.String())
	u := harness.Upload{Namespace: "ft", Name: "stalled", Author: "Failure Test", Email: "ft@example.com",
		Files: []harness.File{
			{Path: "a/one.bin", Size: 256 << 10, Seed: 1},
			{Path: "a/two.bin", Size: 512 << 10, Seed: 2},
		}}
	before, err := harness.Snapshot(data)
	if err != nil {
		t.Fatal(err)
	}

	stalls := []struct {
		name string
		at   func(length int64) int64
	}{
		{"in the headers of the body", func(int64) int64 { return 60 }},
		{"in the middle of a file", func(int64) int64 { return 700 + 300<<10 }},
	}
	for _, st := range stalls {
		t.Run(st.name, func(t *testing.T) {
			body := u.Body()
			conn, err := harness.SendPartial(s.URL, body, st.at(body.Length))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			began := time.Now()
			_ = conn.SetReadDeadline(began.Add(timeout + 10*time.Second))
			// The server may answer (408, 400) or just close; either way the
			// connection must end, well before our own deadline.
			reply, err := io.ReadAll(io.LimitReader(conn, 4096))
			waited := time.Since(began)
			if err != nil && strings.Contains(err.Error(), "timeout") {
				t.Fatalf("the server kept a stalled connection open for %s (read timeout %s)", waited.Round(time.Millisecond), timeout)
			}
			if waited > timeout+5*time.Second {
				t.Errorf("the server freed a stalled connection after %s (read timeout %s)", waited.Round(time.Millisecond), timeout)
			}
			t.Logf("connection closed after %s; the server sent %q", waited.Round(time.Millisecond), firstLine(reply))
			if strings.Contains(firstLine(reply), " 500 ") {
				t.Errorf("a stalled client is answered as an internal error (500); the server log:\n%s", tail(s.Log(), 600))
			}
			absent(t, s.URL, u.Namespace, u.Name)
			settles(t, data, before)
		})
	}

	create(t, s.URL, u)
	intact(t, s.URL, u)

	// No handler may still be waiting on a stalled body.
	harness.HTTP.CloseIdleConnections()
	if stuck := handlerGoroutines(t, s.Quit()); len(stuck) > 0 {
		t.Errorf("%d request handlers still running after the stalled clients were freed:\n%s", len(stuck), strings.Join(stuck, "\n\n"))
	}

	// The check above can fail: with a long read timeout, a stalled
	// client's handler does show in the dump.
	t.Run("control: a stuck handler is seen", func(t *testing.T) {
		s := start(t, filepath.Join(t.TempDir(), "data"), "-read-timeout", "1h")
		body := u.Body()
		conn, err := harness.SendPartial(s.URL, body, 700+300<<10)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		time.Sleep(300 * time.Millisecond)
		if stuck := handlerGoroutines(t, s.Quit()); len(stuck) == 0 {
			t.Error("no handler goroutine in the dump while a client stalls mid-file: the dump check is blind")
		}
	})
}

// handlerGoroutines returns the goroutines of a SIGQUIT dump that are
// inside oxdrop's API handler.
func handlerGoroutines(t *testing.T, log string) []string {
	t.Helper()
	i := strings.Index(log, "goroutine ")
	if i < 0 {
		t.Fatalf("no goroutine dump after SIGQUIT; log:\n%s", tail(log, 2000))
	}
	var stuck []string
	for _, g := range strings.Split(log[i:], "\n\n") {
		if strings.Contains(g, "oxdrop/server/api.") {
			stuck = append(stuck, g)
		}
	}
	return stuck
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\r\n")
	return s
}
