package billystore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/oxdrop/oxdrop/server/store"
	"github.com/oxdrop/oxdrop/server/store/storetest"
)

// TestChunksFallback: store.Chunks over a store without Chunked (onlyStore
// hides it) passes the same conformance checks as billystore's own.
func TestChunksFallback(t *testing.T) {
	if _, ok := store.Chunks(onlyStore{New(memfs.New())}).(*Store); ok {
		t.Fatal("onlyStore did not hide billystore's Chunked")
	}
	storetest.RunChunks(t, func(t *testing.T) store.Store { return onlyStore{New(memfs.New())} })
}

// eachFilesystem runs test with a chunked write of key begun on each
// filesystem a chunked write is checked on: the serve configuration (osfs
// with BoundOS) and memfs.
func eachFilesystem(t *testing.T, key string, test func(t *testing.T, fsys billy.Filesystem, s *Store, handle string)) {
	for name, fsys := range map[string]billy.Filesystem{
		"osfs":  osfs.New(t.TempDir(), osfs.WithBoundOS()),
		"memfs": memfs.New(),
	} {
		t.Run(name, func(t *testing.T) {
			s := New(fsys)
			h, err := s.BeginChunks(context.Background(), key)
			if err != nil {
				t.Fatal(err)
			}
			test(t, fsys, s, h)
		})
	}
}

// TestChunksSurviveRestart: a chunked write begun by one process goes on
// and completes in the next (New over the same folder keeps partial files).
func TestChunksSurviveRestart(t *testing.T) {
	ctx := context.Background()
	eachFilesystem(t, "a/blob", func(t *testing.T, fsys billy.Filesystem, s *Store, h string) {
		r1, err := s.PutChunk(ctx, "a/blob", h, 1, 0, strings.NewReader("first "), 6)
		if err != nil {
			t.Fatal(err)
		}
		s = New(fsys) // the restart
		r2, err := s.PutChunk(ctx, "a/blob", h, 2, 6, strings.NewReader("second"), 6)
		if err != nil {
			t.Fatalf("PutChunk after a restart: %v", err)
		}
		if info, err := s.CompleteChunks(ctx, "a/blob", h, []store.ChunkRef{r1, r2}); err != nil || info.Size != 12 {
			t.Fatalf("CompleteChunks after a restart: %+v, %v", info, err)
		}
		if got := storetest.Read(t, s, "a/blob"); string(got) != "first second" {
			t.Fatalf("read %q", got)
		}
	})
}

// TestChunksPartialFile: the partial file's length after each step, the
// checks of CompleteChunks, and the hidden folder.
func TestChunksPartialFile(t *testing.T) {
	ctx := context.Background()
	eachFilesystem(t, "k", func(t *testing.T, _ billy.Filesystem, s *Store, h string) {
		length := func() int64 {
			t.Helper()
			fi, err := s.sp.stat(chunkDir + "/" + h)
			if err != nil {
				t.Fatal(err)
			}
			return fi.Size() - int64(headerSize)
		}
		r1, err := s.PutChunk(ctx, "k", h, 1, 0, strings.NewReader("abc"), 3)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutChunk(ctx, "k", h, 2, 3, strings.NewReader("defghij"), 7); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutChunk(ctx, "k", h, 2, 3, strings.NewReader("DE"), 2); err != nil || length() != 5 {
			t.Fatalf("shorter piece 2 again: %v, partial file holds %d bytes, want 5", err, length())
		}
		if _, err := s.PutChunk(ctx, "k", h, 2, 3, strings.NewReader("de"), 5); err == nil || length() != 3 {
			t.Fatalf("short piece: %v, partial file holds %d bytes, want the 3 before it", err, length())
		}
		if _, err := s.PutChunk(ctx, "k", h, 3, 9, strings.NewReader("x"), 1); err == nil {
			t.Fatal("PutChunk past the end of the pieces written succeeded")
		}
		if _, err := s.Put(ctx, chunkDir+"/x", strings.NewReader(""), 0, store.PutOptions{}); err == nil {
			t.Fatalf("Put into %s succeeded", chunkDir)
		}
		if keys := storetest.Keys(t, s, ""); len(keys) != 0 {
			t.Fatalf("List shows %v", keys)
		}
		_, err = s.CompleteChunks(ctx, "k", h, []store.ChunkRef{r1, {Part: 2, Size: 2}})
		if err == nil || !strings.Contains(err.Error(), "holds 3 bytes but its 2 parts add up to 5") {
			t.Fatalf("CompleteChunks with a part never written: %v", err)
		}
		if _, err := s.CompleteChunks(ctx, "k", h, []store.ChunkRef{r1}); err != nil {
			t.Fatalf("CompleteChunks after a failed one: %v", err)
		}
		if _, err := s.PutChunk(ctx, "k", h, 2, 3, strings.NewReader("de"), 2); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("PutChunk after CompleteChunks: %v, want ErrNotFound", err)
		}
	})
}

// TestChunksBadHandles: only the handles BeginChunks makes are accepted, so
// none names a file outside the partial files' folder.
func TestChunksBadHandles(t *testing.T) {
	ctx := context.Background()
	s := New(memfs.New())
	if _, err := s.Put(ctx, "x", strings.NewReader("keep"), 4, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"", "../x", "../../x", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef", "0123456789abcdef0123456789abcdef/"} {
		if _, err := s.PutChunk(ctx, "x", h, 1, 0, strings.NewReader("y"), 1); err == nil {
			t.Errorf("PutChunk with handle %q succeeded", h)
		}
		if _, err := s.CompleteChunks(ctx, "x", h, nil); err == nil {
			t.Errorf("CompleteChunks with handle %q succeeded", h)
		}
		if err := s.AbortChunks(ctx, "x", h); err == nil {
			t.Errorf("AbortChunks with handle %q succeeded", h)
		}
	}
	if got := storetest.Read(t, s, "x"); string(got) != "keep" {
		t.Fatalf("x reads %q", got)
	}
	unknown := "0123456789abcdef0123456789abcdef"
	if _, err := s.PutChunk(ctx, "x", unknown, 1, 0, strings.NewReader("y"), 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PutChunk with a handle never begun: %v, want ErrNotFound", err)
	}
	if err := s.AbortChunks(ctx, "x", unknown); err != nil {
		t.Errorf("AbortChunks with a handle never begun: %v", err)
	}
}

// TestChunksBeginSyncsFolders: a partial file's name is durable when
// BeginChunks returns (so its handle outlives a crash): the folder that
// holds it is fsynced, and the root when the folder was new.
func TestChunksBeginSyncsFolders(t *testing.T) {
	s := New(osfs.New(t.TempDir(), osfs.WithBoundOS()))
	var mu sync.Mutex
	var synced []string
	hookSync = func(name string) {
		mu.Lock()
		synced = append(synced, name)
		mu.Unlock()
	}
	defer func() { hookSync = nil }()
	for _, want := range []string{". " + chunkDir, chunkDir} {
		synced = nil
		if _, err := s.BeginChunks(context.Background(), "k"); err != nil {
			t.Fatal(err)
		}
		slices.Sort(synced)
		if got := strings.Join(synced, " "); got != want {
			t.Errorf("BeginChunks synced %q, want %q", got, want)
		}
	}
}
