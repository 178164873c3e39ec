package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

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
//
// A stored line holds the answered entry's commit-free end ready to copy:
// its fields from "size" to "metadata" are the bytes encoding/json writes
// for them in a MetadataEntry. A reader writes the entry's commit-dependent
// head from the line's path and hash tokens, copies the rest of the line
// through a small buffer and adds is_queryable (entryWriter): a wide
// table's schema (up to 8 MiB of JSON) is never decoded nor held whole.

// entryChunkBytes is when a chunk is written out. A single entry larger
// than it (a wide table's schema) makes a chunk of its own. A variable so
// tests can make many chunks from a few files.
var entryChunkBytes = 1 << 20

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

// entrySpool collects entries and writes a chunk each entryChunkBytes.
type entrySpool struct {
	buf    bytes.Buffer
	chunks int
}

// addEntry appends one entry, writing a chunk when the buffer is full. An
// entry whose metadata JSON is a chunk or more (a wide table's schema) is
// written as a chunk of its own straight from that JSON, which is then the
// only copy held.
func (c *creation) addEntry(p string, info model.FileInfo) error {
	s := &c.entries
	meta, err := metadataJSON(info.Metadata)
	if err != nil {
		return fmt.Errorf("metadata of %q: %w", p, err)
	}
	if len(meta) >= entryChunkBytes && compactJSON(meta) {
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
	if s.buf.Len() >= entryChunkBytes {
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
func (c *creation) flushEntries() error {
	s := &c.entries
	if s.buf.Len() == 0 {
		return nil
	}
	if err := c.putChunk(bytes.NewReader(s.buf.Bytes()), int64(s.buf.Len())); err != nil {
		return err
	}
	s.buf.Reset()
	if s.buf.Cap() > 2*entryChunkBytes {
		s.buf = bytes.Buffer{} // a large entry's buffer is not kept for the rest
	}
	return nil
}

// putChunk writes the next entries chunk.
func (c *creation) putChunk(r io.Reader, size int64) error {
	key := entriesChunkKey(c.data, c.entries.chunks)
	c.written = append(c.written, key)
	if _, err := c.h.st.Put(c.ctx, key, r, size, store.PutOptions{}); err != nil {
		return err
	}
	c.entries.chunks++
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
	ew, err := newEntryWriter(w, *rec.LatestCommit, entryReadBuffer)
	if err != nil {
		return err
	}
	io.WriteString(w, "[")
	for k := range *rec.EntryChunks {
		obj, err := h.st.Open(ctx, entriesChunkKey(rec.Data, k))
		if err != nil {
			return err
		}
		err = ew.copyChunk(obj)
		obj.Close()
		if err != nil {
			return fmt.Errorf("entries chunk %d: %w", k, err)
		}
	}
	io.WriteString(w, "]")
	return nil
}

// entryReadBuffer is the read buffer of a chunk: the most of a line held
// at once, whatever the size of its metadata.
const entryReadBuffer = 64 << 10

// maxStoredString bounds a stored path or hash token (a 1,024-byte path
// escaped is at most 6 KiB): past it the line is not one we wrote.
const maxStoredString = 32 << 10

// entryWriter writes stored lines as the answered entries of one commit,
// exactly as encoding/json (SetEscapeHTML(false)) writes repo.Entry's
// MetadataEntry. Per line it reads the path and hash tokens and peeks the
// data type; it writes the entry's head (filename, hash, is_dir,
// latest_commit, resource) from those tokens and the commit's JSON, made
// once, then the line's fields from "size" to "metadata" as stored, then
// is_queryable. Nothing is decoded but the path when a token has escapes
// and the data type's first occurrence: a small entry costs no reflection,
// a wide one no more than a copy. TestEntriesSplicedExactly holds this to
// repo.Entry's output.
type entryWriter struct {
	w  io.Writer
	br *bufio.Reader
	n  int // entries written

	commit []byte // the commit's JSON
	id     []byte // the commit id's JSON
	// queryable is ,"is_queryable":…} by data type token, from repo.Entry.
	queryable map[string][]byte

	path, hash, head []byte
	held             [1]byte
}

// newEntryWriter makes an entryWriter reading through a buffer of size
// bytes (at least 256: the start of the fields is peeked).
func newEntryWriter(w io.Writer, c model.Commit, size int) (*entryWriter, error) {
	ew := &entryWriter{w: w, br: bufio.NewReaderSize(nil, max(size, 256)), queryable: map[string][]byte{}}
	var b bytes.Buffer
	if err := encodeJSON(&b, c); err != nil {
		return nil, err
	}
	ew.commit = bytes.Clone(b.Bytes())
	b.Reset()
	encodeJSON(&b, c.ID)
	ew.id = bytes.Clone(b.Bytes())
	return ew, nil
}

// errStoredEntry is a chunk line that is not a stored entry.
var errStoredEntry = errors.New("malformed stored entry")

// copyChunk writes every entry of one chunk, commas before all but the
// very first entry.
func (ew *entryWriter) copyChunk(r io.Reader) error {
	ew.br.Reset(r)
	defer ew.br.Reset(nil) // keep no reference to the chunk
	for {
		if _, err := ew.br.Peek(1); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if err := ew.entry(); err != nil {
			return fmt.Errorf("entry %d: %w", ew.n, err)
		}
	}
}

// entry writes the next line's entry.
func (ew *entryWriter) entry() error {
	var err error
	if err = ew.expect(`{"path":`); err != nil {
		return err
	}
	if ew.path, err = ew.str(ew.path[:0]); err != nil {
		return err
	}
	if err = ew.expect(`,"hash":`); err != nil {
		return err
	}
	if ew.hash, err = ew.str(ew.hash[:0]); err != nil {
		return err
	}
	if err = ew.expect(`,`); err != nil {
		return err
	}
	// The rest of the line starts "size":N,"data_type":"…": peek the type.
	fields, err := ew.br.Peek(256)
	if err != nil && err != io.EOF {
		return err
	}
	queryable, err := ew.isQueryable(fields)
	if err != nil {
		return err
	}

	// The head, as encoding/json writes repo.Entry's: a path's JSON is its
	// token; its base name's JSON is the token's end after its last "/"
	// (no escape holds a "/", none is written for one, and a clean path
	// does not end with one); the resource's is the commit id's JSON and
	// the token joined by a "/" (an escape never spans the ASCII id).
	p := ew.path
	h := ew.head[:0]
	if ew.n > 0 {
		h = append(h, ',')
	}
	h = append(h, `{"filename":`...)
	switch i := bytes.LastIndexByte(p, '/'); {
	case len(p) <= 2 || p[len(p)-2] == '/': // "" or ending with "/": path.Base's special cases
		var s string
		if json.Unmarshal(p, &s) != nil {
			return errStoredEntry
		}
		b := bytes.NewBuffer(h)
		encodeJSON(b, path.Base(s))
		h = b.Bytes()
	case i < 0:
		h = append(h, p...)
	default:
		h = append(h, '"')
		h = append(h, p[i+1:]...)
	}
	h = append(h, `,"hash":`...)
	h = append(h, ew.hash...)
	h = append(h, `,"is_dir":false,"latest_commit":`...)
	h = append(h, ew.commit...)
	h = append(h, `,"resource":{"commit":`...)
	h = append(h, ew.commit...)
	h = append(h, `,"branch":null,"workspace":null,"path":`...)
	h = append(h, p...)
	h = append(h, `,"version":`...)
	h = append(h, ew.id...)
	h = append(h, `,"resource":`...)
	h = append(h, ew.id[:len(ew.id)-1]...)
	h = append(h, '/')
	h = append(h, p[1:]...)
	h = append(h, `},`...)
	ew.head = h
	if _, err := ew.w.Write(h); err != nil {
		return err
	}
	if err := ew.copyFields(); err != nil {
		return err
	}
	if _, err := ew.w.Write(queryable); err != nil {
		return err
	}
	ew.n++
	return nil
}

// isQueryable is the entry's end, ,"is_queryable":…}, for the data type
// of fields (a line's rest, "size":N,"data_type":"…",…), as repo.Entry
// sets it.
func (ew *entryWriter) isQueryable(fields []byte) ([]byte, error) {
	size := []byte(`"size":`)
	if !bytes.HasPrefix(fields, size) {
		return nil, errStoredEntry
	}
	rest := bytes.TrimLeft(fields[len(size):], "0123456789")
	dataType := []byte(`,"data_type":"`)
	if !bytes.HasPrefix(rest, dataType) {
		return nil, errStoredEntry
	}
	end := bytes.IndexByte(rest[len(dataType):], '"')
	if end < 0 {
		return nil, errStoredEntry
	}
	tok := rest[len(dataType)-1 : len(dataType)+end+1]
	if q, ok := ew.queryable[string(tok)]; ok {
		return q, nil
	}
	var info model.FileInfo
	if json.Unmarshal(tok, &info.DataType) != nil {
		return nil, errStoredEntry
	}
	var b bytes.Buffer
	b.WriteString(`,"is_queryable":`)
	if err := encodeJSON(&b, repo.Entry("x", info, model.Commit{}).IsQueryable); err != nil {
		return nil, err
	}
	b.WriteString("}")
	ew.queryable[string(tok)] = b.Bytes()
	return b.Bytes(), nil
}

// expect consumes lit, the next bytes of the line.
func (ew *entryWriter) expect(lit string) error {
	b, err := ew.br.Peek(len(lit))
	if err != nil || string(b) != lit {
		return errStoredEntry
	}
	ew.br.Discard(len(lit))
	return nil
}

// str appends the next JSON string token, quotes included, to dst.
func (ew *entryWriter) str(dst []byte) ([]byte, error) {
	if err := ew.expect(`"`); err != nil {
		return dst, err
	}
	dst = append(dst, '"')
	for {
		seg, err := ew.br.ReadSlice('"')
		if err != nil && err != bufio.ErrBufferFull {
			return dst, errStoredEntry
		}
		dst = append(dst, seg...)
		if len(dst) > maxStoredString || bytes.IndexByte(seg, '\n') >= 0 {
			return dst, errStoredEntry
		}
		if err == nil {
			// The quote ends the string unless an odd run of backslashes
			// escapes it.
			k := len(dst) - 2
			for dst[k] == '\\' {
				k--
			}
			if (len(dst)-2-k)%2 == 0 {
				return dst, nil
			}
		}
	}
}

// copyFields writes the rest of the line but its closing brace and newline:
// the entry's fields from "size" to "metadata", through the read buffer.
// The last byte of each full buffer is held back until more follow, since
// it may be that brace. The bytes are not decoded, but they must be
// balanced (strings closed, brackets and braces matched, the brace last):
// a damaged line is an error, not an answer that no longer parses.
func (ew *entryWriter) copyFields() error {
	var bal balance
	held := false
	for {
		seg, err := ew.br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			if err == io.EOF {
				return fmt.Errorf("%w: the line is cut", errStoredEntry)
			}
			return err
		}
		if err == nil && len(seg) == 1 { // the newline alone: the held byte ends the entry
			if !held || ew.held[0] != '}' || !bal.closes() {
				return errStoredEntry
			}
			return nil
		}
		if held {
			if !bal.scan(ew.held[:]) {
				return errStoredEntry
			}
			if _, err := ew.w.Write(ew.held[:]); err != nil {
				return err
			}
		}
		if err == nil { // the end of the line: seg ends with "}\n"
			body := seg[:len(seg)-2]
			if seg[len(seg)-2] != '}' || !bal.scan(body) || !bal.closes() {
				return errStoredEntry
			}
			_, err = ew.w.Write(body)
			return err
		}
		body := seg[:len(seg)-1]
		if !bal.scan(body) {
			return errStoredEntry
		}
		if _, err := ew.w.Write(body); err != nil {
			return err
		}
		ew.held[0], held = seg[len(seg)-1], true
	}
}

// balance follows JSON text's strings and nesting, a piece at a time.
type balance struct {
	depth      int
	inStr, esc bool
}

// scan reads p and reports false if it closes more than was opened.
func (b *balance) scan(p []byte) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if b.inStr {
			switch {
			case b.esc:
				b.esc = false
			case c == '\\':
				b.esc = true
			case c == '"':
				b.inStr = false
			default: // skip to the next quote or backslash
				j := bytes.IndexAny(p[i:], `"\`)
				if j < 0 {
					return true
				}
				i += j - 1
			}
			continue
		}
		switch c {
		case '"':
			b.inStr = true
		case '{', '[':
			b.depth++
		case '}', ']':
			if b.depth--; b.depth < 0 {
				return false
			}
		}
	}
	return true
}

// closes reports whether everything opened was closed.
func (b *balance) closes() bool { return b.depth == 0 && !b.inStr }
