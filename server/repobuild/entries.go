package repobuild

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/server/store"
)

// A repository's metadata entries are written while its files arrive, in
// chunks of JSON lines (data/<id>/entries/<k>), one storedEntry per file,
// without the commit. So a creation holds at most one chunk of entries in
// memory whatever its number of files or the size of their metadata, the
// commit (with its author) is stored once instead of twice per entry, and
// no stored object is too large to read back: readers stream the chunks
// and add the commit to each entry as they write it out.
//
// A stored line holds the answered entry's commit-free end ready to copy:
// its fields from "size" to "metadata" are the bytes encoding/json writes
// for them in a MetadataEntry. A reader writes the entry's commit-dependent
// head from the line's path and hash tokens, copies the rest of the line
// through a small buffer and adds is_queryable (entryWriter, read.go): a
// wide table's schema (up to 8 MiB of JSON) is never decoded nor held
// whole.
//
// A chunk is written out when it reaches Config.EntryChunkBytes; a single
// entry larger than that (a wide table's schema) makes a chunk of its own.

// storedEntry is one line of an entries chunk: a file's path and what the
// core learned about it (model.FileInfo's fields, in MetadataEntry's
// order). Its JSON is {"path":…,"hash":…,"size":…,…,"metadata":…}.
type storedEntry struct {
	Path      string          `json:"path"`
	Hash      string          `json:"hash"`
	Size      uint64          `json:"size"`
	DataType  model.DataType  `json:"data_type"`
	MimeType  string          `json:"mime_type"`
	Extension string          `json:"extension"`
	Metadata  *model.Metadata `json:"metadata"`
}

func entriesChunkKey(data string, k int) string { return fmt.Sprintf("%s/entries/%06d", data, k) }

// entrySpool collects entries and writes a chunk each EntryChunkBytes.
type entrySpool struct {
	buf    bytes.Buffer
	chunks int
}

// addEntry appends one entry, writing a chunk when the buffer is full. An
// entry whose metadata JSON is a chunk or more (a wide table's schema) is
// written as a chunk of its own straight from that JSON, which is then the
// only copy held.
func (c *Creation) addEntry(p string, info model.FileInfo) error {
	s := &c.entries
	meta, err := metadataJSON(info.Metadata)
	if err != nil {
		return fmt.Errorf("metadata of %q: %w", p, err)
	}
	if len(meta) >= c.b.cfg.EntryChunkBytes && compactJSON(meta) {
		if err := c.flushEntries(); err != nil { // the lines stay in order
			return err
		}
		var head bytes.Buffer
		if err := appendLineHead(&head, p, info); err != nil {
			return err
		}
		size := int64(head.Len() + len(meta) + len("}\n"))
		return c.putChunk(io.MultiReader(&head, bytes.NewReader(meta), strings.NewReader("}\n")), size)
	}
	if err := appendEntryLine(&s.buf, p, info, meta); err != nil {
		return err
	}
	if s.buf.Len() >= c.b.cfg.EntryChunkBytes {
		return c.flushEntries()
	}
	return nil
}

// appendEntryLine appends the stored line of one entry to b, meta being
// its metadata's JSON (metadataJSON): what encoding/json's Encoder
// (SetEscapeHTML(false)) writes for its storedEntry, but with the
// metadata's JSON compacted straight into b, as the encoder does with a
// Marshaler, instead of through the encoder's own buffer.
func appendEntryLine(b *bytes.Buffer, p string, info model.FileInfo, meta []byte) error {
	start := b.Len()
	if err := appendLineHead(b, p, info); err != nil {
		return err
	}
	if err := json.Compact(b, meta); err != nil {
		b.Truncate(start)
		return fmt.Errorf("metadata of %q: %w", p, err)
	}
	b.WriteString("}\n")
	return nil
}

// appendLineHead appends a stored line up to its metadata: the JSON of
// its storedEntry without the metadata's null and the closing brace.
func appendLineHead(b *bytes.Buffer, p string, info model.FileInfo) error {
	head := storedEntry{Path: p, Hash: info.Hash, Size: info.Size, DataType: info.DataType, MimeType: info.MimeType, Extension: info.Extension}
	if err := encodeJSON(b, head); err != nil {
		return err
	}
	b.Truncate(b.Len() - len(`null}`))
	return nil
}

// metadataJSON is m's JSON as its MarshalJSON writes it, null for nil.
func metadataJSON(m *model.Metadata) ([]byte, error) {
	if m == nil {
		return []byte("null"), nil
	}
	return m.MarshalJSON()
}

// compactJSON reports whether b is valid JSON that json.Compact leaves as
// it is (no space outside strings), so it can be stored without a copy.
func compactJSON(b []byte) bool {
	if !json.Valid(b) {
		return false
	}
	inStr := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case inStr:
			j := bytes.IndexAny(b[i:], `"\`) // the string's end or next escape
			i += j - 1
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return false
		}
	}
	return true
}

// encodeJSON appends v's JSON to b as encoding/json's Encoder with
// SetEscapeHTML(false) writes it (<, > and & as they are), without the
// newline.
func encodeJSON(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1)
	return nil
}

// flushEntries writes the buffered entries as the next chunk.
func (c *Creation) flushEntries() error {
	s := &c.entries
	if s.buf.Len() == 0 {
		return nil
	}
	if err := c.putChunk(bytes.NewReader(s.buf.Bytes()), int64(s.buf.Len())); err != nil {
		return err
	}
	s.buf.Reset()
	if s.buf.Cap() > 2*c.b.cfg.EntryChunkBytes {
		s.buf = bytes.Buffer{} // a large entry's buffer is not kept for the rest
	}
	return nil
}

// putChunk writes the next entries chunk.
func (c *Creation) putChunk(r io.Reader, size int64) error {
	key := entriesChunkKey(c.data, c.entries.chunks)
	c.written = append(c.written, key)
	if _, err := c.b.st.Put(c.ctx, key, r, size, store.PutOptions{}); err != nil {
		return err
	}
	c.entries.chunks++
	return nil
}
