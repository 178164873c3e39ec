package billystore

import (
	"context"
	"os"
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
