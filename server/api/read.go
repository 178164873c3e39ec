package api

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/oxdrop/oxdrop/server/repobuild"
)

type repositoryView struct {
	Namespace    string        `json:"namespace"`
	Name         string        `json:"name"`
	LatestCommit *model.Commit `json:"latest_commit"`
	MinVersion   string        `json:"min_version"`
}

// writeRepo answers the repository view with its metadata entries, as the
// creation response and GET /api/repos/{ns}/{name} both do. Entries are
// streamed chunk by chunk; a failure after the status line has gone out
// aborts the connection, so a client never takes a cut answer for a whole
// one.
func (h *handler) writeRepo(w http.ResponseWriter, r *http.Request, rp *repobuild.Repo, statusMessage string) error {
	view, err := json.Marshal(repositoryView{Namespace: rp.Namespace, Name: rp.Name, LatestCommit: rp.LatestCommit, MinVersion: repo.MinVersion})
	if err != nil {
		return err
	}
	entries, err := rp.OpenEntries(r.Context())
	if err != nil {
		return err
	}
	defer entries.Close()
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodHead {
		return nil
	}
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"status":"success","status_message":"`+statusMessage+`","repository":`)
	w.Write(view)
	io.WriteString(w, `,"metadata_entries":`)
	if err := entries.WriteJSON(w); err != nil {
		h.log.Error("answer cut: reading entries", "repo", rp.Namespace+"/"+rp.Name, "err", err)
		panic(http.ErrAbortHandler)
	}
	io.WriteString(w, "}\n")
	return nil
}

// getRepo is GET /api/repos/{namespace}/{name}: the repository view and its
// metadata entries (the creation response's shape, "resource_found").
func (h *handler) getRepo(w http.ResponseWriter, r *http.Request, namespace, name string) error {
	rp, err := h.builds.Open(r.Context(), namespace, name)
	if err != nil {
		return err
	}
	return h.writeRepo(w, r, rp, "resource_found")
}

// getFile is GET /api/repos/{namespace}/{name}/file/main/{path}.
func (h *handler) getFile(w http.ResponseWriter, r *http.Request, namespace, name, p string) error {
	if _, err := repo.CleanPath(p); err != nil {
		return errorf(http.StatusBadRequest, "%s", err)
	}
	rp, err := h.builds.Open(r.Context(), namespace, name)
	if err != nil {
		return err
	}
	info, blob, err := rp.OpenFile(r.Context(), p)
	if err != nil {
		return err
	}
	defer blob.Close()
	hd := w.Header()
	ct := info.MimeType
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
	hd.Set("ETag", `"`+info.Hash+`"`)
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
