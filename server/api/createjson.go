package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/tidwall/gjson"
)

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
