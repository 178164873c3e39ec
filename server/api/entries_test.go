package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/repo"
)

// creationResponse decodes a 200 body (RepositoryCreationResponse).
type creationResponse struct {
	Status          string                `json:"status"`
	StatusMessage   string                `json:"status_message"`
	Repository      repositoryView        `json:"repository"`
	MetadataEntries []model.MetadataEntry `json:"metadata_entries"`
}

// TestEntriesStoredOnceReadBack: entries are spooled in chunks without the
// commit, so the author is stored once; GET answers exactly the entries the
// creation answered, across several chunks.
func TestEntriesStoredOnceReadBack(t *testing.T) {
	defer func(n int) { entryChunkBytes = n }(entryChunkBytes)
	entryChunkBytes = 32 << 10
	e := newEnv(t)
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
	r := e.postMultipart(parts...)
	if r.status != 200 {
		t.Fatalf("%d %.300s", r.status, r.body)
	}
	var created, got struct {
		Entries json.RawMessage `json:"metadata_entries"`
	}
	json.Unmarshal(r.body, &created)
	g := e.get("/api/repos/ox/chunks")
	json.Unmarshal(g.body, &got)
	if !bytes.Equal(created.Entries, got.Entries) || len(got.Entries) < n*1000 {
		t.Fatalf("GET entries (%d bytes) differ from the creation's (%d bytes)", len(got.Entries), len(created.Entries))
	}
	var entries []model.MetadataEntry
	if err := json.Unmarshal(got.Entries, &entries); err != nil || len(entries) != n {
		t.Fatalf("%d entries, %v", len(entries), err)
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
		b, _ := os.ReadFile(filepath.Join(e.dir, k))
		if bytes.Contains(b, []byte(author)) {
			t.Errorf("%s holds the author: the commit must be stored once", k)
		}
	}
	if nchunks < 3 {
		t.Errorf("%d entries chunks, want at least 3", nchunks)
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
