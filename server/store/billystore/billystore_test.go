package billystore

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/oxdrop/oxdrop/server/store"
	"github.com/oxdrop/oxdrop/server/store/storetest"
)

func TestConformanceMemfs(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return New(memfs.New()) })
}

func TestConformanceOsfs(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return New(osfs.New(t.TempDir(), osfs.WithBoundOS())) })
}

// TestConformanceOsRoot: osfs BoundOS served by os.Root alone, as where
// openat2 is missing.
func TestConformanceOsRoot(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := New(osfs.New(t.TempDir(), osfs.WithBoundOS()))
		s.sp.(*rootSpace).fast = nil
		return s
	})
}

func TestDeleteLeavesNoFolders(t *testing.T) {
	dir := t.TempDir()
	s := New(osfs.New(dir))
	ctx := context.Background()
	if _, err := s.Put(ctx, "staging/x/a/b", strings.NewReader("1"), 1, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "staging/x/a/b"); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != tmpDir {
			t.Errorf("left %s behind", e.Name())
		}
	}
}

func TestNewSweepsTemporaryFiles(t *testing.T) {
	fs := memfs.New()
	f, _ := fs.Create(tmpDir + "/0123456789abcdef0123456789abcdef")
	f.Write([]byte("half-written"))
	f.Close()
	New(fs)
	if infos, _ := fs.ReadDir(tmpDir); len(infos) != 0 {
		t.Fatalf("%d temporary files left", len(infos))
	}
}

func TestBadKeys(t *testing.T) {
	s := New(memfs.New())
	for _, k := range []string{"", "/a", "a/", "a//b", "../a", "a/./b", tmpDir + "/x"} {
		if _, err := s.Put(context.Background(), k, strings.NewReader(""), 0, store.PutOptions{}); err == nil {
			t.Errorf("Put(%q) succeeded", k)
		}
	}
	ctx := context.Background()
	s.Put(ctx, "a/b", strings.NewReader(""), 0, store.PutOptions{})
	if _, err := s.Put(ctx, "a", strings.NewReader(""), 0, store.PutOptions{}); err == nil {
		t.Error("Put of a key that is a folder of other keys succeeded")
	}
}

// onlyStore hides billystore's Mover so the copy fallback is tested too.
type onlyStore struct{ store.Store }

func TestMoveFallback(t *testing.T) {
	storetest.RunMove(t, func(t *testing.T) store.Store { return onlyStore{New(memfs.New())} })
}

// TestBoundOSFilesSync: the serve configuration's files expose Sync, so
// Put really fsyncs before its rename.
func TestBoundOSFilesSync(t *testing.T) {
	fs := osfs.New(t.TempDir(), osfs.WithBoundOS())
	f, err := fs.Create("x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := f.(interface{ Sync() error }); !ok {
		t.Fatalf("%T has no Sync", f)
	}
}

// TestFolderSync: folders are fsynced where the filesystem can (the serve
// configuration), skipped where it cannot or need not; and the folders a
// Put or Move must fsync are the new name's folder plus the parent of every
// folder it created. (failuretest.TestServerSyncsBeforeRename checks the
// fsyncs themselves under strace.)
func TestFolderSync(t *testing.T) {
	for _, tt := range []struct {
		name string
		st   *Store
		want bool
	}{
		{"osfs BoundOS", New(osfs.New(t.TempDir(), osfs.WithBoundOS())), true},
		{"osfs chroot", New(osfs.New(t.TempDir())), false},
		{"memfs", New(memfs.New()), false},
	} {
		if tt.st.dirSync != tt.want {
			t.Errorf("%s: dirSync %v, want %v", tt.name, tt.st.dirSync, tt.want)
		}
	}

	s := New(osfs.New(t.TempDir(), osfs.WithBoundOS()))
	ctx := context.Background()
	pendingDirs := func() string {
		s.pmu.Lock()
		defer s.pmu.Unlock()
		var dirs []string
		for d := range s.pending {
			dirs = append(dirs, d)
		}
		slices.Sort(dirs)
		return strings.Join(dirs, ",")
	}
	if _, err := s.Put(ctx, "a/b/c", strings.NewReader("1"), 1, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, want := pendingDirs(), ".,a,a/b"; got != want {
		t.Errorf("after Put(a/b/c) into an empty store: folders %s pending, want %s", got, want)
	}
	if err := s.syncPending(); err != nil {
		t.Fatal(err)
	}
	if err := s.mkdirAll("a/x/y/z"); err != nil {
		t.Fatal(err)
	}
	if got, want := pendingDirs(), "a,a/x,a/x/y"; got != want {
		t.Errorf("mkdirAll(a/x/y/z) where a exists: folders %s pending, want the parents of those it made, %s", got, want)
	}
	if err := s.syncPending(); err != nil {
		t.Fatal(err)
	}
	if err := s.move("a/b/c", "a/x/y/z/c"); err != nil {
		t.Fatal(err)
	}
	if got, want := pendingDirs(), "a/x/y/z"; got != want {
		t.Errorf("move: folders %s pending, want only the destination's, the others exist", got)
	}
	if err := s.sp.syncAll([]string{"a", "a/x/y/z", "gone/away"}); err != nil {
		t.Errorf("syncAll: %v (a folder that is gone has nothing to sync)", err)
	}

	// Unconditional Puts and Moves leave their objects and folders pending;
	// a conditional Put (a commit point) syncs them all before it publishes.
	if _, err := s.Put(ctx, "p/q/r", strings.NewReader("1"), 1, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Move(ctx, "p/q/r", "m/n"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "p/gone", strings.NewReader("1"), 1, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "p/gone"); err != nil {
		t.Fatal(err)
	}
	s.pmu.Lock()
	for _, d := range []string{"p/q", "p", ".", "m"} {
		if !s.pending[d] {
			t.Errorf("folder %q not pending after Put and Move: %v", d, s.pending)
		}
	}
	// Objects' data is pending under the names they were moved to (a/b/c
	// went to a/x/y/z/c above); a deleted one has nothing left to sync.
	if len(s.pendingFiles) != 2 || !s.pendingFiles["m/n"] || !s.pendingFiles["a/x/y/z/c"] {
		t.Errorf("pending objects %v, want a/x/y/z/c and m/n", s.pendingFiles)
	}
	s.pmu.Unlock()
	if _, err := s.Put(ctx, "rec", strings.NewReader("1"), 1, store.PutOptions{IfAbsent: true}); err != nil {
		t.Fatal(err)
	}
	s.pmu.Lock()
	if len(s.pending) != 0 || len(s.pendingFiles) != 0 {
		t.Errorf("still pending after a conditional Put: folders %v, objects %v", s.pending, s.pendingFiles)
	}
	s.pmu.Unlock()
}
