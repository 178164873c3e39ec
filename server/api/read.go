package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/oxdrop/oxdrop/server/store"
)

// maxRecordBytes bounds the small JSON objects read back (records, tree
// tree records); entries are streamed, not read whole.
const maxRecordBytes = 1 << 20

func (h *handler) readJSON(r *http.Request, key string, v any) error {
	b, err := h.st.Open(r.Context(), key)
	if err != nil {
		return err
	}
	defer b.Close()
	if b.Size() > maxRecordBytes {
		return errors.New("api: " + key + " is unexpectedly large")
	}
	data, err := io.ReadAll(io.LimitReader(b, maxRecordBytes))
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// loadRecord validates the names and reads the repository record.
func (h *handler) loadRecord(r *http.Request, namespace, name string) (*record, error) {
	for _, s := range []string{namespace, name} {
		if err := repo.ValidateName(s); err != nil {
			return nil, errorf(http.StatusNotFound, "Repository %s/%s not found", namespace, name)
		}
	}
	var rec record
	err := h.readJSON(r, recordKey(namespace, name), &rec)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(http.StatusNotFound, "Repository %s/%s not found", namespace, name)
	}
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// getRepo is GET /api/repos/{namespace}/{name}: the repository view and its
// metadata entries (the creation response's shape, "resource_found").
func (h *handler) getRepo(w http.ResponseWriter, r *http.Request, namespace, name string) error {
	rec, err := h.loadRecord(r, namespace, name)
	if err != nil {
		return err
	}
	return h.writeRepo(w, r, rec, "resource_found")
}

// getFile is GET /api/repos/{namespace}/{name}/file/main/{path}.
func (h *handler) getFile(w http.ResponseWriter, r *http.Request, namespace, name, p string) error {
	if _, err := repo.CleanPath(p); err != nil {
		return errorf(http.StatusBadRequest, "%s", err)
	}
	rec, err := h.loadRecord(r, namespace, name)
	if err != nil {
		return err
	}
	var tr treeRecord
	err = h.readJSON(r, treeKey(rec.Data, p), &tr)
	if errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, "No file %q in %s/%s on main", p, namespace, name)
	}
	if err != nil {
		return err
	}
	blob, err := h.st.Open(r.Context(), versionKey(rec.Data, tr.Hash))
	if err != nil {
		return err
	}
	defer blob.Close()
	hd := w.Header()
	ct := tr.MimeType
	if ct == "" {
		ct = "application/octet-stream"
	}
	hd.Set("Content-Type", ct)
	hd.Set("X-Content-Type-Options", "nosniff")
	// The bytes are the uploader's: never let them run as a page of ours.
	hd.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'")
	disp := "inline"
	if !inlineSafe(ct) || activeExtension(p) {
		disp = "attachment"
	}
	hd.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": path.Base(p)}))
	hd.Set("ETag", `"`+tr.Hash+`"`)
	hd.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(blob, 0, blob.Size()))
	return nil
}

// activeExtension: names a browser may treat as a page or script whatever
// the Content-Type says (a saved download, a misdetected type).
func activeExtension(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".html", ".htm", ".xhtml", ".shtml", ".svg", ".svgz", ".xml", ".xsl", ".xslt", ".js", ".mjs", ".pdf", ".swf":
		return true
	}
	return false
}

// inlineSafe lists the types a browser shows without running anything;
// everything else (HTML, SVG, XML, JavaScript, PDF, unknown) downloads.
func inlineSafe(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch mt {
	case "image/svg+xml", "image/svg":
		return false
	case "text/plain", "text/csv", "text/tab-separated-values", "text/markdown", "application/json",
		"application/octet-stream":
		return true
	}
	return strings.HasPrefix(mt, "image/") || strings.HasPrefix(mt, "audio/") || strings.HasPrefix(mt, "video/")
}
