package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"unicode/utf8"

	"github.com/oxdrop/oxdrop/core/oxhash"
	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/oxdrop/oxdrop/server/internal/formstream"
	"github.com/tidwall/gjson"
)

func parseHash(s string) (oxhash.Hash, error) { return oxhash.ParseHex(s) }
func hexHash(h oxhash.Hash) string            { return oxhash.Hex(h) }

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
	h.lazySweep(r.Context())
	switch mt {
	case "application/json":
		return h.createJSON(w, r)
	case "multipart/form-data":
		return h.createMultipart(w, r, ct)
	}
	return errorf(http.StatusBadRequest, "Unsupported Content-Type %q: send application/json or multipart/form-data", mt)
}

// finish publishes c or deletes what it wrote.
func (h *handler) finish(w http.ResponseWriter, c *creation, err error, requireAuthor bool) (ferr error) {
	defer func() {
		if p := recover(); p != nil {
			c.abort()
			panic(p)
		}
		if ferr != nil {
			c.abort()
		}
	}()
	if err != nil {
		return err
	}
	resp, err := c.publish(requireAuthor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// createJSON handles a RepoNew body, read whole (bounded by MaxJSONBytes).
func (h *handler) createJSON(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, h.cfg.MaxJSONBytes+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errorf(http.StatusBadRequest, "Failed to read payload: %v", err)
	}
	if int64(len(body)) > h.cfg.MaxJSONBytes {
		return errorf(http.StatusRequestEntityTooLarge, "JSON body is over the limit of %d bytes; send large files as multipart/form-data", h.cfg.MaxJSONBytes)
	}
	req, err := parseRepoNew(body, true)
	if err != nil {
		return err
	}
	if len(req.files) > h.cfg.MaxFiles {
		return errorf(http.StatusRequestEntityTooLarge, "Too many files: %d, the limit is %d per repository", len(req.files), h.cfg.MaxFiles)
	}
	if err := h.checkAbsent(r.Context(), req.namespace, req.name); err != nil {
		return err
	}
	c, err := h.newCreation(r.Context())
	if err != nil {
		return err
	}
	c.namespace, c.name = req.namespace, req.name
	if len(req.files) > 0 {
		c.author, c.email = req.files[0].name, req.files[0].email
	}
	err = nil
	for _, f := range req.files {
		if err = c.addBytes(f.path, f.contents); err != nil {
			break
		}
	}
	return h.finish(w, c, err, false)
}

// repoNew is the part of RepoNew oxdrop reads.
type repoNew struct {
	namespace, name string
	files           []jsonFile
}

type jsonFile struct {
	path        string
	contents    []byte
	name, email string
}

// parseRepoNew reads RepoNew with gjson, checking every type it uses;
// withFiles also reads files[] (the multipart new_repo part's files are
// ignored, as Oxen replaces them with the file parts).
func parseRepoNew(body []byte, withFiles bool) (*repoNew, error) {
	bad := func(format string, args ...any) error {
		return errorf(http.StatusBadRequest, "Invalid JSON: "+format, args...)
	}
	if !gjson.ValidBytes(body) {
		return nil, bad("the body is not valid JSON")
	}
	root := gjson.ParseBytes(body)
	if !root.IsObject() {
		return nil, bad("the body must be an object, got %s", jsonKind(root))
	}
	req := &repoNew{}
	for _, f := range []struct {
		key string
		dst *string
	}{{"namespace", &req.namespace}, {"name", &req.name}} {
		v := root.Get(f.key)
		if !v.Exists() {
			return nil, bad("missing field %q", f.key)
		}
		if v.Type != gjson.String {
			return nil, bad("%q must be a string, got %s", f.key, jsonKind(v))
		}
		*f.dst = v.String()
	}
	// Oxen checks the name first, then the namespace.
	if err := repo.ValidateName(req.name); err != nil {
		return nil, errorf(http.StatusBadRequest, "%s", err)
	}
	if err := repo.ValidateName(req.namespace); err != nil {
		return nil, errorf(http.StatusBadRequest, "%s", err)
	}
	files := root.Get("files")
	if !withFiles || !files.Exists() || files.Type == gjson.Null {
		return req, nil
	}
	if !files.IsArray() {
		return nil, bad(`"files" must be an array, got %s`, jsonKind(files))
	}
	var err error
	i := 0
	files.ForEach(func(_, f gjson.Result) bool {
		var jf jsonFile
		if jf, err = parseJSONFile(i, f); err != nil {
			return false
		}
		req.files = append(req.files, jf)
		i++
		return true
	})
	if err != nil {
		return nil, err
	}
	return req, nil
}

func parseJSONFile(i int, f gjson.Result) (jsonFile, error) {
	bad := func(format string, args ...any) (jsonFile, error) {
		return jsonFile{}, errorf(http.StatusBadRequest, "Invalid JSON: files[%d]: "+format, append([]any{i}, args...)...)
	}
	if !f.IsObject() {
		return bad("must be an object, got %s", jsonKind(f))
	}
	var jf jsonFile
	p := f.Get("path")
	if p.Type != gjson.String {
		return bad(`"path" must be a string, got %s`, jsonKind(p))
	}
	jf.path = p.String()
	c := f.Get("contents")
	switch {
	case c.Type == gjson.String: // Oxen's serde form: a bare string is Text
		jf.contents = []byte(c.String())
	case c.IsObject() && c.Get("Text").Exists():
		t := c.Get("Text")
		if t.Type != gjson.String {
			return bad(`"contents.Text" must be a string, got %s`, jsonKind(t))
		}
		jf.contents = []byte(t.String())
	case c.IsObject() && c.Get("Binary").Exists():
		b := c.Get("Binary")
		if !b.IsArray() {
			return bad(`"contents.Binary" must be an array of byte values, got %s`, jsonKind(b))
		}
		var err error
		j := 0
		b.ForEach(func(_, v gjson.Result) bool {
			n := v.Uint()
			if v.Type != gjson.Number || !isUint(v.Raw) || n > 255 {
				_, err = bad(`"contents.Binary"[%d] must be an integer from 0 to 255, got %s`, j, v.Raw)
				return false
			}
			jf.contents = append(jf.contents, byte(n))
			j++
			return true
		})
		if err != nil {
			return jsonFile{}, err
		}
	case !c.Exists():
		return bad(`missing "contents"`)
	default:
		return bad(`"contents" must be {"Text": string} or {"Binary": [bytes]}, got %s`, jsonKind(c))
	}
	u := f.Get("user")
	if !u.IsObject() {
		return bad(`"user" must be an object {"name", "email"}, got %s`, jsonKind(u))
	}
	for _, k := range []struct {
		key string
		dst *string
	}{{"name", &jf.name}, {"email", &jf.email}} {
		v := u.Get(k.key)
		if v.Type != gjson.String {
			return bad(`"user.%s" must be a string, got %s`, k.key, jsonKind(v))
		}
		*k.dst = v.String()
	}
	return jf, nil
}

func isUint(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func jsonKind(v gjson.Result) string {
	switch {
	case !v.Exists():
		return "nothing"
	case v.Type == gjson.Null:
		return "null"
	case v.Type == gjson.True || v.Type == gjson.False:
		return "a boolean"
	case v.Type == gjson.Number:
		return "a number"
	case v.Type == gjson.String:
		return "a string"
	case v.IsArray():
		return "an array"
	}
	return "an object"
}

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
	return h.finish(w, c, h.readParts(c, mr), true)
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
		case repo.PartFile, repo.PartFiles:
			if !part.HasFilename {
				return errorf(http.StatusBadRequest, "A %q part has no filename: the filename must be the file's relative path", part.Name)
			}
			if err := c.addFile(part.Filename, part); err != nil {
				return err
			}
		case repo.PartNewRepo:
			b, err := readText(part, maxTextPart)
			if err != nil {
				return err
			}
			req, err := parseRepoNew(b, false)
			if err != nil {
				return err
			}
			if err := c.setRepo(req.namespace, req.name); err != nil {
				return err
			}
		case repo.PartName, repo.PartEmail:
			b, err := readText(part, maxTextPart)
			if err != nil {
				return err
			}
			if part.Name == repo.PartName {
				c.author, c.haveAuthor = string(b), true
			} else {
				c.email, c.haveEmail = string(b), true
			}
		case repo.PartManifest:
			b, err := readText(part, repo.MaxManifestBytes)
			if err != nil {
				return err
			}
			m, err := repo.ParseManifest(b)
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
