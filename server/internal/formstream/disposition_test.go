package formstream

import (
	"errors"
	"mime"
	"strings"
	"testing"
)

func TestFormstreamDisposition(t *testing.T) {
	type want struct {
		name, filename, decoded string
		has, ext                bool
	}
	file := func(name, filename, decoded string) want { return want{name, filename, decoded, true, false} }
	ext := func(name, filename string) want { return want{name, filename, filename, true, true} }
	for _, tc := range []struct {
		cd   string
		want want
		err  string // error substring; "" for success
		not  bool   // the error is a NotAcceptedError
	}{
		{cd: `form-data; name="new_repo"`, want: want{name: "new_repo"}},
		{cd: `form-data; name="file[]"; filename="images/cat 1.jpg"`, want: file("file[]", "images/cat 1.jpg", "images/cat 1.jpg")},
		{cd: `Form-Data; NAME=file; FileName=a.txt`, want: file("file", "a.txt", "a.txt")},
		{cd: `form-data; name="file"; filename=""`, want: file("file", "", "")},
		{cd: `form-data; name="a"; size=12; creation-date="x";`, want: want{name: "a"}},
		{cd: `form-data; name="file"; filename="é/ß.txt"`, want: file("file", "é/ß.txt", "é/ß.txt")},
		{cd: "form-data; name=\"file\"; filename=\"a\tb\"", want: file("file", "a\tb", "a\tb")},
		// Browsers and curl >= 7.81: ", CR, LF as %22, %0D, %0A, nothing else.
		{cd: `form-data; name="file[]"; filename="quote%22d/a%22b.txt"`, want: file("file[]", `quote%22d/a%22b.txt`, `quote"d/a"b.txt`)},
		{cd: `form-data; name="file[]"; filename="a%0D%0Ab"`, want: file("file[]", `a%0D%0Ab`, "a\r\nb")},
		{cd: `form-data; name="file[]"; filename="a%0d%0a%2522%25"`, want: file("file[]", `a%0d%0a%2522%25`, `a%0d%0a%2522%25`)},
		{cd: `form-data; name="file[]"; filename="100%%22.txt"`, want: file("file[]", `100%%22.txt`, `100%".txt`)},
		// curl --form-escape and curl < 7.81: backslash escapes.
		{cd: `form-data; name="file"; filename="a\"b.txt"`, want: file("file", `a"b.txt`, `a"b.txt`)},
		{cd: `form-data; name="file"; filename="a\\b"`, want: file("file", `a\b`, `a\b`)},
		{cd: `form-data; name="file"; filename="C:\dev\a.txt"`, want: file("file", `C:\dev\a.txt`, `C:\dev\a.txt`)},
		// RFC 5987 filename*: UTF-8 only, decoded once, wins over filename.
		{cd: `form-data; name="file"; filename*=UTF-8''%C3%A9%22.txt`, want: ext("file", `é".txt`)},
		{cd: `form-data; name="file"; filename*=utf-8''a%2522`, want: ext("file", `a%22`)},
		{cd: `form-data; name="file"; filename="e.txt"; filename*=utf-8'en'%C3%A9.txt`, want: ext("file", "é.txt")},
		{cd: `form-data; name="file"; filename*=UTF-8''`, want: ext("file", "")},
		{cd: `form-data; name="file"; filename*=ISO-8859-1''%E9.txt`, err: `its charset is "ISO-8859-1", and only UTF-8 is read`, not: true},
		{cd: `form-data; name="file"; filename*=UTF-8''%G1`, err: `"%G1" is not a percent escape`, not: true},
		{cd: `form-data; name="file"; filename*=UTF-8''a%2`, err: "is not a percent escape", not: true},
		{cd: `form-data; name="file"; filename*=a.txt`, err: "it is not charset'language'value", not: true},
		{cd: `form-data; name="file"; filename*0="a"; filename*1="b"`, err: `parameter "filename*0" of a part is not accepted`, not: true},
		{cd: `form-data; name*=UTF-8''file; filename="a"`, err: `parameter "name*" of a part is not accepted`, not: true},
		// Malformed.
		{cd: `form-data; name="a"; name="b"`, err: `parameter "name" is given twice`},
		{cd: `form-data; name="a"; name="a"`, want: want{name: "a"}},
		{cd: `form-data; name="a`, err: "neither a token nor a closed quoted string"},
		{cd: `form-data; name=`, err: "neither a token nor a closed quoted string"},
		{cd: `form-data; name`, err: `parameter "name" has no value`},
		{cd: `form-data; =x`, err: "expected a parameter name"},
		{cd: `form-data name="a"`, err: "not a token"},
		{cd: `; name="a"`, err: "no disposition type"},
		{cd: `form-data; name="a" junk`, err: `unexpected "junk"`},
		{cd: `form-data`, err: "no name"},
		{cd: `form-data; name=""`, err: "no name"},
		{cd: `attachment; name="a"`, err: `is "attachment", not form-data`},
	} {
		p := &Part{}
		err := p.parseDisposition(tc.cd)
		if tc.err != "" {
			var nae *NotAcceptedError
			if err == nil || !strings.Contains(err.Error(), tc.err) || errors.As(err, &nae) != tc.not {
				t.Errorf("%s: error %v (not accepted: %v), want %q (not accepted: %v)", tc.cd, err, errors.As(err, &nae), tc.err, tc.not)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.cd, err)
			continue
		}
		got := want{p.Name, p.Filename, p.DecodedFilename(), p.HasFilename, p.FilenameExt}
		if !tc.want.has {
			tc.want.decoded = ""
		}
		if got != tc.want {
			t.Errorf("%s:\n got %#v\nwant %#v", tc.cd, got, tc.want)
		}
	}
}

func TestFormstreamUnescapeFilename(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "",
		"plain/a.txt":      "plain/a.txt",
		"%22%22":           `""`,
		"%0D%0A":           "\r\n",
		"%0d%0a":           "%0d%0a", // browsers write uppercase; other forms are the name's own text
		"%2522":            "%2522",  // % is never escaped: no second round
		"%":                "%",
		"%2":               "%2",
		"a%22b%0Ac%0Dd%3F": "a\"b\nc\rd%3F",
		"%%22%":            `%"%`,
	} {
		if got := UnescapeFilename(in); got != want {
			t.Errorf("UnescapeFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormstreamPartHeaders(t *testing.T) {
	const cd = "Content-Disposition: form-data; name=\"file[]\"; filename=\"a.txt\"\r\n"
	for _, tc := range []struct {
		name, headers, err string
		not                bool
	}{
		{"identity", cd + "Content-Transfer-Encoding: BINARY\r\nContent-Type: text/plain; charset=utf-8\r\n", "", false},
		{"7bit", cd + "Content-Transfer-Encoding: 7bit\r\n", "", false},
		{"8bit", cd + "content-transfer-encoding:8Bit\r\n", "", false},
		{"content-encoding identity", cd + "Content-Encoding: identity\r\n", "", false},
		{"base64", cd + "Content-Transfer-Encoding: base64\r\n",
			`Part "file[]" (filename "a.txt") has Content-Transfer-Encoding "base64", which is not accepted: only 7bit, 8bit and binary are (or no such header); send the bytes as they are`, true},
		{"quoted-printable text", "Content-Disposition: form-data; name=\"name\"\r\nContent-Transfer-Encoding: Quoted-Printable\r\n",
			`Part "name" has Content-Transfer-Encoding "Quoted-Printable", which is not accepted`, true},
		{"gzip", cd + "Content-Encoding: gzip\r\n", `Part "file[]" (filename "a.txt") has Content-Encoding "gzip", which is not accepted: parts are read as they are sent, so only identity is`, true},
		{"nested multipart", "Content-Disposition: form-data; name=\"files\"\r\nContent-Type: multipart/mixed; boundary=BbC04y\r\n",
			`Part "files" has Content-Type "multipart/mixed; boundary=BbC04y", which is not accepted: nested multipart parts (RFC 2388's multipart/mixed) are not read; send one part per file`, true},
		{"two dispositions", cd + "Content-Disposition: form-data; name=\"file[]\"; filename=\"b.txt\"\r\n", "a part has two Content-Disposition headers", false},
		{"two types", cd + "Content-Type: a/b\r\ncontent-type: a/b\r\n", "a part has two content-type headers", false},
		{"two other headers", cd + "X-A: 1\r\nX-A: 2\r\n", "", false},
	} {
		body := "--B\r\n" + tc.headers + "\r\nxyz\r\n--B--\r\n"
		got, err := readAll(t, strings.NewReader(body), "B", 0)
		if tc.err == "" {
			if err != nil || len(got) != 1 || string(got[0].body) != "xyz" {
				t.Errorf("%s: %+v, %v", tc.name, got, err)
			}
			continue
		}
		var nae *NotAcceptedError
		if err == nil || !strings.Contains(err.Error(), tc.err) || errors.As(err, &nae) != tc.not {
			t.Errorf("%s: error %v, want %q (not accepted: %v)", tc.name, err, tc.err, tc.not)
		}
	}
}

// FuzzDisposition: parseDisposition never panics, and on headers without
// a '*' parameter it agrees with mime.ParseMediaType, which it replaces.
func FuzzDisposition(f *testing.F) {
	f.Add(`form-data; name="file[]"; filename="a%22b/c.txt"`)
	f.Add(`form-data; name=file; filename="C:\dev\a\"b"`)
	f.Add(`form-data; name="file"; filename*=UTF-8''%C3%A9.txt`)
	f.Add(`form-data ; name = "x" ; ; `)
	f.Fuzz(func(t *testing.T, cd string) {
		p := &Part{}
		err := p.parseDisposition(cd)
		if err == nil && (p.Name == "" || p.FilenameExt && !p.HasFilename) {
			t.Fatalf("%q: name %q, ext %v", cd, p.Name, p.FilenameExt)
		}
		if strings.Contains(cd, "*") {
			return
		}
		disp, params, gerr := mime.ParseMediaType(cd)
		goOK := gerr == nil && disp == "form-data" && params["name"] != ""
		if goOK != (err == nil) {
			t.Fatalf("%q: mime.ParseMediaType %q %v %v, parseDisposition %v", cd, disp, params, gerr, err)
		}
		if err != nil {
			return
		}
		fn, has := params["filename"]
		if p.Name != params["name"] || p.Filename != fn || p.HasFilename != has {
			t.Fatalf("%q: got %q %q %v, mime.ParseMediaType %q", cd, p.Name, p.Filename, p.HasFilename, params)
		}
	})
}
