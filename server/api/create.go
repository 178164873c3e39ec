package api

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/oxdrop/oxdrop/server/internal/formstream"
	"github.com/oxdrop/oxdrop/server/repobuild"
)

// isTruncated: a body that ended too early.
func isTruncated(err error) bool {
	return errors.Is(err, formstream.ErrTruncated) || errors.Is(err, io.ErrUnexpectedEOF)
}

// maxTextPart caps the small multipart parts (new_repo, name, email).
const maxTextPart = 1 << 20

// create is POST /api/repos.
func (h *handler) create(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength > h.cfg.MaxBodyBytes {
		w.Header().Set("Connection", "close")
		return errorf(http.StatusRequestEntityTooLarge, "Request body of %d bytes is over the limit of %d bytes", r.ContentLength, h.cfg.MaxBodyBytes)
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return errorf(http.StatusBadRequest, "Missing Content-Type: send application/json or multipart/form-data")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return errorf(http.StatusBadRequest, "Unsupported Content-Type %q: %v", ct, err)
	}
	h.builds.SweepStale(r.Context())
	switch mt {
	case "application/json":
		return h.createJSON(w, r)
	case "multipart/form-data":
		return h.createMultipart(w, r, ct)
	}
	return errorf(http.StatusBadRequest, "Unsupported Content-Type %q: send application/json or multipart/form-data", mt)
}

// build runs fill, which decodes the request into c, publishes c, and
// answers with the new repository. On any error or panic before
// publishing, all that c wrote is deleted.
func (h *handler) build(w http.ResponseWriter, r *http.Request, c *repobuild.Creation, fill func() error) error {
	rp, err := publishOrAbort(c, fill)
	if err != nil {
		return err
	}
	// Published: whatever happens to the answer, the repository stays.
	return h.writeRepo(w, r, rp, "resource_created")
}

func publishOrAbort(c *repobuild.Creation, fill func() error) (rp *repobuild.Repo, ferr error) {
	defer func() {
		if p := recover(); p != nil {
			c.Abort()
			panic(p)
		}
		if ferr != nil {
			c.Abort()
		}
	}()
	if err := fill(); err != nil {
		return nil, err
	}
	return c.Publish()
}
