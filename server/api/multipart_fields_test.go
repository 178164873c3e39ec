package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/core/oxhash"
)

// rawPart is a multipart part given by its raw header lines, for what the
// helpers' writer cannot send (encodings, filename*, unescaped names).
type rawPart struct {
	headers []string
	body    string
}

func rawField(name, value string) rawPart {
	return rawPart{[]string{fmt.Sprintf(`Content-Disposition: form-data; name="%s"`, name)}, value}
}

// rawFile sends filename exactly as given between the quotes.
func rawFile(name, filename, body string, extra ...string) rawPart {
	return rawPart{append([]string{fmt.Sprintf(`Content-Disposition: form-data; name="%s"; filename="%s"`, name, filename)}, extra...), body}
}

func rawRepo(name string) []rawPart {
	return []rawPart{rawField("new_repo", `{"namespace":"ox","name":"`+name+`"}`), rawField("name", "bessie"), rawField("email", "b@oxen.ai")}
}

func (e *testEnv) postRaw(parts ...rawPart) *response {
	e.t.Helper()
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--BOUNDARY\r\n" + strings.Join(p.headers, "\r\n") + "\r\n\r\n" + p.body + "\r\n")
	}
	b.WriteString("--BOUNDARY--\r\n")
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/repos", strings.NewReader(b.String()))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=BOUNDARY")
	return e.do(req)
}

// paths lists the entries' paths of a 200 creation answer, sorted.
func (r *response) paths(t *testing.T) []string {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var out []string
	entries, _ := r.json["metadata_entries"].([]any)
	for _, me := range entries {
		res, _ := me.(map[string]any)["resource"].(map[string]any)
		p, _ := res["path"].(string)
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// readBack checks that every file of repository ox/name reads back.
func (e *testEnv) readBack(t *testing.T, name string, files map[string]string) {
	t.Helper()
	for p, want := range files {
		var segs []string
		for s := range strings.SplitSeq(p, "/") {
			segs = append(segs, url.PathEscape(s))
		}
		r := e.get("/api/repos/ox/" + name + "/file/main/" + strings.Join(segs, "/"))
		if r.status != 200 || string(r.body) != want {
			t.Errorf("GET %q from ox/%s: %d %q, want %q", p, name, r.status, r.body, want)
		}
	}
}

func manifestOf(files map[string]string) string {
	m := map[string]string{}
	for p, b := range files {
		m[p] = oxhash.SumHex([]byte(b))
	}
	j, _ := json.Marshal(m)
	return string(j)
}

const acceptedMsg = `send files as "file[]" or "file" parts; other fields: new_repo, name, email, manifest`

// TestMultipartFieldNames: a file under a field name other than file[] or
// file is refused, never skipped; nothing is kept and the name stays free.
func TestMultipartFieldNames(t *testing.T) {
	e := newEnv(t)
	author := []part{field("name", "bessie"), field("email", "b@oxen.ai")}
	for _, tc := range []struct {
		name  string
		parts []part
		msg   string
	}{
		{"files[]", []part{{name: "files[]", filename: "cat.jpg", body: []byte("x")}},
			`File part "files[]" (filename "cat.jpg") is not accepted: ` + acceptedMsg},
		{"FILE[]", []part{{name: "FILE[]", filename: "a/b.txt", body: []byte("x")}},
			`File part "FILE[]" (filename "a/b.txt") is not accepted: ` + acceptedMsg},
		{"upload", []part{{name: "upload", filename: "a.txt", body: []byte("x")}},
			`File part "upload" (filename "a.txt") is not accepted: ` + acceptedMsg},
		{"empty filename", []part{{name: "files", filename: "", body: []byte("x")}},
			`File part "files" (filename "") is not accepted`},
		{"after a good file", []part{file("ok.txt", []byte("x")), {name: "files[]", filename: "lost.txt", body: []byte("y")}},
			`File part "files[]" (filename "lost.txt") is not accepted`},
		{"manifest as a file", []part{{name: "manifest", filename: "m.json", body: []byte("{}")}},
			`Part "manifest" has a filename ("m.json"), but manifest is a text field: send its value without a filename (curl: -F 'manifest=<file'); ` + acceptedMsg},
		{"name as a file", []part{{name: "name", filename: "author.txt", body: []byte("bessie")}},
			`Part "name" has a filename ("author.txt"), but name is a text field`},
		{"Manifest", []part{field("Manifest", "{}")},
			`Field "Manifest" is not accepted: field names are exact (did you mean "manifest"?); ` + acceptedMsg},
		{"FILE[] without filename", []part{field("FILE[]", "x")}, `Field "FILE[]" is not accepted: field names are exact (did you mean "file[]"?)`},
		{"new-repo", []part{field("new-repo", `{"namespace":"ox","name":"fields"}`)}, `did you mean "new_repo"?`},
		// Uppy's XHRUpload with bundle: false: one request per file, with
		// the file's metadata as fields (its folder in relativePath).
		{"relativePath (Uppy, one request per file)", []part{field("relativePath", "photos/cat.jpg"), field("type", "image/jpeg"), {name: "file", filename: "cat.jpg", body: []byte("x")}},
			`Field "relativePath" is not accepted: a file's path is its part's filename, folders included. Uppy sends relativePath with each file when XHRUpload sends one request per file (bundle: false)`},
		{"relativePath null", []part{field("relativePath", "null"), {name: "file", filename: "cat.jpg", body: []byte("x")}}, `one request creates one repository`},
		{"relative_path", []part{file("cat.jpg", []byte("x")), field("relative_path", "a/cat.jpg")}, `Field "relative_path" is not accepted`},
		// Uppy's XHRUpload with bundle: true: every file under its name
		// alone, so a.txt of two folders.
		{"basenames of two folders", []part{file("x.txt", []byte("one")), file("x.txt", []byte("two"))},
			`Duplicate file path "x.txt": each path may appear once. A file part's filename must be the file's relative path, folders included; a client that sends only the file's name (Uppy's XHRUpload in bundle mode does) loses the folders`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := append([]part{newRepo("ox", "fields")}, author...)
			e.postMultipart(append(parts, tc.parts...)...).expectError(t, 400, tc.msg)
			e.get("/api/repos/ox/fields").expectError(t, 404, "not found")
			e.noTrace()
		})
	}
	// The name is still free; a form field that holds no file is ignored.
	r := e.postMultipart(newRepo("ox", "fields"), author[0], author[1], field("csrf_token", "abc"), field("type", "image/jpeg"),
		file("cat.jpg", []byte("x")))
	if got := r.paths(t); !slices.Equal(got, []string{"cat.jpg"}) {
		t.Errorf("paths %q", got)
	}
}

// TestMultipartEncodings: parts are stored exactly as sent, so a header
// saying the bytes are encoded is refused instead of storing the encoding.
func TestMultipartEncodings(t *testing.T) {
	e := newEnv(t)
	const b64 = "aGVsbG8="
	for _, tc := range []struct {
		name string
		part rawPart
		msg  string
	}{
		{"base64 file", rawFile("file[]", "hello.txt", b64, "Content-Transfer-Encoding: base64"),
			`Part "file[]" (filename "hello.txt") has Content-Transfer-Encoding "base64", which is not accepted: only 7bit, 8bit and binary are (or no such header); send the bytes as they are`},
		{"BASE64 file", rawFile("file", "hello.txt", b64, "content-transfer-encoding: BASE64"), `Content-Transfer-Encoding "BASE64", which is not accepted`},
		{"quoted-printable field", rawPart{[]string{`Content-Disposition: form-data; name="relativePath"`, "Content-Transfer-Encoding: quoted-printable"}, "a=3Db"},
			`Part "relativePath" has Content-Transfer-Encoding "quoted-printable", which is not accepted`},
		{"gzip file", rawFile("file[]", "a.txt", "x", "Content-Encoding: gzip"),
			`Part "file[]" (filename "a.txt") has Content-Encoding "gzip", which is not accepted: parts are read as they are sent, so only identity is (or no such header)`},
		{"nested multipart", rawPart{[]string{`Content-Disposition: form-data; name="files"`, "Content-Type: multipart/mixed; boundary=inner"},
			"--inner\r\nContent-Disposition: file; filename=\"a.txt\"\r\n\r\nx\r\n--inner--"},
			`Part "files" has Content-Type "multipart/mixed; boundary=inner", which is not accepted: nested multipart parts (RFC 2388's multipart/mixed) are not read; send one part per file`},
		{"two Content-Dispositions", rawFile("file[]", "a.txt", "x", `Content-Disposition: form-data; name="file[]"; filename="b.txt"`),
			"Malformed multipart body: a part has two Content-Disposition headers"},
		{"latin-1 author", rawPart{[]string{`Content-Disposition: form-data; name="name"`, "Content-Type: text/plain; charset=ISO-8859-1"}, "Bessie"},
			`Part "name" has charset "ISO-8859-1", which is not accepted: text fields are read as UTF-8 (send them with charset=utf-8 or no charset)`},
		{"bad field type", rawPart{[]string{`Content-Disposition: form-data; name="email"`, "Content-Type: text/plain; charset"}, "b@oxen.ai"},
			`Part "email" has an invalid Content-Type "text/plain; charset"`},
		{"filename* latin-1", rawPart{[]string{`Content-Disposition: form-data; name="file[]"; filename*=iso-8859-1''%E9.txt`}, "x"},
			`Part "file[]" has filename*=iso-8859-1''%E9.txt, which is not accepted: its charset is "iso-8859-1", and only UTF-8 is read; send filename*=UTF-8''<percent-encoded UTF-8> or a quoted filename`},
		{"filename* continuation", rawPart{[]string{`Content-Disposition: form-data; name="file[]"; filename*0="a"; filename*1="b"`}, "x"},
			`Content-Disposition parameter "filename*0" of a part is not accepted`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.postRaw(append(rawRepo("enc"), tc.part)...).expectError(t, 400, tc.msg)
			e.get("/api/repos/ox/enc").expectError(t, 404, "not found")
			e.noTrace()
		})
	}
	// Identity encodings, Content-Length and a UTF-8 charset on text fields
	// are fine; the file is stored as sent.
	r := e.postRaw(
		rawPart{[]string{`Content-Disposition: form-data; name="new_repo"`, "Content-Type: application/json; charset=UTF-8"}, `{"namespace":"ox","name":"enc"}`},
		rawPart{[]string{`Content-Disposition: form-data; name="name"`, "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"}, "Bessie"},
		rawField("email", "b@oxen.ai"),
		rawFile("file[]", "hello.txt", b64, "Content-Transfer-Encoding: Binary", "Content-Type: text/plain; charset=iso-8859-1", "Content-Length: 8"),
		rawFile("file", "seven.txt", "7", "Content-Transfer-Encoding: 7bit", "Content-Encoding: identity"),
	)
	if got := r.paths(t); !slices.Equal(got, []string{"hello.txt", "seven.txt"}) {
		t.Errorf("paths %q", got)
	}
	e.readBack(t, "enc", map[string]string{"hello.txt": b64, "seven.txt": "7"})
}

// TestMultipartQuotedNames: a name with " (or any character a browser
// escapes) is stored under the real name, as browsers, curl old and new,
// and filename* send it, with or without a manifest.
func TestMultipartQuotedNames(t *testing.T) {
	e := newEnv(t)
	files := map[string]string{`a"b.txt`: "quoted", `quote"d/x.csv`: "a,b\n1,2\n", `plain/%41.txt`: "percent kept"}
	withManifest := []part{field("manifest", manifestOf(files))}
	for name, extra := range map[string][]part{"browser": nil, "browser-manifest": withManifest} {
		t.Run(name, func(t *testing.T) {
			parts := append([]part{newRepo("ox", name), field("name", "bessie"), field("email", "b@oxen.ai")}, extra...)
			for p, b := range files {
				parts = append(parts, file(p, []byte(b))) // " written as %22, as browsers do
			}
			r := e.postMultipart(parts...)
			if got := r.paths(t); !slices.Equal(got, []string{`a"b.txt`, `plain/%41.txt`, `quote"d/x.csv`}) {
				t.Errorf("paths %q", got)
			}
			e.readBack(t, name, files)
		})
	}
	// curl before 7.81 and with --form-escape: \" and \\ escapes.
	r := e.postRaw(append(rawRepo("curl-old"), rawFile("file[]", `quote\"d/x.csv`, "a,b\n1,2\n"), rawFile("file[]", `a\"b.txt`, "quoted"))...)
	if got := r.paths(t); !slices.Equal(got, []string{`a"b.txt`, `quote"d/x.csv`}) {
		t.Errorf("curl-old paths %q", got)
	}
	e.readBack(t, "curl-old", map[string]string{`a"b.txt`: "quoted", `quote"d/x.csv`: "a,b\n1,2\n"})
	// RFC 5987 filename*: decoded once (%2522 is the text %22), and it wins
	// over a filename fallback.
	r = e.postRaw(append(rawRepo("ext"),
		rawPart{[]string{`Content-Disposition: form-data; name="file[]"; filename="fallback.txt"; filename*=UTF-8''%C3%A9t%C3%A9%22.txt`}, "summer"},
		rawPart{[]string{`Content-Disposition: form-data; name="file[]"; filename*=utf-8''100%2522.txt`}, "literal"})...)
	if got := r.paths(t); !slices.Equal(got, []string{`100%22.txt`, `été".txt`}) {
		t.Errorf("filename* paths %q", got)
	}
	e.readBack(t, "ext", map[string]string{`été".txt`: "summer", `100%22.txt`: "literal"})
	// CR and LF come out as themselves, and paths refuse control characters.
	e.postRaw(append(rawRepo("crlf"), rawFile("file[]", "a%0Ab.txt", "x"))...).expectError(t, 400, `"a\nb.txt"`)
	e.postRaw(append(rawRepo("crlf"), rawFile("file[]", "a%0D.txt", "x"))...).expectError(t, 400, "control character")
	e.noTrace()
}

// TestMultipartEscapeAmbiguity: a filename holding the text %22 may be a
// browser's escape of " or the name's own text; the manifest decides.
func TestMultipartEscapeAmbiguity(t *testing.T) {
	e := newEnv(t)
	post := func(repo string, parts ...rawPart) *response {
		t.Helper()
		return e.postRaw(append(rawRepo(repo), parts...)...)
	}
	// The manifest lists the literal name: it is kept.
	literal := map[string]string{"100%22.txt": "one hundred"}
	r := post("literal", rawField("manifest", manifestOf(literal)), rawFile("file[]", "100%22.txt", "one hundred"))
	if got := r.paths(t); !slices.Equal(got, []string{"100%22.txt"}) {
		t.Errorf("literal: %q", got)
	}
	e.readBack(t, "literal", literal)
	// The manifest lists the decoded name, or there is no manifest: decoded.
	decoded := map[string]string{`100".txt`: "quoted"}
	for repo, parts := range map[string][]rawPart{
		"decoded":    {rawField("manifest", manifestOf(decoded)), rawFile("file[]", "100%22.txt", "quoted")},
		"nomanifest": {rawFile("file[]", "100%22.txt", "quoted")},
	} {
		if got := post(repo, parts...).paths(t); !slices.Equal(got, []string{`100".txt`}) {
			t.Errorf("%s: %q", repo, got)
		}
		e.readBack(t, repo, decoded)
	}
	// Escapes and the name's own text mixed in one path: each sequence is
	// read as the manifest's name says.
	mixed := map[string]string{`say "hi"/100%22.txt`: "mixed", "say %22hi%22/x": "literal folder"}
	r = post("mixed", rawField("manifest", manifestOf(mixed)), rawFile("file[]", "say %22hi%22/100%22.txt", "mixed"), rawFile("file[]", "say %22hi%22/x", "literal folder"))
	if got := r.paths(t); !slices.Equal(got, []string{`say "hi"/100%22.txt`, "say %22hi%22/x"}) {
		t.Errorf("mixed: %q", got)
	}
	e.readBack(t, "mixed", mixed)
	// Both names in one folder, as a browser sends them (both "a%22b"):
	// with the same bytes either order fits; with different bytes the
	// server cannot tell which part is which, and says so.
	same := map[string]string{`a"b`: "same", "a%22b": "same"}
	r = post("both-same", rawField("manifest", manifestOf(same)), rawFile("file[]", "a%22b", "same"), rawFile("file[]", "a%22b", "same"))
	if got := r.paths(t); !slices.Equal(got, []string{`a"b`, "a%22b"}) {
		t.Errorf("both-same: %q", got)
	}
	e.readBack(t, "both-same", same)
	differ := map[string]string{`a"b`: "quote", "a%22b": "percent"}
	post("both-differ", rawField("manifest", manifestOf(differ)), rawFile("file[]", "a%22b", "quote"), rawFile("file[]", "a%22b", "percent")).
		expectError(t, 400, `File part filename "a%22b" is ambiguous: the manifest lists "a\"b" and "a%22b" with different contents, and browsers send each of these names as "a%22b"; rename all but one of them`)
	// The one listed name sent twice: a duplicate.
	post("twice", rawField("manifest", manifestOf(map[string]string{`a"b`: "x"})), rawFile("file[]", "a%22b", "x"), rawFile("file[]", "a%22b", "x")).
		expectError(t, 400, `Duplicate file path "a\"b"`)
	// Neither listed: the decoded name is reported missing.
	post("neither", rawField("manifest", manifestOf(map[string]string{"other": "x"})), rawFile("file[]", "a%22b", "x")).
		expectError(t, 400, `File "a\"b" is not listed in the manifest`)
	// A manifest after the files: the files were named by decoding; a
	// literal name in the manifest then gets an explanation.
	post("after", rawFile("file[]", "100%22.txt", "one hundred"), rawField("manifest", manifestOf(literal))).
		expectError(t, 400, `File "100\".txt" is not listed in the manifest (the part came before the manifest, so its filename "100%22.txt" was read with browsers' escapes undone: %22 as ", %0D and %0A as CR and LF; send the manifest before the files to have "100%22.txt" matched as it is)`)
	if got := post("after", rawFile("file[]", "100%22.txt", "quoted"), rawField("manifest", manifestOf(decoded))).paths(t); !slices.Equal(got, []string{`100".txt`}) {
		t.Errorf("after, decoded: %q", got)
	}
	e.noTrace()
}
