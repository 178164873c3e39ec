package repobuild

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/oxdrop/oxdrop/core/describe"
	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/internal/testenv"
	"github.com/oxdrop/oxdrop/server/store"
)

// counting counts the blobs a store opens.
type counting struct {
	store.Store
	opens atomic.Int64
}

func (c *counting) Open(ctx context.Context, key string) (store.Blob, error) {
	c.opens.Add(1)
	return c.Store.Open(ctx, key)
}

// Move keeps the store's own move (a rename): without it store.Move would
// copy through Open, which is not what is counted here.
func (c *counting) Move(ctx context.Context, from, to string) error {
	return store.Move(ctx, c.Store, from, to)
}

// TestDescribedWhileWritten: every Oxen fixture is described from the
// windows kept while it streamed to the store, never by opening the stored
// blob again, and with the same answer as describing the file on its own.
// A file whose describer reads outside the windows still gets the right
// answer, from one reopening.
func TestDescribedWhileWritten(t *testing.T) {
	dir := testenv.Fixtures(t)
	st := &counting{}
	e := newEnv(t, func(c *Config) { st.Store = c.Store; c.Store = st })
	c := e.named("ox", "windows")
	c.SetAuthor("a", "b")
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "NOTICE" {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		before := st.opens.Load()
		if err := c.AddFile(filepath.ToSlash(rel), bytes.NewReader(data)); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		want, err := describe.File(d.Name(), bytes.NewReader(data), int64(len(data)), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.opens.Load() != before && len(data) <= headWindow+tailWindow {
			t.Errorf("%s (%d bytes): the stored blob was opened again", rel, len(data))
		}
		got := c.lastInfo
		if got.Hash != want.Hash || got.MimeType != want.MimeType || got.DataType != want.DataType || !sameMetadata(t, got.Metadata, want.Metadata) {
			t.Errorf("%s: described as %+v, alone as %+v", rel, got, want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d fixtures, %d reopened", n, c.reopened)

	// An ID3v2 tag bigger than both windows puts an mp3's first frame in
	// the middle: the describer must reopen the blob, once.
	tag := make([]byte, 10+headWindow+tailWindow)
	copy(tag, "ID3\x03\x00\x00")
	size := len(tag) - 10
	tag[6], tag[7], tag[8], tag[9] = byte(size>>21&0x7f), byte(size>>14&0x7f), byte(size>>7&0x7f), byte(size&0x7f)
	mp3 := append(tag, bytes.Repeat([]byte{0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0}, 200_000)...)
	reopened := c.reopened
	if err := c.AddFile("big-tag.mp3", bytes.NewReader(mp3)); err != nil {
		t.Fatal(err)
	}
	want, _ := describe.File("big-tag.mp3", bytes.NewReader(mp3), int64(len(mp3)), nil, nil)
	if got := c.lastInfo; got.Hash != want.Hash || !sameMetadata(t, got.Metadata, want.Metadata) {
		t.Errorf("big-tag.mp3: %+v, alone %+v", got, want)
	}
	if c.reopened != reopened+1 {
		t.Errorf("big-tag.mp3: reopened %d times, want 1", c.reopened-reopened)
	}
}

func sameMetadata(t *testing.T, a, b *model.Metadata) bool {
	t.Helper()
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}
