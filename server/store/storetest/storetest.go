// Package storetest is the conformance test of store.Store: every backend
// (billystore here, the R2 store of the Workers build) runs Run in its own
// tests so the API layer can rely on exactly the interface's promises.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/oxdrop/oxdrop/server/store"
)

// Run checks s against the store.Store contract. newStore must return an
// empty store each time it is called.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	put := func(t *testing.T, s store.Store, key, body string, opts store.PutOptions) (store.Info, error) {
		t.Helper()
		return s.Put(ctx, key, strings.NewReader(body), int64(len(body)), opts)
	}
	read := func(t *testing.T, s store.Store, key string) string {
		t.Helper()
		return string(Read(t, s, key))
	}

	t.Run("PutOpenStat", func(t *testing.T) {
		s := newStore(t)
		info, err := put(t, s, "a/b/c.txt", "hello", store.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if info.Key != "a/b/c.txt" || info.Size != 5 || info.ETag == "" {
			t.Fatalf("Put info %+v", info)
		}
		if got := read(t, s, "a/b/c.txt"); got != "hello" {
			t.Fatalf("read %q", got)
		}
		st, err := s.Stat(ctx, "a/b/c.txt")
		if err != nil || st.Size != 5 || st.ETag != info.ETag || st.Modified.IsZero() {
			t.Fatalf("Stat %+v, %v (Put gave %+v)", st, err, info)
		}
		b, err := s.Open(ctx, "a/b/c.txt")
		if err != nil {
			t.Fatal(err)
		}
		p := make([]byte, 3)
		if n, err := b.ReadAt(p, 2); n != 3 || string(p) != "llo" {
			t.Fatalf("ReadAt: %d %q %v", n, p, err)
		}
		b.Close()
	})

	t.Run("SizeUnknownAndEmpty", func(t *testing.T) {
		s := newStore(t)
		if info, err := s.Put(ctx, "k", strings.NewReader("streamed"), -1, store.PutOptions{}); err != nil || info.Size != 8 {
			t.Fatalf("Put size -1: %+v %v", info, err)
		}
		if got := read(t, s, "k"); got != "streamed" {
			t.Fatalf("read %q", got)
		}
		if _, err := put(t, s, "empty", "", store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := read(t, s, "empty"); got != "" {
			t.Fatalf("read %q", got)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Open(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Open missing: %v", err)
		}
		if _, err := s.Stat(ctx, "no/pe"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Stat missing: %v", err)
		}
		if err := s.Delete(ctx, "nope", "no/pe"); err != nil {
			t.Fatalf("Delete missing: %v", err)
		}
	})

	t.Run("FailedPutLeavesPreviousState", func(t *testing.T) {
		s := newStore(t)
		if _, err := put(t, s, "k", "old", store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		// Short body.
		if _, err := s.Put(ctx, "k", strings.NewReader("new"), 10, store.PutOptions{}); err == nil {
			t.Fatal("Put with a short body succeeded")
		}
		// Read error half-way.
		r := io.MultiReader(strings.NewReader("partial"), errReader{})
		if _, err := s.Put(ctx, "k", r, -1, store.PutOptions{}); err == nil {
			t.Fatal("Put with a failing reader succeeded")
		}
		if _, err := s.Put(ctx, "fresh", io.MultiReader(strings.NewReader("x"), errReader{}), -1, store.PutOptions{}); err == nil {
			t.Fatal("Put with a failing reader succeeded")
		}
		// Cancelled context.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Put(cctx, "k", strings.NewReader("new"), 3, store.PutOptions{}); err == nil {
			t.Fatal("Put with a cancelled context succeeded")
		}
		if got := read(t, s, "k"); got != "old" {
			t.Fatalf("after failed Puts: %q", got)
		}
		if _, err := s.Stat(ctx, "fresh"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("failed Put of a new key left an object: %v", err)
		}
	})

	t.Run("IfAbsent", func(t *testing.T) {
		s := newStore(t)
		if _, err := put(t, s, "k", "1", store.PutOptions{IfAbsent: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := put(t, s, "k", "2", store.PutOptions{IfAbsent: true}); !errors.Is(err, store.ErrPrecondition) {
			t.Fatalf("second IfAbsent Put: %v", err)
		}
		if got := read(t, s, "k"); got != "1" {
			t.Fatalf("read %q", got)
		}
	})

	t.Run("IfAbsentConcurrent", func(t *testing.T) {
		s := newStore(t)
		const n = 24
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = put(t, s, "race/key", fmt.Sprint(i), store.PutOptions{IfAbsent: true})
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrPrecondition):
				t.Errorf("unexpected error %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d of %d IfAbsent Puts won, want 1", won, n)
		}
	})

	t.Run("IfMatch", func(t *testing.T) {
		s := newStore(t)
		if _, err := put(t, s, "ref", "a", store.PutOptions{IfMatch: "whatever"}); !errors.Is(err, store.ErrPrecondition) {
			t.Fatalf("IfMatch on a missing key: %v", err)
		}
		v1, err := put(t, s, "ref", "a", store.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		v2, err := put(t, s, "ref", "bb", store.PutOptions{IfMatch: v1.ETag})
		if err != nil {
			t.Fatalf("IfMatch with the current ETag: %v", err)
		}
		if v2.ETag == v1.ETag {
			t.Fatal("ETag did not change with the content")
		}
		if _, err := put(t, s, "ref", "c", store.PutOptions{IfMatch: v1.ETag}); !errors.Is(err, store.ErrPrecondition) {
			t.Fatalf("IfMatch with a stale ETag: %v", err)
		}
		if got := read(t, s, "ref"); got != "bb" {
			t.Fatalf("read %q", got)
		}
	})

	t.Run("ListAndDelete", func(t *testing.T) {
		s := newStore(t)
		keys := []string{"p/a/b", "p/a.c", "p/a/d/e", "p/b", "p2/x", "q"}
		for _, k := range keys {
			if _, err := put(t, s, k, k, store.PutOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		list := func(prefix string, limit int) []string {
			var out []string
			cursor := ""
			for range 100 {
				page, next, err := s.List(ctx, prefix, cursor, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > limit {
					t.Fatalf("page of %d > limit %d", len(page), limit)
				}
				for _, info := range page {
					if info.Size != int64(len(info.Key)) {
						t.Errorf("List info %+v: wrong size", info)
					}
					out = append(out, info.Key)
				}
				if next == "" {
					return out
				}
				cursor = next
			}
			t.Fatal("List never ended")
			return nil
		}
		want := "p/a.c p/a/b p/a/d/e p/b" // lexical: '.' < '/'
		for _, limit := range []int{1, 2, 1000} {
			if got := strings.Join(list("p/", limit), " "); got != want {
				t.Errorf("List(p/, limit %d) = %s, want %s", limit, got, want)
			}
		}
		if got := strings.Join(list("p", 1000), " "); got != want+" p2/x" {
			t.Errorf("List(p) = %s", got)
		}
		if got := strings.Join(list("p/a/", 1000), " "); got != "p/a/b p/a/d/e" {
			t.Errorf("List(p/a/) = %s", got)
		}
		if got := strings.Join(list("", 1000), " "); got != want+" p2/x q" {
			t.Errorf("List() = %s", got)
		}
		if err := s.Delete(ctx, "p/a/b", "p/a/d/e", "missing"); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(list("p/", 1000), " "); got != "p/a.c p/b" {
			t.Errorf("after Delete: %s", got)
		}
		if _, err := s.Stat(ctx, "p/a/b"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Stat deleted key: %v", err)
		}
		// The key space is flat: a deleted folder's name is reusable as a key.
		if _, err := put(t, s, "p/a", "p/a", store.PutOptions{IfAbsent: true}); err != nil {
			t.Errorf("Put where a deleted folder was: %v", err)
		}
	})

	t.Run("Move", func(t *testing.T) { RunMove(t, newStore) })
	t.Run("Chunks", func(t *testing.T) { RunChunks(t, newStore) })

	t.Run("LargeBody", func(t *testing.T) {
		s := newStore(t)
		body := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		if _, err := s.Put(ctx, "big", bytes.NewReader(body), int64(len(body)), store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := read(t, s, "big"); got != string(body) {
			t.Fatal("large body differs")
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("storetest: injected read error") }

// RunMove checks store.Move (the backend's Mover, or the copy fallback).
func RunMove(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.Put(ctx, "up/1", strings.NewReader("blob"), 4, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := store.Move(ctx, s, "up/1", "versions/ab/cdef/data"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "up/1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("source still there after Move: %v", err)
	}
	b, err := s.Open(ctx, "versions/ab/cdef/data")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(b)
	b.Close()
	if string(data) != "blob" {
		t.Errorf("moved content %q", data)
	}
	if err := store.Move(ctx, s, "up/missing", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Move of a missing key: %v", err)
	}
}

// Read reads the object at key whole, failing t on an error or if it
// reads other than its Size.
func Read(t testing.TB, s store.Store, key string) []byte {
	t.Helper()
	b, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	if int64(len(data)) != b.Size() {
		t.Fatalf("%q: Size() %d but read %d bytes", key, b.Size(), len(data))
	}
	return data
}

// Keys lists every key of s under prefix, page by page, failing t on an
// error: what tests check to see what a creation left behind.
func Keys(t testing.TB, s store.Store, prefix string) []string {
	t.Helper()
	var out []string
	cursor := ""
	for {
		page, next, err := s.List(context.Background(), prefix, cursor, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range page {
			out = append(out, i.Key)
		}
		if next == "" {
			return out
		}
		cursor = next
	}
}

// RunChunks checks store.Chunks (the backend's Chunked, or the fallback of
// an object per piece): pieces are invisible until completed, read back
// whole and in order, a cut piece is written again, an abort leaves
// nothing, a completed object replaces the one there. Pieces are sized by
// the store's ChunkRules.
func RunChunks(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	type piece struct {
		r    io.Reader
		size int
	}
	// write begins a chunked write of key and writes the pieces, failing t
	// on an error.
	write := func(t *testing.T, c store.Chunked, key string, pieces ...[]byte) (string, []store.ChunkRef) {
		t.Helper()
		h, err := c.BeginChunks(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		var refs []store.ChunkRef
		var off int64
		for i, p := range pieces {
			ref, err := c.PutChunk(ctx, key, h, i+1, off, bytes.NewReader(p), int64(len(p)))
			if err != nil {
				t.Fatalf("PutChunk %d: %v", i+1, err)
			}
			if ref.Part != i+1 || ref.Size != int64(len(p)) {
				t.Fatalf("PutChunk %d of %d bytes: ref %+v", i+1, len(p), ref)
			}
			refs = append(refs, ref)
			off += int64(len(p))
		}
		return h, refs
	}
	// body is n bytes that differ from piece to piece (seed).
	body := func(n int, seed byte) []byte {
		p := make([]byte, n)
		for i := range p {
			p[i] = seed + byte(i%251)
		}
		return p
	}
	size := func(c store.Chunked) int { return max(int(c.ChunkRules().MinSize), 1000) }

	t.Run("Whole", func(t *testing.T) {
		s := newStore(t)
		c := store.Chunks(s)
		n := size(c)
		a, b, z := body(n, 1), body(n, 2), body(17, 3)
		h, refs := write(t, c, "up/whole", a, b)
		if _, err := s.Stat(ctx, "up/whole"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Stat before CompleteChunks: %v, want ErrNotFound", err)
		}
		if keys := Keys(t, s, "up/"); len(keys) != 0 {
			t.Fatalf("List before CompleteChunks: %v", keys)
		}
		ref, err := c.PutChunk(ctx, "up/whole", h, 3, int64(2*n), bytes.NewReader(z), int64(len(z)))
		if err != nil {
			t.Fatal(err)
		}
		info, err := c.CompleteChunks(ctx, "up/whole", h, append(refs, ref))
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Concat(a, b, z)
		if info.Key != "up/whole" || info.Size != int64(len(want)) || info.ETag == "" {
			t.Fatalf("CompleteChunks info %+v", info)
		}
		if st, err := s.Stat(ctx, "up/whole"); err != nil || st.Size != info.Size || st.ETag != info.ETag {
			t.Fatalf("Stat %+v, %v (CompleteChunks gave %+v)", st, err, info)
		}
		if !bytes.Equal(Read(t, s, "up/whole"), want) {
			t.Fatal("completed object differs from its pieces")
		}
		// Zero pieces make an empty object.
		h, _ = write(t, c, "up/empty")
		if info, err := c.CompleteChunks(ctx, "up/empty", h, nil); err != nil || info.Size != 0 {
			t.Fatalf("CompleteChunks of no pieces: %+v, %v", info, err)
		}
		if got := Read(t, s, "up/empty"); len(got) != 0 {
			t.Fatalf("empty object reads %d bytes", len(got))
		}
	})

	t.Run("PieceAgain", func(t *testing.T) {
		s := newStore(t)
		c := store.Chunks(s)
		n := size(c)
		a, b, z := body(n, 1), body(n, 2), body(n/2, 3)
		key := "up/again"
		// Pieces 2 and 3 are first written wrong and whole. Piece 2 written
		// again replaces its first version and discards piece 3.
		h, refs := write(t, c, key, a, body(n, 9), body(n+5, 8))
		ref, err := c.PutChunk(ctx, key, h, 2, int64(n), bytes.NewReader(b), int64(n))
		if err != nil {
			t.Fatalf("PutChunk 2 again: %v", err)
		}
		refs = []store.ChunkRef{refs[0], ref}
		// Piece 3 fails to arrive whole, then arrives.
		off := int64(2 * n)
		for _, cut := range []piece{
			{io.MultiReader(bytes.NewReader(z[:n/4]), errReader{}), len(z)}, // cut half-way
			{bytes.NewReader(z[:n/4]), len(z)},                              // short body
		} {
			if _, err := c.PutChunk(ctx, key, h, 3, off, cut.r, int64(cut.size)); err == nil {
				t.Fatal("PutChunk of a cut piece succeeded")
			}
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := c.PutChunk(cctx, key, h, 3, off, bytes.NewReader(z), int64(len(z))); err == nil {
			t.Fatal("PutChunk with a cancelled context succeeded")
		}
		if ref, err = c.PutChunk(ctx, key, h, 3, off, bytes.NewReader(z), int64(len(z))); err != nil {
			t.Fatalf("PutChunk 3 after failed attempts: %v", err)
		}
		if _, err := c.CompleteChunks(ctx, key, h, append(refs, ref)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(Read(t, s, key), slices.Concat(a, b, z)) {
			t.Fatal("object differs from its pieces after pieces written again")
		}
	})

	t.Run("Abort", func(t *testing.T) {
		s := newStore(t)
		c := store.Chunks(s)
		h, refs := write(t, c, "up/aborted", body(size(c), 1))
		if err := c.AbortChunks(ctx, "up/aborted", h); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CompleteChunks(ctx, "up/aborted", h, refs); err == nil {
			t.Fatal("CompleteChunks after AbortChunks succeeded")
		}
		if _, err := s.Stat(ctx, "up/aborted"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Stat after AbortChunks: %v, want ErrNotFound", err)
		}
		if err := c.AbortChunks(ctx, "up/aborted", h); err != nil {
			t.Fatalf("AbortChunks again: %v", err)
		}
		if keys := Keys(t, s, ""); len(keys) != 0 {
			t.Fatalf("AbortChunks left %v", keys)
		}
	})

	t.Run("Replaces", func(t *testing.T) {
		s := newStore(t)
		c := store.Chunks(s)
		old, err := s.Put(ctx, "k", strings.NewReader("old"), 3, store.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p := body(size(c), 5)
		h, refs := write(t, c, "k", p)
		if got := Read(t, s, "k"); string(got) != "old" {
			t.Fatalf("before CompleteChunks the old object reads %q", got)
		}
		info, err := c.CompleteChunks(ctx, "k", h, refs)
		if err != nil {
			t.Fatal(err)
		}
		if info.ETag == old.ETag || !bytes.Equal(Read(t, s, "k"), p) {
			t.Fatalf("CompleteChunks did not replace the object (ETag %s, was %s)", info.ETag, old.ETag)
		}
		if keys := Keys(t, s, ""); !slices.Equal(keys, []string{"k"}) {
			t.Fatalf("after CompleteChunks the store holds %v, want only k", keys)
		}
	})
}
