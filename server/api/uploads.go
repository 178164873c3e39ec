package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/oxdrop/oxdrop/server/internal/payload"
	"github.com/oxdrop/oxdrop/server/internal/strictjson"
	"github.com/oxdrop/oxdrop/server/uploads"
	"github.com/tidwall/gjson"
)

// The resumable upload's plan, status and cancel (docs/uploads.md); the
// blobs themselves go through tus (tus.go), the commit through POST
// /api/repos (createjson.go).

// uploadBody is an upload as the API answers it.
type uploadBody struct {
	ID            string           `json:"id"`
	TusEndpoint   string           `json:"tus_endpoint"`
	Missing       []string         `json:"missing"`
	ExpiresAt     string           `json:"expires_at"`
	MaxChunkBytes int64            `json:"max_chunk_bytes"`
	MinChunkBytes int64            `json:"min_chunk_bytes"`
	Resumed       bool             `json:"resumed,omitempty"`
	Offsets       map[string]int64 `json:"offsets,omitempty"`
}

type uploadAnswer struct {
	Status        string     `json:"status"`
	StatusMessage string     `json:"status_message"`
	Upload        uploadBody `json:"upload"`
}

func (h *handler) uploadBody(u *uploads.Upload) uploadBody {
	return uploadBody{
		ID: u.ID, TusEndpoint: tusEndpoint(u.ID), Missing: u.Missing,
		ExpiresAt:     u.Expires.UTC().Format(time.RFC3339),
		MaxChunkBytes: h.ups.MaxChunkBytes(), MinChunkBytes: h.ups.MinChunkBytes(),
		Resumed: u.Resumed, Offsets: u.Offsets,
	}
}

func tusEndpoint(id string) string { return "/api/uploads/" + id + "/files" }

// planLimits: a plan is objects of a few keys, three levels deep.
var planLimits = strictjson.Limits{MaxDepth: 8, MaxMembers: 256}

// planUpload is POST /api/uploads.
func (h *handler) planUpload(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, h.cfg.MaxJSONBytes)
	if err != nil {
		var ae *apiError
		var mbe *http.MaxBytesError
		if errors.As(err, &ae) || errors.As(err, &mbe) {
			return err
		}
		return errorf(http.StatusBadRequest, "Failed to read payload: %v", err)
	}
	if int64(len(body)) > h.cfg.MaxJSONBytes {
		return errorf(http.StatusRequestEntityTooLarge, "JSON body is over the limit of %d bytes", h.cfg.MaxJSONBytes)
	}
	plan, err := h.parsePlan(body)
	if err != nil {
		return err
	}
	h.ups.SweepSoon(r.Context())
	u, err := h.ups.Start(r.Context(), *plan)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, uploadAnswer{"success", "resource_created", h.uploadBody(u)})
	return nil
}

// parsePlan reads {"namespace", "name", "files": [{"path", "hash", "size"}]}
// with the strictness of a RepoNew body.
func (h *handler) parsePlan(body []byte) (*uploads.Plan, error) {
	root, err := parseObject(body, planLimits)
	if err != nil {
		return nil, err
	}
	p := &uploads.Plan{}
	if p.Namespace, p.Name, err = repoName(root); err != nil {
		return nil, err
	}
	files := root.Get("files")
	if !files.IsArray() {
		return nil, badJSON(`"files" must be an array of {"path", "hash", "size"}, got %s`, payload.Kind(files))
	}
	n := 0 // counted before anything is decoded: too many files is a 413, whatever they hold
	files.ForEach(func(_, _ gjson.Result) bool { n++; return n <= h.cfg.MaxFiles })
	if n > h.cfg.MaxFiles {
		return nil, errorf(http.StatusRequestEntityTooLarge, "Too many files: more than %d, the limit per repository", h.cfg.MaxFiles)
	}
	p.Files = make([]uploads.File, 0, n)
	i := 0
	files.ForEach(func(_, f gjson.Result) bool {
		if !f.IsObject() {
			err = badJSON("files[%d] must be an object, got %s", i, payload.Kind(f))
			return false
		}
		path, hash, size := f.Get("path"), f.Get("hash"), f.Get("size")
		switch {
		case path.Type != gjson.String:
			err = badJSON(`files[%d]: "path" must be a string, got %s`, i, payload.Kind(path))
		case hash.Type != gjson.String:
			err = badJSON(`files[%d]: "hash" must be a string, got %s`, i, payload.Kind(hash))
		case size.Type != gjson.Number || !isCount(size.Raw):
			err = badJSON(`files[%d]: "size" must be a whole number of bytes, got %s`, i, size.Raw)
		}
		if err != nil {
			return false
		}
		p.Files = append(p.Files, uploads.File{Path: path.String(), Hash: hash.String(), Size: size.Int()})
		i++
		return true
	})
	return p, err
}

// isCount: a non-negative integer literal that fits an int64.
func isCount(s string) bool {
	if s == "" || len(s) > 18 || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// uploadStatus is GET /api/uploads/{id}.
func (h *handler) uploadStatus(w http.ResponseWriter, r *http.Request) error {
	u, err := h.ups.Status(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, uploadAnswer{"success", "resource_found", h.uploadBody(u)})
	return nil
}

// cancelUpload is DELETE /api/uploads/{id}.
func (h *handler) cancelUpload(w http.ResponseWriter, r *http.Request) error {
	if err := h.ups.Cancel(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
