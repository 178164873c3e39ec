package billystore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/oxdrop/oxdrop/server/store"
)

// deepFolders is the most folders a file path can have: paths are at most
// 1,024 bytes with non-empty segments, so 510 one-byte folders and a name.
const deepFolders = 510

// creationKeys returns the keys one creation of n files writes under
// data/<id>/tree/ (the deep part of oxdrop's layout): with depth folders
// in each path, all files in one chain of folders (shared) or each in its
// own chain.
func creationKeys(id string, n, depth int, shared bool) []string {
	keys := make([]string, n)
	for i := range keys {
		top := "a"
		if !shared {
			top = fmt.Sprintf("d%02d", i)
		}
		folders := top + strings.Repeat("/a", depth-1)
		if depth == 0 {
			folders = ""
		}
		keys[i] = "data/" + id + "/tree/" + folders + fmt.Sprintf("/f%02d", i)
		keys[i] = strings.TrimPrefix(strings.ReplaceAll(keys[i], "//", "/"), "/")
	}
	return keys
}

// BenchmarkCreation: one creation's tree records (40 files), then its
// commit point (a conditional Put, which fsyncs every object and folder
// written before it), on a real folder with osfs BoundOS as oxdrop serve
// uses. deep-*: 510 folders per path (issue 10: "40 files whose 1,024-byte
// paths have 510 folders took 105 s"); shallow: 2 folders, the usual case.
// Meanwhile another goroutine reads another key over and over, as other
// repositories' GETs would: max-other-open-ms is its slowest read.
//
//	go test ./server/store/billystore -run '^$' -bench Creation -benchtime 3x
func BenchmarkCreation(b *testing.B) {
	for _, c := range []struct {
		name   string
		depth  int
		shared bool
	}{
		{"shallow", 2, false},
		{"deep-shared", deepFolders, true},
		{"deep-distinct", deepFolders, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := New(osfs.New(b.TempDir(), osfs.WithBoundOS()))
			ctx := context.Background()
			if _, err := s.Put(ctx, "other/k", strings.NewReader("{}"), -1, store.PutOptions{}); err != nil {
				b.Fatal(err)
			}
			stop := make(chan struct{})
			slowest := make(chan time.Duration)
			go func() {
				var worst time.Duration
				for {
					select {
					case <-stop:
						slowest <- worst
						return
					default:
					}
					t0 := time.Now()
					if f, err := s.Open(ctx, "other/k"); err == nil {
						f.Close()
					}
					worst = max(worst, time.Since(t0))
					time.Sleep(time.Millisecond)
				}
			}()
			n := 0
			for b.Loop() {
				n++
				id := fmt.Sprintf("c%06d", n)
				for _, k := range creationKeys(id, 40, c.depth, c.shared) {
					if _, err := s.Put(ctx, k, strings.NewReader(`{"hash":"x"}`), -1, store.PutOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := s.Put(ctx, "repos/ns/"+id+"/repo.json", strings.NewReader("{}"), -1, store.PutOptions{IfAbsent: true}); err != nil {
					b.Fatal(err)
				}
			}
			close(stop)
			b.ReportMetric(float64(<-slowest)/float64(time.Millisecond), "max-other-open-ms")
		})
	}
}

// BenchmarkOpen: reading one tree record back (a GET of a file), 2 and 510
// folders deep.
func BenchmarkOpen(b *testing.B) {
	for _, depth := range []int{2, deepFolders} {
		b.Run(fmt.Sprintf("folders=%d", depth), func(b *testing.B) {
			s := New(osfs.New(b.TempDir(), osfs.WithBoundOS()))
			ctx := context.Background()
			key := creationKeys("c", 1, depth, true)[0]
			if _, err := s.Put(ctx, key, strings.NewReader("{}"), -1, store.PutOptions{}); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				f, err := s.Open(ctx, key)
				if err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}

// stores returns the serve configuration (osfs BoundOS, served through
// openat2 and an os.Root), the same with os.Root alone (where openat2 is
// missing) and memfs (the billySpace fallback), each new, with its folder
// on disk if any.
func stores(t *testing.T) map[string]func() (*Store, string) {
	bound := func(fast bool) func() (*Store, string) {
		return func() (*Store, string) {
			dir := t.TempDir()
			s := New(osfs.New(dir, osfs.WithBoundOS()))
			rs, ok := s.sp.(*rootSpace)
			if !ok {
				t.Fatalf("BoundOS served by %T, want *rootSpace", s.sp)
			}
			if !fast {
				rs.fast = nil
			} else if rs.fast == nil {
				t.Log("openat2 is not available: BoundOS is served by os.Root alone")
			}
			return s, dir
		}
	}
	return map[string]func() (*Store, string){
		"BoundOS":         bound(true),
		"BoundOS-os.Root": bound(false),
		"memfs":           func() (*Store, string) { return New(memfs.New()), "" },
	}
}

// TestDeepKeys: keys with the most folders a path can have work like any
// other, and deleting them leaves no folder behind.
func TestDeepKeys(t *testing.T) {
	for name, newStore := range stores(t) {
		t.Run(name, func(t *testing.T) {
			s, dir := newStore()
			ctx := context.Background()
			depth := deepFolders
			if name == "memfs" {
				depth = 100 // memfs resolves every name folder by folder, itself quadratic
			}
			shared := creationKeys("x", 3, depth, true)
			distinct := creationKeys("x", 3, depth, false)
			keys := append(shared, distinct[1:]...)
			for _, k := range keys {
				if _, err := s.Put(ctx, k, strings.NewReader(k[len(k)-3:]), 3, store.PutOptions{}); err != nil {
					t.Fatalf("Put %d folders deep: %v", strings.Count(k, "/"), err)
				}
			}
			if _, err := s.Put(ctx, "repos/x.json", strings.NewReader("{}"), 2, store.PutOptions{IfAbsent: true}); err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				b, err := s.Open(ctx, k)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(b)
				b.Close()
				if string(got) != k[len(k)-3:] {
					t.Errorf("read %q", got)
				}
			}
			page, _, err := s.List(ctx, "data/x/tree/", "", 100)
			if err != nil || len(page) != len(keys) {
				t.Fatalf("List: %d keys, %v; want %d", len(page), err, len(keys))
			}
			if _, err := s.Put(ctx, path.Dir(keys[0]), strings.NewReader("1"), 1, store.PutOptions{}); err == nil {
				t.Error("Put of a key that is a folder of other keys succeeded")
			}
			if _, err := s.Put(ctx, keys[0]+"/under", strings.NewReader("1"), 1, store.PutOptions{}); err == nil {
				t.Error("Put of a key under another key succeeded")
			}
			moved := strings.Replace(keys[0], "/tree/", "/moved/", 1)
			if err := s.Move(ctx, keys[0], moved); err != nil {
				t.Fatal(err)
			}
			keys[0] = moved
			if err := s.Delete(ctx, keys...); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, "repos/x.json"); err != nil {
				t.Fatal(err)
			}
			if dir != "" {
				entries, _ := os.ReadDir(dir)
				for _, e := range entries {
					if e.Name() != tmpDir {
						t.Errorf("left %s behind", e.Name())
					}
				}
			} else if page, _, _ := s.List(ctx, "", "", 10); len(page) != 0 {
				t.Errorf("left %d keys", len(page))
			}
		})
	}
}

// TestDeepPutBlocksNoOne: while a Put is making the 510 folders of its key
// (held in the middle by a hook), every operation on other keys completes,
// a commit point included: no lock is shared by all keys, and none is held
// over the per-folder work.
func TestDeepPutBlocksNoOne(t *testing.T) {
	s, _ := stores(t)["BoundOS"]()
	ctx := context.Background()
	for _, k := range []string{"other/a", "other/b", "other/c"} {
		if _, err := s.Put(ctx, k, strings.NewReader("1"), 1, store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	deep := creationKeys("d", 1, deepFolders, true)[0]
	halfway := path.Join(strings.Split(deep, "/")[:deepFolders/2]...)
	reached, release := make(chan struct{}), make(chan struct{})
	hookMkdir = func(dir string) {
		if dir == halfway {
			close(reached)
			<-release
		}
	}
	defer func() { hookMkdir = nil }()
	deepDone := make(chan error, 1)
	go func() {
		_, err := s.Put(ctx, deep, strings.NewReader("deep"), 4, store.PutOptions{})
		deepDone <- err
	}()
	<-reached

	othersDone := make(chan error, 1)
	go func() {
		othersDone <- func() error {
			if _, err := s.Stat(ctx, "other/a"); err != nil {
				return err
			}
			b, err := s.Open(ctx, "other/b")
			if err != nil {
				return err
			}
			b.Close()
			if _, err := s.Put(ctx, "other/d", strings.NewReader("1"), 1, store.PutOptions{}); err != nil {
				return err
			}
			if err := s.Move(ctx, "other/d", "other/e/f"); err != nil {
				return err
			}
			if _, _, err := s.List(ctx, "other/", "", 10); err != nil {
				return err
			}
			if err := s.Delete(ctx, "other/c"); err != nil {
				return err
			}
			_, err = s.Put(ctx, "repos/r.json", strings.NewReader("{}"), 2, store.PutOptions{IfAbsent: true})
			return err
		}()
	}()
	select {
	case err := <-othersDone:
		if err != nil {
			t.Fatal(err)
		}
	case err := <-deepDone:
		t.Fatalf("the deep Put ended while held: %v", err)
	case <-time.After(2 * time.Minute): // only a deadlock gets here
		close(release)
		t.Fatal("operations on other keys waited for the deep Put")
	}
	select {
	case err := <-deepDone:
		t.Fatalf("the deep Put ended while held: %v", err)
	default:
	}
	close(release)
	if err := <-deepDone; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, deep); err != nil {
		t.Fatal(err)
	}
}

// TestCommitWaitsForAnothersSync: a commit point that finds the pending
// objects already taken by a concurrent commit point (still syncing them)
// does not publish before that sync is done: the objects it references
// would not be durable yet.
func TestCommitWaitsForAnothersSync(t *testing.T) {
	s, _ := stores(t)["BoundOS"]()
	ctx := context.Background()
	for _, k := range []string{"data/a/obj", "data/b/obj"} {
		if _, err := s.Put(ctx, k, strings.NewReader("1"), 1, store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var synced atomic.Bool
	hookSync = func(name string) {
		if name == "data/b/obj" {
			once.Do(func() { close(held) })
			<-release
			synced.Store(true)
		}
	}
	defer func() { hookSync = nil }()
	// Creation a's commit point takes both objects and is held syncing b's.
	aDone := make(chan error, 1)
	go func() {
		_, err := s.Put(ctx, "repos/a.json", strings.NewReader("{}"), 2, store.PutOptions{IfAbsent: true})
		aDone <- err
	}()
	<-held
	bDone := make(chan error, 1)
	go func() {
		_, err := s.Put(ctx, "repos/b.json", strings.NewReader("{}"), 2, store.PutOptions{IfAbsent: true})
		if err == nil && !synced.Load() {
			err = errors.New("published before its object was fsynced")
		}
		bDone <- err
	}()
	// b's commit cannot return while a's sync is held (a timer can only
	// fail to notice the bug, never fail a correct store).
	select {
	case err := <-bDone:
		t.Fatalf("commit point b returned while the sync of its object was under way: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	for _, done := range []chan error{aDone, bDone} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// TestPutsRaceDeletesPruning: Puts into a folder that concurrent Deletes
// keep emptying and pruning all succeed (a rename that finds its folder
// pruned makes it again).
func TestPutsRaceDeletesPruning(t *testing.T) {
	for name, newStore := range stores(t) {
		t.Run(name, func(t *testing.T) {
			s, _ := newStore()
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for w := range 4 {
				wg.Go(func() {
					for i := range 100 {
						k := fmt.Sprintf("p/q/r/%d-%d", w, i)
						if _, err := s.Put(ctx, k, strings.NewReader("1"), 1, store.PutOptions{}); err != nil {
							errs <- err
							return
						}
						if err := s.Delete(ctx, k); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// TestConfinement: no key reaches outside the root through a symlink in
// the data folder, at any depth, whatever it points to.
func TestConfinement(t *testing.T) {
	for name, newStore := range stores(t) {
		if name != "memfs" {
			t.Run(name, func(t *testing.T) { testConfinement(t, newStore) })
		}
	}
}

func testConfinement(t *testing.T, newStore func() (*Store, string)) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("OXD1 not yours......"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, dir := newStore()
	ctx := context.Background()
	deepDir := filepath.Join(dir, filepath.FromSlash(strings.Repeat("a/", 300)))
	if err := os.MkdirAll(deepDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, link := range []struct{ name, target string }{
		{"abs", outside},
		{"rel", filepath.Join("..", filepath.Base(outside))},
		{"file", filepath.Join(outside, "secret")},
		{filepath.Join(strings.Repeat("a/", 300), "deep"), outside},
		{filepath.Join(strings.Repeat("a/", 300), "up"), strings.Repeat("../", 302) + filepath.Base(outside)},
	} {
		if err := os.Symlink(link.target, filepath.Join(dir, link.name)); err != nil {
			t.Fatal(err)
		}
		key := filepath.ToSlash(link.name)
		if link.name != "file" {
			if _, err := s.Put(ctx, key+"/x/y", strings.NewReader("1"), 1, store.PutOptions{}); err == nil {
				t.Errorf("Put through the symlink %s succeeded", key)
			}
			if _, err := s.Put(ctx, key+"/z", strings.NewReader("1"), 1, store.PutOptions{IfAbsent: true}); err == nil {
				t.Errorf("conditional Put through the symlink %s succeeded", key)
			}
			key += "/secret"
		}
		if _, err := s.Stat(ctx, key); err == nil {
			t.Errorf("Stat(%s) read a file outside the root", key)
		}
		if b, err := s.Open(ctx, key); err == nil {
			b.Close()
			t.Errorf("Open(%s) opened a file outside the root", key)
		}
		_ = s.Delete(ctx, key) // may fail; must not reach outside (checked below)
		if err := s.Move(ctx, key, "moved"); err == nil {
			t.Errorf("Move(%s) moved a file outside the root", key)
		}
	}
	// A symlink that stays under the root is followed, as BoundOS did.
	if err := os.Mkdir(filepath.Join(dir, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "inside")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "inside/k", strings.NewReader("1"), 1, store.PutOptions{}); err != nil {
		t.Errorf("Put through a symlink that stays under the root: %v", err)
	}
	if _, err := s.Stat(ctx, "real/k"); err != nil {
		t.Errorf("Put through the symlink inside -> real did not land in real/: %v", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("the folder outside the root now holds %d entries, want only its secret", len(entries))
	}
	if _, err := os.Stat(filepath.Join(outside, "secret")); err != nil {
		t.Errorf("the file outside the root is gone: %v", err)
	}
}
