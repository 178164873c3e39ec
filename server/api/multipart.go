package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oxdrop/oxdrop/server/internal/formstream"
	"github.com/oxdrop/oxdrop/server/internal/payload"
	"github.com/oxdrop/oxdrop/server/repobuild"
)

// createMultipart streams the parts: each file goes through the analyzer
// into the store as it arrives; nothing is held whole in memory.
//
// The fields (names are case-sensitive; parts come in any order, but a
// manifest should come before the files, see fileNames):
//   - file[] or file: one file per part, its filename the file's relative
//     path; the escapes browsers apply to filenames (%22, %0D, %0A) are
//     undone, and a UTF-8 filename* (RFC 5987) is read too;
//   - new_repo, name, email, manifest: text, UTF-8 (a charset other than
//     utf-8 or us-ascii in the part's Content-Type is refused).
//
// Refused with a 400 that names what is accepted, so nothing is dropped
// silently: a part with a filename under any other name (files[], FILE[],
// upload) or under a text field; a part without one whose name is an
// accepted one in other case or with - for _ (Manifest, FILE[],
// new-repo); and, by formstream, a Content-Transfer-Encoding other than
// 7bit, 8bit or binary, a Content-Encoding, nested multipart parts and
// RFC 2231 parameters other than filename*; a relativePath field (Uppy's
// per-file metadata, whose folders would be lost). Ignored: parts without a
// filename under other names (form fields that clients add, such as
// tokens or metadata, which carry no file), and the Content-Type of file
// parts (the server classifies the bytes itself).
func (h *handler) createMultipart(w http.ResponseWriter, r *http.Request, ct string) error {
	boundary, err := formstream.BoundaryFromContentType(ct)
	if err != nil {
		return errorf(http.StatusBadRequest, "%s", err)
	}
	mr, err := formstream.NewReader(r.Body, boundary, 0)
	if err != nil {
		return errorf(http.StatusBadRequest, "%s", err)
	}
	c, err := h.builds.Begin(r.Context())
	if err != nil {
		return err
	}
	return h.build(w, r, c, func() error { return h.readParts(r.Context(), c, mr) })
}

// readParts reads the parts in order into c (the fields are
// createMultipart's).
func (h *handler) readParts(ctx context.Context, c *repobuild.Creation, mr *formstream.Reader) (err error) {
	var part *formstream.Part
	var names fileNames
	var unescaped []renamedFile // files named before any manifest, escapes undone
	defer func() { err = manifestHint(err, part, unescaped) }()
	for {
		part, err = mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return err
			}
			var nae *formstream.NotAcceptedError
			if errors.As(err, &nae) {
				return errorf(http.StatusBadRequest, "%s", nae.Msg)
			}
			if isTruncated(err) {
				return errorf(http.StatusBadRequest, "Malformed multipart body: %v", err)
			}
			if errors.Is(err, ctx.Err()) || ctx.Err() != nil {
				return errorf(http.StatusBadRequest, "The request was cancelled")
			}
			return errorf(http.StatusBadRequest, "Malformed multipart body: %v", err)
		}
		if err := checkField(part); err != nil {
			return err
		}
		switch part.Name {
		case payload.PartFile, payload.PartFiles:
			if !part.HasFilename {
				return errorf(http.StatusBadRequest, "A %q part has no filename: the filename must be the file's relative path", part.Name)
			}
			p, err := names.path(c, part)
			if err != nil {
				return err
			}
			if c.Manifest() == nil && p != part.Filename {
				unescaped = append(unescaped, renamedFile{p, part.Filename})
			}
			if !strings.Contains(p, "/") && c.Has(p) {
				// Two files of one name at the top: most likely two
				// folders' files sent by their names alone.
				return errorf(http.StatusBadRequest, "Duplicate file path %q: each path may appear once. A file part's filename must be the file's relative path, folders included; "+
					"a client that sends only the file's name (Uppy's XHRUpload in bundle mode does) loses the folders (docs/clients.md)", p)
			}
			if err := c.AddFile(p, part); err != nil {
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
			if err := c.SetRepo(req.namespace, req.name); err != nil {
				return err
			}
			if err := h.checkName(ctx, req.namespace, req.name, ""); err != nil {
				return err
			}
		case payload.PartName, payload.PartEmail:
			b, err := readText(part, maxTextPart)
			if err != nil {
				return err
			}
			if part.Name == payload.PartName {
				c.SetAuthorName(string(b))
			} else {
				c.SetAuthorEmail(string(b))
			}
		case payload.PartManifest:
			b, err := readText(part, payload.ManifestLimit(h.cfg.MaxFiles))
			if err != nil {
				return err
			}
			m, err := payload.ParseManifest(b, h.cfg.MaxFiles)
			var tooMany *payload.TooManyFilesError
			if errors.As(err, &tooMany) {
				return errorf(http.StatusRequestEntityTooLarge, "Too many files: the %s", err)
			}
			if err != nil {
				return errorf(http.StatusBadRequest, "%s", err)
			}
			if err := c.SetManifest(m); err != nil {
				return err
			}
		}
		// Any other part is skipped by the next NextPart.
	}
}

// acceptedFields ends every refusal of a field.
const acceptedFields = `send files as "file[]" or "file" parts; other fields: new_repo, name, email, manifest`

// checkField refuses a part that would otherwise be skipped although it
// holds a file, or read other than its sender meant (see createMultipart).
func checkField(p *formstream.Part) error {
	switch p.Name {
	case payload.PartFile, payload.PartFiles:
		return nil
	case payload.PartNewRepo, payload.PartName, payload.PartEmail, payload.PartManifest:
		if p.HasFilename {
			return errorf(http.StatusBadRequest, "Part %q has a filename (%q), but %s is a text field: send its value without a filename "+
				"(curl: -F '%s=<file'); %s", p.Name, p.Filename, p.Name, p.Name, acceptedFields)
		}
		return checkCharset(p)
	}
	if p.HasFilename {
		return errorf(http.StatusBadRequest, "File part %q (filename %q) is not accepted: %s", p.Name, p.Filename, acceptedFields)
	}
	if strings.EqualFold(strings.NewReplacer("_", "", "-", "").Replace(p.Name), "relativepath") {
		// Uppy's per-file metadata: ignored, it would lose the folders,
		// and it comes with one request per file, each a repository.
		return errorf(http.StatusBadRequest, "Field %q is not accepted: a file's path is its part's filename, folders included. "+
			"Uppy sends relativePath with each file when XHRUpload sends one request per file (bundle: false), "+
			"but one request creates one repository: send every file in one request (XHRUpload bundle: true, fieldName: \"file[]\") "+
			"with each file's relative path as its filename (docs/clients.md); %s", p.Name, acceptedFields)
	}
	canon := strings.ReplaceAll(strings.ToLower(p.Name), "-", "_")
	for _, f := range []string{payload.PartFile, payload.PartFiles, payload.PartNewRepo, payload.PartName, payload.PartEmail, payload.PartManifest} {
		if canon == f {
			return errorf(http.StatusBadRequest, "Field %q is not accepted: field names are exact (did you mean %q?); %s", p.Name, f, acceptedFields)
		}
	}
	return nil // a plain form field a client added: ignored
}

// checkCharset refuses a text field whose Content-Type says it is not
// UTF-8 (the field is read as UTF-8 bytes).
func checkCharset(p *formstream.Part) error {
	ct, ok := p.Header["content-type"]
	if !ok {
		return nil
	}
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return errorf(http.StatusBadRequest, "Part %q has an invalid Content-Type %q: %v", p.Name, ct, err)
	}
	switch strings.ToLower(params["charset"]) {
	case "", "utf-8", "utf8", "us-ascii":
		return nil
	}
	return errorf(http.StatusBadRequest, "Part %q has charset %q, which is not accepted: text fields are read as UTF-8 "+
		"(send them with charset=utf-8 or no charset)", p.Name, params["charset"])
}

// fileNames picks the repository path of each file part. Browsers (and
// curl from 7.81) write ", CR and LF in a filename as %22, %0D and %0A but
// leave % itself alone, so each of those sequences in a filename may be an
// escape or the name's own text ("say %22hi%22/100%22.txt" may be the file
// say "hi"/100%22.txt). The manifest, which the app sends before the files
// and which holds the real names, decides: the path is the manifest's name
// that browsers would send as this filename (and that no part took yet).
// Two such names with different hashes cannot be told apart before the
// bytes are read, and are refused; with the same hash either fits. Without
// a manifest (yet), or when it lists none of them, the escapes are read:
// that is what browsers and current curl mean. A name from filename* has
// no such escapes and is taken as it is.
type fileNames struct {
	// byEscaped maps the escaped form of the manifest's names, for those
	// whose form holds %22, %0D or %0A, to the names; built at first need.
	byEscaped map[string][]string
}

// filenameEscaper is what browsers do to a file's name in a part.
var filenameEscaper = strings.NewReplacer(`"`, "%22", "\r", "%0D", "\n", "%0A")

func (n *fileNames) path(c *repobuild.Creation, p *formstream.Part) (string, error) {
	decoded := p.DecodedFilename()
	manifest := c.Manifest()
	if decoded == p.Filename || manifest == nil {
		return decoded, nil
	}
	if n.byEscaped == nil {
		n.byEscaped = map[string][]string{}
		for name := range manifest {
			if e := filenameEscaper.Replace(name); formstream.UnescapeFilename(e) != e {
				n.byEscaped[e] = append(n.byEscaped[e], name)
			}
		}
	}
	names := n.byEscaped[p.Filename]
	var free []string
	for _, name := range names {
		if !c.Has(name) {
			free = append(free, name)
		}
	}
	switch {
	case len(free) == 1:
		return free[0], nil
	case len(free) == 0 && len(names) > 0:
		return names[0], nil // taken: a duplicate, which addFile reports
	case len(free) == 0:
		return decoded, nil // not listed, which addFile reports
	}
	slices.Sort(free)
	for _, name := range free[1:] {
		if manifest[name] != manifest[free[0]] {
			quoted := make([]string, len(free))
			for i, name := range free {
				quoted[i] = strconv.Quote(name)
			}
			return "", errorf(http.StatusBadRequest, "File part filename %q is ambiguous: the manifest lists %s with different contents, "+
				"and browsers send each of these names as %q; rename all but one of them", p.Filename, strings.Join(quoted, " and "), p.Filename)
		}
	}
	if slices.Contains(free, decoded) {
		return decoded, nil
	}
	return free[0], nil
}

// renamedFile is a file part whose filename was read with browsers'
// escapes undone before a manifest had come.
type renamedFile struct{ path, filename string }

// manifestHint says why a manifest that came after the files does not
// match a file part whose name had its escapes undone.
func manifestHint(err error, part *formstream.Part, unescaped []renamedFile) error {
	if err == nil || part == nil || part.Name != payload.PartManifest {
		return err
	}
	ae := asAPIError(err)
	if ae == nil {
		return err
	}
	for _, f := range unescaped {
		if strings.Contains(ae.msg, fmt.Sprintf("%q", f.path)) {
			return errorf(ae.status, "%s (the part came before the manifest, so its filename %q was read with browsers' escapes undone: "+
				"%%22 as \", %%0D and %%0A as CR and LF; send the manifest before the files to have %q matched as it is)", ae.msg, f.filename, f.filename)
		}
	}
	return err
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
