//go:build unix

// Package harness drives a real oxdrop server for the failure tests in
// server/failuretest and the benchmarks under bench/: it builds and runs the
// binary, and it generates multipart creation uploads of any size as streams
// (nothing the size of a file is ever held in memory), so a 2 GiB upload costs
// the client no more than a few MiB.
package harness

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/oxdrop/oxdrop/core/oxhash"
)

// File is one file of an upload: its relative path and generated content.
type File struct {
	Path string
	// Content is the file's bytes when set; otherwise Size bytes generated
	// from Seed (see Content).
	Content []byte
	Size    int64
	Seed    uint64
}

// Reader streams the file's bytes.
func (f File) Reader() io.Reader {
	if f.Content != nil {
		return strings.NewReader(string(f.Content))
	}
	return NewContent(f.Seed, f.Size)
}

// Len is the file's size in bytes.
func (f File) Len() int64 {
	if f.Content != nil {
		return int64(len(f.Content))
	}
	return f.Size
}

// Hash is the file's Oxen content hash (XXH3-128, unpadded hex), computed by
// streaming the content once.
func (f File) Hash() string {
	d := oxhash.New()
	if _, err := io.Copy(d, f.Reader()); err != nil {
		panic(err) // generated content never fails to read
	}
	return d.Hex()
}

// Upload is one POST /api/repos multipart request.
type Upload struct {
	Namespace, Name string
	Author, Email   string
	Files           []File
	// Manifest adds the manifest part ({path: hash}) the web app sends; it
	// costs one extra pass over every file's generated content.
	Manifest bool
}

// Body is a ready-to-send multipart body: a stream of known length.
type Body struct {
	io.Reader
	ContentType string
	Length      int64
}

// Body builds the multipart stream: new_repo, name, email, the optional
// manifest, then one "file[]" part per file whose filename is its path. The
// bytes are exactly what mime/multipart.Writer would produce, but the file
// contents are streamed from their generators.
func (u Upload) Body() Body {
	boundary := randomBoundary()
	var parts []io.Reader
	var length int64
	add := func(s string) {
		parts = append(parts, strings.NewReader(s))
		length += int64(len(s))
	}
	field := func(name, contentType, value string) {
		h := fmt.Sprintf("--%s\r\nContent-Disposition: form-data; name=%q\r\n", boundary, name)
		if contentType != "" {
			h += "Content-Type: " + contentType + "\r\n"
		}
		add(h + "\r\n" + value + "\r\n")
	}
	newRepo, _ := json.Marshal(map[string]string{"namespace": u.Namespace, "name": u.Name})
	field("new_repo", "application/json", string(newRepo))
	field("name", "", u.Author)
	field("email", "", u.Email)
	if u.Manifest {
		m := make(map[string]string, len(u.Files))
		for _, f := range u.Files {
			m[f.Path] = f.Hash()
		}
		b, _ := json.Marshal(m)
		field("manifest", "application/json", string(b))
	}
	for _, f := range u.Files {
		add(fmt.Sprintf("--%s\r\nContent-Disposition: form-data; name=\"file[]\"; filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n",
			boundary, escapeQuotes(f.Path)))
		parts = append(parts, f.Reader())
		length += f.Len()
		add("\r\n")
	}
	add("--" + boundary + "--\r\n")
	return Body{
		Reader:      io.MultiReader(parts...),
		ContentType: "multipart/form-data; boundary=" + boundary,
		Length:      length,
	}
}

// escapeQuotes escapes a filename for a quoted Content-Disposition
// parameter the way mime/multipart.Writer does.
func escapeQuotes(s string) string {
	return strings.NewReplacer("\\", "\\\\", `"`, "\\\"").Replace(s)
}

// randomBoundary is 30 random bytes in hex, like mime/multipart's: the
// chance that generated content contains it is nil for practical purposes.
func randomBoundary() string {
	var b [30]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}
