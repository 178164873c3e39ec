package repobuild

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"

	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/oxdrop/oxdrop/server/store"
)

// maxRecordBytes bounds the small JSON objects read back (records, tree
// records); entries are streamed, not read whole.
const maxRecordBytes = 1 << 20

// Repo is a published repository.
type Repo struct {
	Namespace string
	Name      string
	// LatestCommit is the initial commit; nil for a repository without
	// files (Oxen answers its entries as null).
	LatestCommit *model.Commit

	rec *record
	st  store.Store
}

func (b *Builder) repo(rec *record) *Repo {
	return &Repo{Namespace: rec.Namespace, Name: rec.Name, LatestCommit: rec.LatestCommit, rec: rec, st: b.st}
}

func readJSON(ctx context.Context, st store.Store, key string, v any) error {
	b, err := st.Open(ctx, key)
	if err != nil {
		return err
	}
	defer b.Close()
	if b.Size() > maxRecordBytes {
		return errors.New("repobuild: " + key + " is unexpectedly large")
	}
	data, err := io.ReadAll(io.LimitReader(b, maxRecordBytes))
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// Open reads the record of the published repository namespace/name;
// NotFound if there is none (or the names are not valid ones).
func (b *Builder) Open(ctx context.Context, namespace, name string) (*Repo, error) {
	for _, s := range []string{namespace, name} {
		if err := repo.ValidateName(s); err != nil {
			return nil, errorf(NotFound, "Repository %s/%s not found", namespace, name)
		}
	}
	var rec record
	err := readJSON(ctx, b.st, recordKey(namespace, name), &rec)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(NotFound, "Repository %s/%s not found", namespace, name)
	}
	if err != nil {
		return nil, err
	}
	return b.repo(&rec), nil
}

// OpenFile opens the file at path p (a clean path: repo.CleanPath) of the
// repository's main branch, with what the creation learned of it but its
// metadata; NotFound if it has none there. The caller closes the blob.
func (r *Repo) OpenFile(ctx context.Context, p string) (model.FileInfo, store.Blob, error) {
	var tr treeRecord
	err := readJSON(ctx, r.st, treeKey(r.rec.Data, p), &tr)
	if errors.Is(err, store.ErrNotFound) {
		return model.FileInfo{}, nil, errorf(NotFound, "No file %q in %s/%s on main", p, r.Namespace, r.Name)
	}
	if err != nil {
		return model.FileInfo{}, nil, err
	}
	key := tr.Blob
	if key == "" {
		key = versionKey(r.rec.Data, tr.Hash)
	}
	blob, err := r.st.Open(ctx, key)
	if err != nil {
		return model.FileInfo{}, nil, err
	}
	return tr.FileInfo, blob, nil
}

// Entries are a repository's metadata entries, opened to be written out.
type Entries struct {
	r      *Repo
	ctx    context.Context
	legacy store.Blob // entries.json of repositories made before chunks
}

// OpenEntries opens the metadata entries (whatever can fail before the
// first byte is written fails here). The caller closes them.
func (r *Repo) OpenEntries(ctx context.Context) (*Entries, error) {
	e := &Entries{r: r, ctx: ctx}
	if r.rec.EntryChunks == nil {
		b, err := r.st.Open(ctx, r.rec.Data+"/entries.json")
		if err != nil {
			return nil, err
		}
		e.legacy = b
	}
	return e, nil
}

// Close releases what OpenEntries opened.
func (e *Entries) Close() error {
	if e.legacy != nil {
		return e.legacy.Close()
	}
	return nil
}

// WriteJSON writes the entries as Oxen's metadata_entries: a JSON array of
// every entry, each with the commit, streamed chunk by chunk, or null for
// a repository without files. An error (reading a chunk, or writing an
// entry) may come after some bytes were written: the output is then cut.
func (e *Entries) WriteJSON(w io.Writer) error {
	switch rec := e.r.rec; {
	case e.legacy != nil:
		_, err := io.Copy(w, e.legacy)
		return err
	case rec.LatestCommit == nil: // no files, no commit: Oxen answers null
		io.WriteString(w, "null")
		return nil
	}
	return e.stream(w)
}

// stream writes the JSON array of every entry, each with the commit.
func (e *Entries) stream(w io.Writer) error {
	rec := e.r.rec
	ew, err := newEntryWriter(w, *rec.LatestCommit, entryReadBuffer)
	if err != nil {
		return err
	}
	io.WriteString(w, "[")
	for k := range *rec.EntryChunks {
		obj, err := e.r.st.Open(e.ctx, entriesChunkKey(rec.Data, k))
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
