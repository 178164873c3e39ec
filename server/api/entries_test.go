package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/oxdrop/oxdrop/server/repobuild"
)

// creationResponse decodes a 200 body (RepositoryCreationResponse).
type creationResponse struct {
	Status          string                `json:"status"`
	StatusMessage   string                `json:"status_message"`
	Repository      repositoryView        `json:"repository"`
	MetadataEntries []model.MetadataEntry `json:"metadata_entries"`
}

// createReadBack creates repository ox/name from parts, reads it back with
// GET, checks both answered the same entries, byte for byte, and returns
// them decoded and as answered.
func createReadBack(t *testing.T, e *testEnv, name string, parts []part) ([]model.MetadataEntry, json.RawMessage) {
	t.Helper()
	r := e.postMultipart(parts...)
	if r.status != 200 {
		t.Fatalf("%d %.300s", r.status, r.body)
	}
	var created, got struct {
		Entries json.RawMessage `json:"metadata_entries"`
	}
	json.Unmarshal(r.body, &created)
	g := e.get("/api/repos/ox/" + name)
	json.Unmarshal(g.body, &got)
	if !bytes.Equal(created.Entries, got.Entries) {
		t.Fatalf("GET entries (%d bytes) differ from the creation's (%d bytes)", len(got.Entries), len(created.Entries))
	}
	var entries []model.MetadataEntry
	if err := json.Unmarshal(got.Entries, &entries); err != nil {
		t.Fatal(err)
	}
	return entries, got.Entries
}

// TestEntriesStoredOnceReadBack: entries are spooled in chunks without the
// commit, so the author is stored once; GET answers exactly the entries the
// creation answered, across several chunks.
func TestEntriesStoredOnceReadBack(t *testing.T) {
	const entryChunkBytes = 32 << 10
	e := newEnv(t, withEntryChunkBytes(entryChunkBytes))
	author := strings.Repeat("a", repo.MaxAuthorBytes)
	// Entries of ~250 KiB each (a long text's metadata is small, so use
	// many files with long paths): enough files to need several chunks.
	var parts []part
	parts = append(parts, newRepo("ox", "chunks"), field("name", author), field("email", "e@x"))
	n := 3 * entryChunkBytes / 1100
	for i := range n {
		p := fmt.Sprintf("%s/%s/%s/%05d.txt", strings.Repeat("d", 250), strings.Repeat("e", 250), strings.Repeat("f", 250), i)
		parts = append(parts, file(p, []byte(fmt.Sprintf("line %d\n", i))))
	}
	entries, raw := createReadBack(t, e, "chunks", parts)
	if len(entries) != n || len(raw) < n*1000 {
		t.Fatalf("%d entries, %d bytes", len(entries), len(raw))
	}
	for _, me := range entries {
		if me.LatestCommit == nil || me.LatestCommit.Author != author || me.Resource.Commit.ID != me.LatestCommit.ID {
			t.Fatalf("entry without its commit: %+v", me)
		}
	}
	chunks := e.keys("data/")
	nchunks := 0
	for _, k := range chunks {
		if !strings.Contains(k, "/entries/") {
			continue
		}
		nchunks++
		b := e.read(k)
		if bytes.Contains(b, []byte(author)) {
			t.Errorf("%s holds the author: the commit must be stored once", k)
		}
	}
	if nchunks < 3 {
		t.Errorf("%d entries chunks, want at least 3", nchunks)
	}
}

// TestEntriesLargeOwnChunk: an entry whose metadata is a chunk or more is
// written as a chunk of its own, between the chunks of the entries around
// it, and every entry is answered in upload order, by creation and GET
// alike, as the exact JSON of its decoded MetadataEntry.
func TestEntriesLargeOwnChunk(t *testing.T) {
	e := newEnv(t, withEntryChunkBytes(32<<10))
	parts := []part{newRepo("ox", "mixed"), field("name", `<Bessie> & "co"`), field("email", "e@x")}
	var paths []string
	add := func(p string, b []byte) {
		paths = append(paths, p)
		parts = append(parts, file(p, b))
	}
	add("a.txt", []byte("a\n"))
	add("wide/1.csv", wideCSV(600)) // ~40 KiB of schema
	add("b <&>.txt", []byte("b\n"))
	add("wide/2.csv", wideCSV(700))
	add("wide/3.csv", wideCSV(800))
	for i := range 600 { // small entries over several chunks
		add(fmt.Sprintf("small/%03d \"q\".txt", i), []byte("x\n"))
	}
	add("wide/4.csv", wideCSV(900))
	entries, raw := createReadBack(t, e, "mixed", parts)
	if len(entries) != len(paths) {
		t.Fatalf("%d entries, want %d", len(entries), len(paths))
	}
	var again bytes.Buffer
	again.WriteString("[")
	for i, me := range entries {
		if me.Resource.Path != paths[i] {
			t.Fatalf("entry %d is %q, want %q", i, me.Resource.Path, paths[i])
		}
		if i > 0 {
			again.WriteString(",")
		}
		encodeJSON(&again, me)
	}
	again.WriteString("]")
	if !bytes.Equal(again.Bytes(), raw) {
		t.Fatalf("the answer is not the JSON of its entries:\n%.300s\n%.300s", raw, again.Bytes())
	}
	// Chunks: small entries before, each wide table alone, then the rest.
	var chunks []string
	for _, k := range e.keys("data/") {
		if strings.Contains(k, "/entries/") {
			chunks = append(chunks, k)
		}
	}
	var lines []int
	for _, k := range chunks {
		b := e.read(k)
		lines = append(lines, bytes.Count(b, []byte("\n")))
		if bytes.Contains(b, []byte(`"path":"wide/`)) && lines[len(lines)-1] != 1 {
			t.Errorf("%s: a wide table shares its chunk with %d lines", k, lines[len(lines)-1]-1)
		}
	}
	if len(lines) < 7 || lines[0] != 1 || lines[1] != 1 || lines[2] != 1 || lines[3] != 1 || lines[4] != 1 || lines[len(lines)-1] != 1 {
		t.Errorf("lines per chunk %v: want a, wide 1, b, wide 2, wide 3, small..., wide 4", lines)
	}
}

// TestAuthorBounded: an author over the limit is refused before anything
// is published, and the name stays free.
func TestAuthorBounded(t *testing.T) {
	e := newEnv(t)
	big := strings.Repeat("x", 1<<20)
	for _, tc := range []struct{ name, email, msg string }{
		{big, "e", "name is 1048576 bytes long, over the limit of 255 bytes"},
		{"a", big, "email is 1048576 bytes long"},
		{"a\r\nInjected: yes", "e", "control character"},
	} {
		e.postMultipart(newRepo("ox", "auth"), field("name", tc.name), field("email", tc.email), file("a.txt", []byte("x"))).
			expectError(t, 400, tc.msg)
	}
	if r := e.postMultipart(newRepo("ox", "auth"), field("name", "a"), field("email", "e"), file("a.txt", []byte("x"))); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	e.noTrace()
}

// withEntryChunkBytes makes the creations' entries chunks small, so a few
// files make many.
func withEntryChunkBytes(n int) func(*Config) {
	return func(c *Config) { c.tune = func(b *repobuild.Config) { b.EntryChunkBytes = n } }
}

// encodeJSON appends v's JSON to b as the answers write it (no HTML
// escapes), without the newline.
func encodeJSON(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1)
	return nil
}

// read reads a stored object whole, through the store (on disk each file
// starts with billystore's header).
func (e *testEnv) read(key string) []byte {
	e.t.Helper()
	b, err := e.st.Open(context.Background(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	defer b.Close()
	raw, err := io.ReadAll(b)
	if err != nil {
		e.t.Fatal(err)
	}
	return raw
}
