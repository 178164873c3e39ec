//go:build unix

package failuretest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-billy/v5/util"
	"github.com/oxdrop/oxdrop/server/api"
	"github.com/oxdrop/oxdrop/server/failuretest/fullfs"
	"github.com/oxdrop/oxdrop/server/failuretest/harness"
	"github.com/oxdrop/oxdrop/server/store/billystore"
)

// walk lists every file of a billy filesystem with its size.
func walk(t *testing.T, fsys billy.Filesystem) map[string]int64 {
	t.Helper()
	files := map[string]int64{}
	err := util.Walk(fsys, "/", func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() {
			files[filepath.ToSlash(p)] = info.Size()
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return files
}

// TestFullDiskInProcess fills a go-billy filesystem at several points of an
// upload (the API handler and billystore in-process over httptest): each
// time a clear 5xx error, nothing partial left on the filesystem, and the
// same creation succeeds once there is room again. The upload is smaller
// than what the server drains before answering an error (1 MiB), so the
// client always gets to read the reply.
func TestFullDiskInProcess(t *testing.T) {
	u := harness.Upload{Namespace: "ft", Name: "full", Author: "A", Email: "a@example.com",
		Files: []harness.File{
			{Path: "a/one.bin", Size: 300 << 10, Seed: 1},
			{Path: "a/two.bin", Size: 400 << 10, Seed: 2},
			{Path: "notes.txt", Content: []byte("hello\n")},
		}}
	for _, manifest := range []bool{false, true} {
		u.Manifest = manifest
		for _, room := range []int64{0, 100, 200 << 10, 300<<10 + 10, 700<<10 - 100, 700<<10 + 50} {
			t.Run(fmt.Sprintf("manifest=%v room=%d", manifest, room), func(t *testing.T) {
				fsys := fullfs.New(memfs.New(), 1<<62)
				srv := httptest.NewServer(api.New(api.Config{Store: billystore.New(fsys)}))
				defer srv.Close()
				keep := harness.Upload{Namespace: "ft", Name: "keep", Author: "A", Email: "a@example.com",
					Files: []harness.File{{Path: "k.bin", Size: 4096, Seed: 9}}}
				create(t, srv.URL, keep)
				before := walk(t, fsys)

				fsys.SetLimit(room)
				reply, err := harness.Create(context.Background(), srv.URL, u.Body())
				if err != nil {
					t.Fatalf("the server should answer, not drop the connection: %v", err)
				}
				if fsys.Refused() == 0 {
					// Everything fitted in the room (small metadata is not
					// counted as more than it is): the creation must be whole.
					if reply.Status != 200 {
						t.Fatalf("no write was refused, yet: %s", reply)
					}
					intact(t, srv.URL, u)
					return
				}
				checkDiskFullReply(t, reply)
				absent(t, srv.URL, u.Namespace, u.Name)
				after := walk(t, fsys)
				if added, removed := harness.Diff(before, after); len(added)+len(removed) > 0 {
					sort.Strings(added)
					t.Errorf("a creation that ran out of space left files: added %s; removed %s", list(added), list(removed))
				}
				intact(t, srv.URL, keep)

				fsys.SetLimit(1 << 62)
				create(t, srv.URL, u)
				intact(t, srv.URL, u)
			})
		}
	}
}
