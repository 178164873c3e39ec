package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/oxdrop/oxdrop/server/internal/payload"
	"github.com/oxdrop/oxdrop/server/internal/strictjson"
	"github.com/oxdrop/oxdrop/server/uploads"
	"github.com/tidwall/gjson"
)

// repoNewLimits bound a RepoNew document's shape before gjson reads it: the
// contract's objects are a few levels deep with a handful of keys (unknown
// keys are ignored, but not without bound).
var repoNewLimits = strictjson.Limits{MaxDepth: 32, MaxMembers: 256}

// createJSON handles a RepoNew body, read whole (bounded by MaxJSONBytes).
// It is checked completely (shape, types, names, paths, file count) before
// anything is written, then each file is decoded and stored in turn, so
// the server holds the body and one file's contents at a time.
func (h *handler) createJSON(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, h.cfg.MaxJSONBytes)
	if err != nil {
		var mbe *http.MaxBytesError
		var ae *apiError
		if errors.As(err, &mbe) || errors.As(err, &ae) {
			return err
		}
		return errorf(http.StatusBadRequest, "Failed to read payload: %v", err)
	}
	if int64(len(body)) > h.cfg.MaxJSONBytes {
		return errorf(http.StatusRequestEntityTooLarge, "JSON body is over the limit of %d bytes; send large files as multipart/form-data", h.cfg.MaxJSONBytes)
	}
	req, err := parseRepoNew(body, h.cfg.MaxFiles, true)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var sess *uploads.Session // the commit of a resumable upload (docs/uploads.md)
	if req.uploadID != "" {
		if sess, err = h.ups.Open(ctx, req.uploadID, req.namespace, req.name); err != nil {
			return err
		}
	}
	if err := h.checkName(ctx, req.namespace, req.name, req.uploadID); err != nil {
		return err
	}
	c, err := h.builds.Begin(ctx)
	if err != nil {
		return err
	}
	addBlob := func(path, hash string) error {
		key, sum, err := sess.Blob(ctx, path, hash)
		if err != nil {
			return err
		}
		return c.AddBlob(path, key, sum)
	}
	err = h.build(w, r, c, func() error {
		if err := c.SetRepo(req.namespace, req.name); err != nil {
			return err
		}
		c.SetAuthor(req.author, req.email) // files[0].user: there when there are files
		return eachJSONFile(req.files, c.AddBytes, addBlob)
	})
	if err == nil && sess != nil {
		sess.Close(ctx)
	}
	return err
}

// checkName is a creation's early 409: a published repository of that
// name, or a live resumable upload other than uploadID holding it.
func (h *handler) checkName(ctx context.Context, namespace, name, uploadID string) error {
	if err := h.builds.CheckAbsent(ctx, namespace, name); err != nil {
		return err
	}
	return h.ups.CheckHold(ctx, namespace, name, uploadID)
}

// readJSONBody reads a JSON body of at most limit bytes (limit+1 bytes
// when it is longer, for the caller's 413). A declared length is checked
// first and read into a buffer of exactly that size, so the memory a body
// takes is its own size, not the doubling growth of io.ReadAll.
func readJSONBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, errorf(http.StatusRequestEntityTooLarge, "JSON body is over the limit of %d bytes; send large files as multipart/form-data", limit)
	}
	// Only a positive length is trusted for the buffer: the Workers
	// runtime reports 0 for a body of unknown length.
	if r.ContentLength > 0 {
		b := make([]byte, r.ContentLength)
		n, err := io.ReadFull(r.Body, b)
		if err == io.ErrUnexpectedEOF || err == io.EOF && n < len(b) {
			return nil, errorf(http.StatusBadRequest, "Failed to read payload: the body ended after %d of its %d bytes", n, len(b))
		}
		return b[:n], err
	}
	return io.ReadAll(io.LimitReader(r.Body, limit+1))
}

// repoNew is what oxdrop uses of a checked RepoNew.
type repoNew struct {
	namespace, name string
	uploadID        string       // the resumable upload this commits: files may be {"Blob": hash}
	files           gjson.Result // the checked files array (or nothing)
	nfiles          int
	author, email   string // files[0].user
}

func badJSON(format string, args ...any) error {
	return errorf(http.StatusBadRequest, "Invalid JSON: "+format, args...)
}

// parseRepoNew checks a RepoNew document against the contract's schema:
// required namespace and name, every other field the contract defines
// type-checked (unknown fields are ignored), and, for a JSON body, every
// file's path, contents and user, counting files against maxFiles. A
// multipart new_repo part must not carry files (they come as file parts;
// Oxen would silently ignore them).
func parseRepoNew(body []byte, maxFiles int, jsonBody bool) (*repoNew, error) {
	root, err := parseObject(body, repoNewLimits)
	if err != nil {
		return nil, err
	}
	req := &repoNew{}
	if req.namespace, req.name, err = repoName(root); err != nil {
		return nil, err
	}
	// Oxen checks the name first, then the namespace.
	if err := repo.ValidateName(req.name); err != nil {
		return nil, errorf(http.StatusBadRequest, "%s", err)
	}
	if err := repo.ValidateName(req.namespace); err != nil {
		return nil, errorf(http.StatusBadRequest, "%s", err)
	}
	if err := checkRepoNewOptional(root); err != nil {
		return nil, err
	}
	if u := root.Get("upload_id"); u.Exists() && u.Type != gjson.Null {
		if !jsonBody {
			return nil, badJSON(`"upload_id" commits a resumable upload with a JSON body (application/json), not multipart`)
		}
		if u.Type != gjson.String || !uploads.ValidID(u.String()) {
			return nil, badJSON(`"upload_id" must be the id POST /api/uploads answered (32 hex digits), got %s`, u.Raw)
		}
		req.uploadID = u.String()
	}
	files := root.Get("files")
	if !files.Exists() || files.Type == gjson.Null {
		return req, nil
	}
	if !files.IsArray() {
		return nil, badJSON(`"files" must be an array, got %s`, payload.Kind(files))
	}
	if !jsonBody {
		empty := true
		files.ForEach(func(_, _ gjson.Result) bool { empty = false; return false })
		if !empty {
			return nil, badJSON(`new_repo's "files" must be empty with multipart/form-data: send each file as a "file[]" part`)
		}
		return req, nil
	}
	n := 0 // counted first (cheap: nothing is decoded), so too many files is always a 413
	files.ForEach(func(_, _ gjson.Result) bool { n++; return n <= maxFiles })
	if n > maxFiles {
		return nil, errorf(http.StatusRequestEntityTooLarge, "Too many files: more than %d, the limit per repository", maxFiles)
	}
	var paths repo.PathSet // every path checked before anything is written
	files.ForEach(func(_, f gjson.Result) bool {
		var u author
		if u, err = checkJSONFile(req.nfiles, f, req.uploadID != ""); err != nil {
			return false
		}
		if perr := paths.Add(f.Get("path").String()); perr != nil {
			err = errorf(http.StatusBadRequest, "%s", perr)
			return false
		}
		if req.nfiles == 0 {
			req.author, req.email = u.name, u.email
		}
		req.nfiles++
		return true
	})
	if err != nil {
		return nil, err
	}
	req.files = files
	return req, nil
}

// parseObject checks body with strictjson (within lim) and parses it as
// the JSON object it must be.
func parseObject(body []byte, lim strictjson.Limits) (gjson.Result, error) {
	if err := strictjson.Check(body, lim); err != nil {
		var tm *strictjson.TooManyMembersError
		if errors.As(err, &tm) {
			return gjson.Result{}, badJSON("an object has more than %d members", tm.Limit)
		}
		return gjson.Result{}, badJSON("the body is not valid JSON: %v", err)
	}
	root := gjson.ParseBytes(body)
	if !root.IsObject() {
		return gjson.Result{}, badJSON("the body must be an object, got %s", payload.Kind(root))
	}
	return root, nil
}

// repoName reads the required "namespace" and "name" strings of a body.
func repoName(root gjson.Result) (namespace, name string, err error) {
	out := [2]string{}
	for i, key := range []string{"namespace", "name"} {
		v := root.Get(key)
		if !v.Exists() {
			return "", "", badJSON("missing field %q", key)
		}
		if v.Type != gjson.String {
			return "", "", badJSON("%q must be a string, got %s", key, payload.Kind(v))
		}
		out[i] = v.String()
	}
	return out[0], out[1], nil
}

// checkRepoNewOptional type-checks RepoNew's optional fields. oxdrop does
// not use them, but a value the contract forbids is an error, not a value
// quietly ignored.
func checkRepoNewOptional(root gjson.Result) error {
	for _, f := range []struct{ key, kind string }{
		{"description", "string"}, {"host", "string"}, {"scheme", "string"}, {"is_public", "boolean"},
	} {
		if err := checkNullable(root.Get(f.key), f.key, f.kind); err != nil {
			return err
		}
	}
	if rc := root.Get("root_commit"); rc.Exists() && rc.Type != gjson.Null {
		if err := checkCommit(rc, "root_commit"); err != nil {
			return err
		}
	}
	if so := root.Get("storage_opts"); so.Exists() && so.Type != gjson.Null {
		if err := checkStorageOpts(so); err != nil {
			return err
		}
	}
	return nil
}

// checkNullable accepts nothing, null or a value of kind ("string" or
// "boolean") at where.
func checkNullable(v gjson.Result, where, kind string) error {
	if !v.Exists() || v.Type == gjson.Null {
		return nil
	}
	return checkKind(v, where, kind)
}

// checkKind accepts a value of kind only.
func checkKind(v gjson.Result, where, kind string) error {
	ok := false
	switch kind {
	case "string":
		ok = v.Type == gjson.String
	case "boolean":
		ok = v.Type == gjson.True || v.Type == gjson.False
	case "object":
		ok = v.IsObject()
	case "array":
		ok = v.IsArray()
	}
	if !ok {
		return badJSON("%q must be a%s %s, got %s", where, article(kind), kind, payload.Kind(v))
	}
	return nil
}

func article(kind string) string {
	if kind == "object" || kind == "array" {
		return "n"
	}
	return ""
}

// checkCommit checks a Commit object (root_commit).
func checkCommit(v gjson.Result, where string) error {
	if err := checkKind(v, where, "object"); err != nil {
		return err
	}
	for _, k := range []string{"id", "message", "author", "email", "timestamp"} {
		f := v.Get(k)
		if !f.Exists() {
			return badJSON("%q is missing the required field %q", where, k)
		}
		if err := checkKind(f, where+"."+k, "string"); err != nil {
			return err
		}
	}
	if _, err := time.Parse(time.RFC3339Nano, v.Get("timestamp").String()); err != nil {
		return badJSON("%q must be an RFC 3339 date-time, got %q", where+".timestamp", v.Get("timestamp").String())
	}
	parents := v.Get("parent_ids")
	if !parents.Exists() {
		return badJSON("%q is missing the required field %q", where, "parent_ids")
	}
	if err := checkKind(parents, where+".parent_ids", "array"); err != nil {
		return err
	}
	var err error
	i := 0
	parents.ForEach(func(_, p gjson.Result) bool {
		err = checkKind(p, fmt.Sprintf("%s.parent_ids[%d]", where, i), "string")
		i++
		return err == nil
	})
	return err
}

// checkStorageOpts checks a StorageOpts object.
func checkStorageOpts(v gjson.Result) error {
	if err := checkKind(v, "storage_opts", "object"); err != nil {
		return err
	}
	kind := v.Get("kind")
	if !kind.Exists() {
		return badJSON(`"storage_opts" is missing the required field "kind"`)
	}
	if err := checkKind(kind, "storage_opts.kind", "string"); err != nil {
		return err
	}
	if l := v.Get("local_storage_opts"); l.Exists() && l.Type != gjson.Null {
		if err := checkKind(l, "storage_opts.local_storage_opts", "object"); err != nil {
			return err
		}
		if err := checkNullable(l.Get("path"), "storage_opts.local_storage_opts.path", "string"); err != nil {
			return err
		}
	}
	if s3 := v.Get("s3_opts"); s3.Exists() && s3.Type != gjson.Null {
		if err := checkKind(s3, "storage_opts.s3_opts", "object"); err != nil {
			return err
		}
		b := s3.Get("bucket")
		if !b.Exists() {
			return badJSON(`"storage_opts.s3_opts" is missing the required field "bucket"`)
		}
		if err := checkKind(b, "storage_opts.s3_opts.bucket", "string"); err != nil {
			return err
		}
		if err := checkNullable(s3.Get("prefix"), "storage_opts.s3_opts.prefix", "string"); err != nil {
			return err
		}
	}
	return nil
}

type author struct{ name, email string }

// checkJSONFile checks files[i] (FileNew) without decoding its contents.
func checkJSONFile(i int, f gjson.Result, blobs bool) (author, error) {
	bad := func(format string, args ...any) (author, error) {
		return author{}, badJSON("files[%d]: "+format, append([]any{i}, args...)...)
	}
	if !f.IsObject() {
		return bad("must be an object, got %s", payload.Kind(f))
	}
	p := f.Get("path")
	if p.Type != gjson.String {
		return bad(`"path" must be a string, got %s`, payload.Kind(p))
	}
	if _, err := repo.CleanPath(p.String()); err != nil {
		return author{}, errorf(http.StatusBadRequest, "%s", err)
	}
	if err := checkContents(f.Get("contents"), blobs); err != nil {
		return bad("%s", err)
	}
	u := f.Get("user")
	if !u.IsObject() {
		return bad(`"user" must be an object {"name", "email"}, got %s`, payload.Kind(u))
	}
	var usr author
	for _, k := range []struct {
		key string
		dst *string
	}{{"name", &usr.name}, {"email", &usr.email}} {
		v := u.Get(k.key)
		if v.Type != gjson.String {
			return bad(`"user.%s" must be a string, got %s`, k.key, payload.Kind(v))
		}
		*k.dst = v.String()
	}
	if err := repo.ValidateAuthor(usr.name, usr.email); err != nil {
		return bad(`"user": %s`, err)
	}
	return usr, nil
}

// checkContents checks FileContents: {"Text": string} or {"Binary":
// [0..255, ...]}, exactly one of them, or a bare string (Oxen's serde
// reads that as Text); with blobs (the commit of a resumable upload), also
// {"Blob": hash}.
func checkContents(c gjson.Result, blobs bool) error {
	if c.Type == gjson.String {
		return nil
	}
	if !c.Exists() {
		return errors.New(`missing "contents"`)
	}
	if !c.IsObject() {
		return fmt.Errorf(`"contents" must be {"Text": string} or {"Binary": [bytes]}, got %s`, payload.Kind(c))
	}
	t, b := c.Get("Text"), c.Get("Binary")
	if bl := c.Get("Blob"); bl.Exists() {
		switch {
		case !blobs:
			return errors.New(`"contents.Blob" names a blob of a resumable upload: send "upload_id" with it (docs/uploads.md)`)
		case t.Exists() || b.Exists():
			return errors.New(`"contents" must have exactly one of "Text", "Binary" and "Blob"`)
		case bl.Type != gjson.String:
			return fmt.Errorf(`"contents.Blob" must be a blob's hash (a string), got %s`, payload.Kind(bl))
		}
		if err := uploads.CheckHash(bl.String()); err != nil {
			return fmt.Errorf(`"contents.Blob": %v`, err)
		}
		return nil
	}
	switch {
	case t.Exists() && b.Exists():
		return errors.New(`"contents" must have exactly one of "Text" and "Binary", got both`)
	case t.Exists():
		if t.Type != gjson.String {
			return fmt.Errorf(`"contents.Text" must be a string, got %s`, payload.Kind(t))
		}
		return nil
	case b.Exists():
		if !b.IsArray() {
			return fmt.Errorf(`"contents.Binary" must be an array of byte values, got %s`, payload.Kind(b))
		}
		var err error
		j := 0
		b.ForEach(func(_, v gjson.Result) bool {
			if v.Type != gjson.Number || !isByte(v.Raw) {
				err = fmt.Errorf(`"contents.Binary"[%d] must be an integer from 0 to 255, got %s`, j, v.Raw)
				return false
			}
			j++
			return true
		})
		return err
	}
	return fmt.Errorf(`"contents" must be {"Text": string} or {"Binary": [bytes]}, got an object with neither`)
}

// eachJSONFile decodes the files checked by parseRepoNew, one at a time:
// contents given whole go to add, blobs of a resumable upload to addBlob.
func eachJSONFile(files gjson.Result, add func(path string, contents []byte) error, addBlob func(path, hash string) error) error {
	if !files.IsArray() {
		return nil
	}
	var err error
	files.ForEach(func(_, f gjson.Result) bool {
		var contents []byte
		switch c := f.Get("contents"); {
		case c.Get("Blob").Exists():
			err = addBlob(f.Get("path").String(), c.Get("Blob").String())
			return err == nil
		case c.Type == gjson.String:
			contents = []byte(c.String())
		case c.Get("Text").Exists():
			contents = []byte(c.Get("Text").String())
		default:
			b := c.Get("Binary")
			contents = make([]byte, 0, len(b.Raw)/2)
			b.ForEach(func(_, v gjson.Result) bool {
				contents = append(contents, byte(v.Uint()))
				return true
			})
		}
		err = add(f.Get("path").String(), contents)
		return err == nil
	})
	return err
}

// isByte: an integer literal from 0 to 255, without sign, fraction,
// exponent or leading zeros.
func isByte(s string) bool {
	if s == "" || len(s) > 3 || len(s) > 1 && s[0] == '0' {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n <= 255
}
