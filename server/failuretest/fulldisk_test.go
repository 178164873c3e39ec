//go:build unix

package failuretest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/internal/testenv"
	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

// checkDiskFullReply wants a 5xx (ideally 507) JSON error that says the
// storage is full, not a generic message.
func checkDiskFullReply(t *testing.T, reply harness.Reply) {
	t.Helper()
	if reply.Status < 500 {
		t.Fatalf("upload onto a full disk: %s, want a 5xx (507) error", reply)
	}
	var msg struct {
		Status        string `json:"status"`
		StatusMessage string `json:"status_message"`
	}
	if err := reply.JSON(&msg); err != nil {
		t.Fatal(err)
	}
	m := strings.ToLower(msg.StatusMessage)
	if msg.Status != "error" || !(strings.Contains(m, "space") || strings.Contains(m, "full") || strings.Contains(m, "storage")) {
		t.Errorf("full disk reply %s: want status error and a message that says the storage is full", reply)
	}
	if reply.Status != 507 {
		t.Logf("full disk answered %d; 507 Insufficient Storage says it more precisely", reply.Status)
	}
}

// TestRealFullDisk runs the binary with -data on an 8 MiB tmpfs and uploads
// 16 MiB: a clear error, nothing left on the tmpfs, and a smaller upload
// works right after. It needs root to mount the tmpfs (testenv: skipped
// elsewhere, a failure with CI set).
func TestRealFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root (to mount a tmpfs)", "run the tests as root, as CI does")
	}
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt).CombinedOutput(); err != nil {
		testenv.Missing(t, fmt.Sprintf("a tmpfs mount (mount -t tmpfs: %v: %s)", err, bytes.TrimSpace(out)),
			"run as root where mounting is allowed (a container needs CAP_SYS_ADMIN, e.g. docker run --privileged)")
	}
	// Cleanups run last-registered first: the server (started below) is
	// killed before the unmount.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", mnt, err, out)
		}
	})
	data := filepath.Join(mnt, "data")
	s := start(t, data)
	keep := harness.Upload{Namespace: "ft", Name: "small-first", Author: "A", Email: "a@example.com",
		Files: []harness.File{{Path: "x/one.bin", Size: 1 << 20, Seed: 1}}}
	create(t, s.URL, keep)
	before, err := harness.Snapshot(data)
	if err != nil {
		t.Fatal(err)
	}

	// 7.5 MiB do not fit in the ~7 MiB left, and the bytes still unsent
	// when the disk fills are fewer than the server drains (1 MiB) before
	// it answers, so the client reads the reply instead of a reset.
	u := harness.Upload{Namespace: "ft", Name: "too-big", Author: "A", Email: "a@example.com",
		Files: []harness.File{
			{Path: "a.bin", Size: 3 << 20, Seed: 2},
			{Path: "b/c.bin", Size: 4<<20 + 512<<10, Seed: 3},
		}}
	reply, err := harness.Create(ctx(t), s.URL, u.Body())
	if err != nil {
		t.Fatalf("the server should answer, not drop the connection: %v", err)
	}
	checkDiskFullReply(t, reply)
	absent(t, s.URL, u.Namespace, u.Name)
	settles(t, data, before)
	intact(t, s.URL, keep)

	// The space was given back: a 4 MiB upload fits.
	fits := harness.Upload{Namespace: "ft", Name: "too-big", Author: "A", Email: "a@example.com",
		Files: []harness.File{{Path: "a.bin", Size: 4 << 20, Seed: 4}}}
	create(t, s.URL, fits)
	intact(t, s.URL, fits)
}
