package api

import (
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// tus 1.0 (https://tus.io/protocols/resumable-upload): the core protocol,
// creation and termination, at an upload's tus_endpoint. The blob state
// lives in package uploads; this file is the HTTP binding only. Written
// here rather than taken from tusd: tusd's handler wants its own storage
// interface and locker, brings metrics and hooks the server does not use,
// and would be compiled into the Worker too; the three extensions oxdrop
// needs are this file.

const tusVersion = "1.0.0"

// tus adapts a tus endpoint: every answer carries Tus-Resumable (errors
// too), and a request must speak tus 1.0.0.
func (h *handler) tus(serve func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Tus-Resumable", tusVersion)
		if v := r.Header.Get("Tus-Resumable"); v != tusVersion {
			w.Header().Set("Tus-Version", tusVersion)
			if v == "" {
				return errorf(http.StatusPreconditionFailed, "Missing Tus-Resumable header: this endpoint speaks tus %s", tusVersion)
			}
			return errorf(http.StatusPreconditionFailed, "Tus-Resumable %q is not supported: this endpoint speaks tus %s", v, tusVersion)
		}
		return serve(w, r)
	}
}

// tusOptions is OPTIONS on a tus endpoint: the server's tus capabilities,
// and the CORS preflight (the same request, for a browser).
func (h *handler) tusOptions(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Tus-Resumable", tusVersion)
	hd.Set("Tus-Version", tusVersion)
	hd.Set("Tus-Extension", "creation,termination")
	hd.Set("Tus-Max-Size", strconv.FormatInt(h.ups.MaxFileBytes(), 10))
	h.preflight(w, r)
}

// tusCreate is POST tus_endpoint: a blob of the plan, announced by its
// hash in Upload-Metadata.
func (h *handler) tusCreate(w http.ResponseWriter, r *http.Request) error {
	if r.Header.Get("Upload-Defer-Length") != "" {
		return errorf(http.StatusBadRequest, "Upload-Defer-Length is not supported: send Upload-Length (the blob's size, as planned)")
	}
	length, err := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64)
	if err != nil || length < 0 {
		return errorf(http.StatusBadRequest, "Upload-Length must be the blob's size in bytes, got %q", r.Header.Get("Upload-Length"))
	}
	if length > h.ups.MaxFileBytes() {
		return errorf(http.StatusRequestEntityTooLarge, "Upload-Length %d is over the limit of %d bytes (Tus-Max-Size)", length, h.ups.MaxFileBytes())
	}
	if r.ContentLength > 0 {
		return errorf(http.StatusBadRequest, "A creation with data (creation-with-upload) is not supported: create with an empty body, then send the bytes with PATCH")
	}
	meta, err := parseUploadMetadata(r.Header.Get("Upload-Metadata"))
	if err != nil {
		return errorf(http.StatusBadRequest, "Upload-Metadata: %v", err)
	}
	hash, ok := meta["hash"]
	if !ok {
		return errorf(http.StatusBadRequest, "Upload-Metadata must carry the blob's Oxen hash: hash <base64 of the hex hash>")
	}
	id := r.PathValue("id")
	if err := h.ups.Create(r.Context(), id, hash, length); err != nil {
		return err
	}
	w.Header().Set("Location", tusEndpoint(id)+"/"+hash)
	w.Header().Set("Upload-Offset", "0")
	w.WriteHeader(http.StatusCreated)
	return nil
}

// parseUploadMetadata reads tus's "key base64value,key2 base64value2".
func parseUploadMetadata(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, pair := range strings.Split(s, ",") {
		key, val, _ := strings.Cut(strings.TrimSpace(pair), " ")
		if key == "" {
			return nil, fmt.Errorf("an empty key in %q", s)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("key %q is given twice", key)
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(val))
		if err != nil {
			return nil, fmt.Errorf("the value of %q is not base64: %v", key, err)
		}
		out[key] = string(b)
	}
	return out, nil
}

// tusHead is HEAD on a blob: how much the server has.
func (h *handler) tusHead(w http.ResponseWriter, r *http.Request) error {
	off, length, err := h.ups.Offset(r.Context(), r.PathValue("id"), r.PathValue("hash"))
	if err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Upload-Offset", strconv.FormatInt(off, 10))
	hd.Set("Upload-Length", strconv.FormatInt(length, 10))
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return nil
}

// tusPatch is PATCH on a blob: its next piece.
func (h *handler) tusPatch(w http.ResponseWriter, r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/offset+octet-stream" {
		return errorf(http.StatusUnsupportedMediaType, "A piece's Content-Type must be application/offset+octet-stream, got %q", r.Header.Get("Content-Type"))
	}
	off, err := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || off < 0 {
		return errorf(http.StatusBadRequest, "Upload-Offset must be the byte offset of this piece, got %q", r.Header.Get("Upload-Offset"))
	}
	// The length is needed before the body (R2 parts are streamed with a
	// fixed length); the header, since the Workers runtime reports a body
	// of unknown length as 0.
	if r.Header.Get("Content-Length") == "" || r.ContentLength < 0 {
		return errorf(http.StatusLengthRequired, "A piece needs a Content-Length (at most %d bytes)", h.ups.MaxChunkBytes())
	}
	if r.ContentLength > h.ups.MaxChunkBytes() {
		w.Header().Set("Connection", "close")
		return errorf(http.StatusRequestEntityTooLarge, "A piece of %d bytes is over the limit of %d bytes (max_chunk_bytes)", r.ContentLength, h.ups.MaxChunkBytes())
	}
	newOff, err := h.ups.Write(r.Context(), r.PathValue("id"), r.PathValue("hash"), off, r.Body, r.ContentLength)
	if err != nil {
		return err
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(newOff, 10))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// tusTerminate is DELETE on a blob: its pieces are discarded.
func (h *handler) tusTerminate(w http.ResponseWriter, r *http.Request) error {
	if err := h.ups.Terminate(r.Context(), r.PathValue("id"), r.PathValue("hash")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// tusOverride serves POST with X-HTTP-Method-Override (PATCH or DELETE),
// which tus clients send through proxies that block those methods.
func (h *handler) tusOverride(w http.ResponseWriter, r *http.Request) error {
	switch m := strings.ToUpper(r.Header.Get("X-HTTP-Method-Override")); m {
	case http.MethodPatch:
		return h.tusPatch(w, r)
	case http.MethodDelete:
		return h.tusTerminate(w, r)
	case "":
		return errorf(http.StatusMethodNotAllowed, "POST on a blob needs X-HTTP-Method-Override: PATCH or DELETE; create blobs at the upload's tus_endpoint")
	default:
		return errorf(http.StatusMethodNotAllowed, "X-HTTP-Method-Override %q is not allowed on a blob: PATCH or DELETE", m)
	}
}
