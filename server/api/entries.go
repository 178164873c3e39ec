package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/oxdrop/oxdrop/server/store"
)

// A repository's metadata entries are written while its files arrive, in
// chunks of JSON lines (data/<id>/entries/<k>), one storedEntry per file,
// without the commit. So a creation holds at most one chunk of entries in
// memory whatever its number of files or the size of their metadata, the
// commit (with its author) is stored once instead of twice per entry, and
// no stored object is too large to read back: readers stream the chunks
// and add the commit to each entry as they write it out.

// entryChunkBytes is when a chunk is written out. A single entry larger
// than it (a wide table's schema) makes a chunk of its own. A variable so
// tests can make many chunks from a few files.
var entryChunkBytes = 1 << 20

// storedEntry is one line of an entries chunk: a file's path and what the
// core learned about it. The MetadataEntry is rebuilt from it with
// repo.Entry, so stored and answered entries cannot drift apart.
type storedEntry struct {
	Path string `json:"path"`
	model.FileInfo
}

func entriesChunkKey(data string, k int) string { return fmt.Sprintf("%s/entries/%06d", data, k) }

// entrySpool collects entries and writes a chunk each entryChunkBytes.
type entrySpool struct {
	buf    bytes.Buffer
	chunks int
}

// add appends one entry, writing a chunk when the buffer is full.
func (c *creation) addEntry(p string, info model.FileInfo) error {
	s := &c.entries
	enc := json.NewEncoder(&s.buf) // one line, HTML characters as they are
	enc.SetEscapeHTML(false)
	if err := enc.Encode(storedEntry{Path: p, FileInfo: info}); err != nil {
		return err
	}
	if s.buf.Len() >= entryChunkBytes {
		return c.flushEntries()
	}
	return nil
}

// flushEntries writes the buffered entries as the next chunk.
func (c *creation) flushEntries() error {
	s := &c.entries
	if s.buf.Len() == 0 {
		return nil
	}
	key := entriesChunkKey(c.data, s.chunks)
	c.written = append(c.written, key)
	if _, err := c.h.st.Put(c.ctx, key, bytes.NewReader(s.buf.Bytes()), int64(s.buf.Len()), store.PutOptions{}); err != nil {
		return err
	}
	s.chunks++
	s.buf.Reset()
	if s.buf.Cap() > 4*entryChunkBytes {
		s.buf = bytes.Buffer{} // a huge entry's buffer is not kept for the rest
	}
	return nil
}

// writeRepo answers the repository view with its metadata entries, as the
// creation response and GET /api/repos/{ns}/{name} both do. Entries are
// streamed chunk by chunk; a failure after the status line has gone out
// aborts the connection, so a client never takes a cut answer for a whole
// one.
func (h *handler) writeRepo(w http.ResponseWriter, r *http.Request, rec *record, statusMessage string) error {
	view, err := json.Marshal(repositoryView{Namespace: rec.Namespace, Name: rec.Name, LatestCommit: rec.LatestCommit, MinVersion: repo.MinVersion})
	if err != nil {
		return err
	}
	var legacy store.Blob // entries.json of repositories made before chunks
	if rec.EntryChunks == nil {
		if legacy, err = h.st.Open(r.Context(), rec.Data+"/entries.json"); err != nil {
			return err
		}
		defer legacy.Close()
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodHead {
		return nil
	}
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"status":"success","status_message":"`+statusMessage+`","repository":`)
	w.Write(view)
	io.WriteString(w, `,"metadata_entries":`)
	switch {
	case legacy != nil:
		_, err = io.Copy(w, legacy)
	case rec.LatestCommit == nil: // no files, no commit: Oxen answers null
		io.WriteString(w, "null")
	default:
		err = h.streamEntries(r.Context(), w, rec)
	}
	if err != nil {
		h.log.Error("answer cut: reading entries", "repo", rec.Namespace+"/"+rec.Name, "err", err)
		panic(http.ErrAbortHandler)
	}
	io.WriteString(w, "}\n")
	return nil
}

// streamEntries writes the JSON array of every entry of rec, each with the
// commit.
func (h *handler) streamEntries(ctx context.Context, w io.Writer, rec *record) error {
	io.WriteString(w, "[")
	enc := json.NewEncoder(&trimNewline{w: w})
	enc.SetEscapeHTML(false)
	first := true
	for k := range *rec.EntryChunks {
		obj, err := h.st.Open(ctx, entriesChunkKey(rec.Data, k))
		if err != nil {
			return err
		}
		dec := json.NewDecoder(obj)
		for {
			var se storedEntry
			if err := dec.Decode(&se); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				obj.Close()
				return fmt.Errorf("entries chunk %d: %w", k, err)
			}
			if !first {
				io.WriteString(w, ",")
			}
			first = false
			if err := enc.Encode(repo.Entry(se.Path, se.FileInfo, *rec.LatestCommit)); err != nil {
				obj.Close()
				return err
			}
		}
		obj.Close()
	}
	io.WriteString(w, "]")
	return nil
}

// trimNewline drops the newline json.Encoder ends each value with.
type trimNewline struct{ w io.Writer }

func (t *trimNewline) Write(p []byte) (int, error) {
	n := len(p)
	_, err := t.w.Write(bytes.TrimSuffix(p, []byte("\n")))
	return n, err
}
