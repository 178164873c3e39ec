// Package classify names a file's mime type and Oxen data type exactly as
// Oxen does (liboxen util/fs.rs): infer 0.16's magic table over the first
// 8192 bytes, then ".md", then a UTF-8 sniff of the first 4096 bytes.
package classify

import (
	"strings"
	"unicode/utf8"

	"github.com/oxdrop/oxdrop/core/datatype"
	"github.com/oxdrop/oxdrop/core/model"
)

// HeadLen is how many leading bytes Mime looks at (infer reads 8192).
const HeadLen = 8192

// utf8SniffLen is how many bytes Oxen's is_utf8 reads.
const utf8SniffLen = 4096

// Mime returns Oxen's mime type for a file whose first bytes are head (only
// the first HeadLen are used) and whose path or base name is name.
func Mime(head []byte, name string) string {
	if len(head) > HeadLen {
		head = head[:HeadLen]
	}
	for i := range matchers {
		if matchers[i].match(head) {
			return matchers[i].mime
		}
	}
	if strings.EqualFold(Extension(name), "md") {
		return "text/markdown"
	}
	if IsUTF8(head) {
		return "text/plain"
	}
	return "application/octet-stream"
}

// IsUTF8 is Oxen's is_utf8 on the first 4096 bytes: valid UTF-8, or valid up
// to a multi-byte sequence cut off by the end of the sample. Empty passes.
func IsUTF8(head []byte) bool {
	if len(head) > utf8SniffLen {
		head = head[:utf8SniffLen]
	}
	for i := 0; i < len(head); {
		if head[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size == 1 {
			// Rust's error_len()==None: the rest is a valid but incomplete prefix.
			return !utf8.FullRune(head[i:])
		}
		i += size
	}
	return true
}

// Extension is Rust's Path::extension (lossy, case kept, no dot) of name's
// base name: "" when there is no dot, or the only dot starts the name.
func Extension(name string) string {
	name = strings.TrimRight(name, "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if name == ".." {
		return ""
	}
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return ""
	}
	return strings.ToValidUTF8(name[i+1:], "\uFFFD")
}

// DataType is Oxen's datatype_from_mimetype, whose rules each data type
// declares in the registry (core/datatype): the exact mime types, then
// tabular by extension, then the mime's top-level type.
func DataType(name, mime string, head []byte) model.DataType {
	return datatype.FromMime(Extension(name), mime, head)
}

// IsTabularExtension is Oxen's is_tabular_from_extension: "json" (exact
// case) whose first byte is '[', or csv/tsv/parquet/arrow/ndjson/jsonl in
// any case (the tabular entry's rule in core/datatype).
func IsTabularExtension(ext string, head []byte) bool {
	return datatype.IsTabularExtension(ext, head)
}

// Classify returns the mime type and data type together.
func Classify(head []byte, name string) (mime string, dt model.DataType) {
	mime = Mime(head, name)
	return mime, DataType(name, mime, head)
}
