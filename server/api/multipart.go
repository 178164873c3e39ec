package api

import (
	"errors"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/oxdrop/oxdrop/server/internal/formstream"
	"github.com/oxdrop/oxdrop/server/internal/payload"
)

// createMultipart streams the parts: each file goes through the analyzer
// into the store as it arrives; nothing is held whole in memory.
func (h *handler) createMultipart(w http.ResponseWriter, r *http.Request, ct string) error {
	boundary, err := formstream.BoundaryFromContentType(ct)
	if err != nil {
		return errorf(http.StatusBadRequest, "%s", err)
	}
	mr, err := formstream.NewReader(r.Body, boundary, 0)
	if err != nil {
		return errorf(http.StatusBadRequest, "%s", err)
	}
	c, err := h.newCreation(r.Context())
	if err != nil {
		return err
	}
	return h.build(w, r, c, func() error { return h.readParts(c, mr) }, true)
}

func (h *handler) readParts(c *creation, mr *formstream.Reader) error {
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return err
			}
			if isTruncated(err) {
				return errorf(http.StatusBadRequest, "Malformed multipart body: %v", err)
			}
			if errors.Is(err, c.ctx.Err()) || c.ctx.Err() != nil {
				return errorf(http.StatusBadRequest, "The request was cancelled")
			}
			return errorf(http.StatusBadRequest, "Malformed multipart body: %v", err)
		}
		switch part.Name {
		case payload.PartFile, payload.PartFiles:
			if !part.HasFilename {
				return errorf(http.StatusBadRequest, "A %q part has no filename: the filename must be the file's relative path", part.Name)
			}
			if err := c.addFile(part.Filename, part); err != nil {
				return err
			}
		case payload.PartNewRepo:
			b, err := readText(part, maxTextPart)
			if err != nil {
				return err
			}
			req, err := parseRepoNew(b, 0, false)
			if err != nil {
				return err
			}
			if err := c.setRepo(req.namespace, req.name); err != nil {
				return err
			}
		case payload.PartName, payload.PartEmail:
			b, err := readText(part, maxTextPart)
			if err != nil {
				return err
			}
			if part.Name == payload.PartName {
				c.author, c.haveAuthor = string(b), true
			} else {
				c.email, c.haveEmail = string(b), true
			}
		case payload.PartManifest:
			b, err := readText(part, payload.MaxManifestBytes)
			if err != nil {
				return err
			}
			m, err := payload.ParseManifest(b, c.h.cfg.MaxFiles)
			var tooMany *payload.TooManyFilesError
			if errors.As(err, &tooMany) {
				return errorf(http.StatusRequestEntityTooLarge, "Too many files: the %s", err)
			}
			if err != nil {
				return errorf(http.StatusBadRequest, "%s", err)
			}
			if err := c.setManifest(m); err != nil {
				return err
			}
		}
		// Any other part is skipped by the next NextPart.
	}
}

// readText reads a small part whole: at most max bytes of UTF-8.
func readText(p *formstream.Part, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(p, max+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, errorf(http.StatusBadRequest, "Malformed multipart body in part %q: %v", p.Name, err)
	}
	if int64(len(b)) > max {
		return nil, errorf(http.StatusRequestEntityTooLarge, "Part %q is over the limit of %d bytes", p.Name, max)
	}
	if !utf8.Valid(b) {
		return nil, errorf(http.StatusBadRequest, "Part %q is not valid UTF-8", p.Name)
	}
	return b, nil
}
