//go:build unix

package failuretest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oxdrop/oxdrop/internal/testenv"
	"github.com/oxdrop/oxdrop/server/failuretest/harness"
)

// TestServerSyncsBeforeRename traces the real binary with strace while it
// creates a repository: every object must be fsynced before the rename of
// the record that publishes the repository (the record itself before its
// own rename), or a power cut after a 200 can leave empty or torn files
// under names that say they are whole (SIGKILL cannot show this: the page
// cache survives a killed process); and every rename must be followed by an
// fsync of the folder it renamed into, also before the publishing rename
// (that one's own folder after it), or a name can vanish. It needs strace
// (testenv: skipped without it, a failure with CI set).
func TestServerSyncsBeforeRename(t *testing.T) {
	strace := testenv.Tool(t, "strace", "apt-get install strace")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	trace := filepath.Join(dir, "trace")
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	cmd := exec.Command(strace, "-f", "-qq", "-y", "-o", trace, "-e", "trace=fsync,fdatasync,rename,renameat,renameat2",
		bin, "serve", "-addr", addr, "-data", data)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	// strace's child is the server: stop it first (killing strace alone
	// would leave it running, detached).
	stop := func() {
		for _, pid := range children(cmd.Process.Pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	t.Cleanup(stop)
	base := "http://" + addr
	waitReady(t, base)

	u := harness.Upload{Namespace: "ft", Name: "durable", Author: "A", Email: "a@example.com",
		Files: []harness.File{{Path: "a/b.bin", Size: 64 << 10, Seed: 1}, {Path: "c.txt", Content: []byte("c\n")}}}
	create(t, base, u)
	stop()

	calls := parseTrace(t, trace)
	// The record's rename publishes the repository: every name it
	// references must be durable before it, so the folder fsync for each
	// earlier rename must come before it too.
	publish := len(calls)
	for i, c := range calls {
		if strings.HasPrefix(c.name, "rename") && strings.Contains(c.args, "repos/ft/durable/repo.json") {
			publish = i
			break
		}
	}
	published := false
	for i, c := range calls {
		if !strings.HasPrefix(c.name, "rename") || !strings.Contains(c.args, data) {
			continue
		}
		if strings.Contains(c.args, "repos/ft/durable/repo.json") {
			published = true
		}
		// Whatever was renamed (and not moved on), its new name is durable
		// only once its folder is fsynced: a later fsync of that folder
		// must follow.
		if dst := lastQuoted(c.args); dst != "" && !movedOn(calls[i+1:], dst) {
			folder := filepath.Dir(dst)
			found := false
			until := len(calls)
			if i < publish {
				until = publish
			}
			for _, d := range calls[i+1 : until] {
				if (d.name == "fsync" || d.name == "fdatasync") && strings.Contains(d.args, "<"+folder+">") {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("rename without a later fsync of the folder %s before the repository is published (the new name can vanish in a power cut): %s(%s)", folder, c.name, c.args)
			}
		}
		if !strings.Contains(c.args, "/.oxdrop-tmp/") {
			continue // moving an object already in place (uploads/ to versions/)
		}
		// A freshly written object: its data must have been fsynced (strace
		// -y names the fd's file; Go moves goroutines between threads, so
		// any thread may have done it) before the repository is published:
		// by its temporary name before this rename, or by its final name
		// (or the name it was moved on to) after it. The record itself is
		// the commit point: it is fsynced before its own rename.
		names := []string{between(c.args, `"`, `"`)}
		for dst := lastQuoted(c.args); dst != ""; dst = movedTo(calls[i+1:], dst) {
			names = append(names, dst)
		}
		until := publish
		if i >= publish {
			until = i
		}
		if !fsyncedAny(calls[:until], names) {
			t.Errorf("object not fsynced before the repository is published (it is not durable when it becomes reachable): %s(%s)", c.name, c.args)
		}
	}
	if !published {
		t.Fatalf("no rename of the repository record in the trace; is the layout different? trace has %d calls", len(calls))
	}

	// The staging marker's name is durable before any of the creation's
	// data is renamed into place, so after a power cut the sweep still
	// knows what to delete.
	marker, firstData := -1, -1
	for i, c := range calls {
		if !strings.HasPrefix(c.name, "rename") {
			continue
		}
		dst := lastQuoted(c.args)
		if marker < 0 && strings.Contains(dst, data+"/staging/") {
			marker = i
		}
		if firstData < 0 && strings.Contains(dst, data+"/data/") {
			firstData = i
		}
	}
	if marker < 0 || firstData < 0 || marker > firstData {
		t.Fatalf("want the staging marker renamed before the first data object: marker at %d, data at %d", marker, firstData)
	}
	synced := false
	for _, d := range calls[marker+1 : firstData] {
		if (d.name == "fsync" || d.name == "fdatasync") && strings.Contains(d.args, "<"+data+"/staging>") {
			synced = true
		}
	}
	if !synced {
		t.Error("the staging folder was not fsynced between the marker's rename and the first data object's")
	}
}

type syscallLine struct {
	pid        int
	name, args string
}

var (
	traceLine  = regexp.MustCompile(`^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+)`)
	unfinished = regexp.MustCompile(`^(\d+)\s+(\w+)\((.*) <unfinished \.\.\.>$`)
	resumed    = regexp.MustCompile(`^(\d+)\s+<\.\.\. (\w+) resumed>(.*)\)\s+=\s+(-?\d+)`)
)

// parseTrace reads strace -f output: successful calls, in the order they
// completed, with calls that other threads interrupted put back together.
func parseTrace(t *testing.T, path string) []syscallLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls []syscallLine
	pending := map[string]string{} // pid -> args so far of its unfinished call
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := unfinished.FindStringSubmatch(line); m != nil {
			pending[m[1]] = m[3]
			continue
		}
		var pidS, name, args, ret string
		if m := traceLine.FindStringSubmatch(line); m != nil {
			pidS, name, args, ret = m[1], m[2], m[3], m[4]
		} else if m := resumed.FindStringSubmatch(line); m != nil {
			pidS, name, args, ret = m[1], m[2], pending[m[1]]+m[3], m[4]
			delete(pending, m[1])
		} else {
			continue
		}
		if ret != "0" {
			continue
		}
		pid, _ := strconv.Atoi(pidS)
		calls = append(calls, syscallLine{pid, name, args})
	}
	return calls
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	for _, p := range tasks {
		b, _ := os.ReadFile(p)
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// movedTo returns the name a later rename moves name to, or "".
func movedTo(later []syscallLine, name string) string {
	for _, c := range later {
		if strings.HasPrefix(c.name, "rename") && between(c.args, `"`, `"`) == name {
			return lastQuoted(c.args)
		}
	}
	return ""
}

// fsyncedAny tells whether calls hold an fsync of a file with one of names.
func fsyncedAny(calls []syscallLine, names []string) bool {
	for _, d := range calls {
		if d.name != "fsync" && d.name != "fdatasync" {
			continue
		}
		for _, n := range names {
			if strings.Contains(d.args, "<"+n+">") {
				return true
			}
		}
	}
	return false
}

// movedOn tells whether a later rename takes name away (an upload moved
// from uploads/ to its versions key): its folder then needs no fsync.
func movedOn(later []syscallLine, name string) bool {
	for _, c := range later {
		if strings.HasPrefix(c.name, "rename") && between(c.args, `"`, `"`) == name {
			return true
		}
	}
	return false
}

// lastQuoted returns the last double-quoted string in strace arguments
// (a rename's destination path).
func lastQuoted(args string) string {
	end := strings.LastIndex(args, `"`)
	if end <= 0 {
		return ""
	}
	start := strings.LastIndex(args[:end], `"`)
	if start < 0 {
		return ""
	}
	return args[start+1 : end]
}

// between returns the text between the first open and the next close.
func between(s, open, close string) string {
	_, rest, ok := strings.Cut(s, open)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, close)
	return v
}
