package repobuild

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/server/store"
	"github.com/oxdrop/oxdrop/server/store/billystore"
	"github.com/oxdrop/oxdrop/server/store/storetest"
)

// testEnv is a Builder over a billystore in memory.
type testEnv struct {
	t  *testing.T
	b  *Builder
	st store.Store
}

func newEnv(t *testing.T, opts ...func(*Config)) *testEnv {
	t.Helper()
	cfg := Config{Store: billystore.New(memfs.New())}
	for _, o := range opts {
		o(&cfg)
	}
	return &testEnv{t: t, b: New(cfg), st: cfg.Store}
}

// keys lists every key with prefix.
func (e *testEnv) keys(prefix string) []string {
	e.t.Helper()
	return storetest.Keys(e.t, e.st, prefix)
}

// begin starts a creation, failing the test if it cannot.
func (e *testEnv) begin() *Creation {
	e.t.Helper()
	c, err := e.b.Begin(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// named starts a creation of namespace/name.
func (e *testEnv) named(namespace, name string) *Creation {
	e.t.Helper()
	c := e.begin()
	if err := c.SetRepo(namespace, name); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// entriesJSON is the repository's metadata entries as written out.
func entriesJSON(t *testing.T, r *Repo) []byte {
	t.Helper()
	ents, err := r.OpenEntries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer ents.Close()
	var b bytes.Buffer
	if err := ents.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// entries decodes entriesJSON.
func entries(t *testing.T, r *Repo) []model.MetadataEntry {
	t.Helper()
	var out []model.MetadataEntry
	if err := json.Unmarshal(entriesJSON(t, r), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// readFile reads a file of a published repository whole.
func readFile(t *testing.T, r *Repo, p string) (model.FileInfo, []byte) {
	t.Helper()
	info, blob, err := r.OpenFile(context.Background(), p)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	defer blob.Close()
	b, err := io.ReadAll(blob)
	if err != nil {
		t.Fatal(err)
	}
	return info, b
}

// put writes a key as it is.
func (e *testEnv) put(k, v string) {
	e.t.Helper()
	if _, err := e.st.Put(context.Background(), k, strings.NewReader(v), int64(len(v)), store.PutOptions{}); err != nil {
		e.t.Fatal(err)
	}
}
