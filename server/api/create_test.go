package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oxdrop/oxdrop/core/describe"
	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/oxhash"
	"github.com/oxdrop/oxdrop/internal/testenv"
	"github.com/oxdrop/oxdrop/server/store"
)

const user = `"user":{"name":"bessie","email":"bessie@oxen.ai"}`

func TestCreateJSON(t *testing.T) {
	fixed := time.Date(2025, 1, 1, 10, 0, 0, 123000000, time.UTC)
	e := newEnv(t, func(c *Config) { c.Now = func() time.Time { return fixed } })
	r := e.postJSON(`{"namespace":"ox","name":"Cat-Dog","description":"x","unknown":[1,{}],"files":[
		{"path":"data/hello.txt","contents":{"Text":"Hello\nworld"},` + user + `},
		{"path":"bin/raw.bin","contents":{"Binary":[0,1,2,255,10]},` + user + `},
		{"path":"bare.txt","contents":"serde form",` + user + `}]}`)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	validate(t, "RepositoryCreationResponse", r.body)
	var resp creationResponse
	if err := json.Unmarshal(r.body, &resp); err != nil {
		t.Fatal(err)
	}
	c := resp.Repository.LatestCommit
	// Test vector of oxen-behaviour.md §3: same author, email, second.
	if c == nil || c.ID != "768d3114bb1fde3c6eddea3f8a1a46f6" || c.Timestamp != "2025-01-01T10:00:00.123Z" ||
		c.Message != "Initial commit" || len(c.ParentIDs) != 0 {
		t.Fatalf("commit %+v", c)
	}
	if resp.Status != "success" || resp.StatusMessage != "resource_created" || resp.Repository.MinVersion != "0.36.0" {
		t.Errorf("envelope %s", r.body)
	}
	want := map[string][]byte{"data/hello.txt": []byte("Hello\nworld"), "bin/raw.bin": {0, 1, 2, 255, 10}, "bare.txt": []byte("serde form")}
	if len(resp.MetadataEntries) != 3 {
		t.Fatalf("%d entries", len(resp.MetadataEntries))
	}
	for _, me := range resp.MetadataEntries {
		p := me.Resource.Path
		data := want[p]
		if me.Hash != oxhash.SumHex(data) || me.Size != uint64(len(data)) || me.Filename != filepath.Base(p) ||
			me.Resource.Version != c.ID || me.Resource.Resource != c.ID+"/"+p {
			t.Errorf("entry %+v", me)
		}
		got := e.get("/api/repos/ox/Cat-Dog/file/main/" + p)
		if got.status != 200 || !bytes.Equal(got.body, data) || got.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("read back %s: %d %q", p, got.status, got.body)
		}
	}
	if m := resp.MetadataEntries[0].Metadata; m == nil || m.Text == nil || m.Text.NumLines != 2 || m.Text.NumChars != 11 {
		t.Errorf("text metadata %+v", m)
	}
	view := e.get("/api/repos/ox/Cat-Dog")
	if view.status != 200 || view.message() != "resource_found" {
		t.Fatalf("view %d %s", view.status, view.body)
	}
	validate(t, "RepositoryCreationResponse", view.body)
	if !strings.Contains(string(view.body), `"id":"768d3114bb1fde3c6eddea3f8a1a46f6"`) {
		t.Errorf("view %s", view.body)
	}
	e.postJSON(`{"namespace":"ox","name":"Cat-Dog"}`).expectError(t, 409, "Repo already exists.")
	e.noTrace()
}

func TestCreateWithoutFiles(t *testing.T) {
	e := newEnv(t)
	for i, r := range []*response{
		e.postJSON(`{"namespace":"ox","name":"empty","files":null}`),
		e.postJSON(`{"namespace":"ox","name":"empty2","files":[]}`),
		e.postMultipart(newRepo("ox", "empty3")),
	} {
		if r.status != 200 {
			t.Fatalf("%d: %d %s", i, r.status, r.body)
		}
		validate(t, "RepositoryCreationResponse", r.body)
		repo := r.json["repository"].(map[string]any)
		if repo["latest_commit"] != nil || r.json["metadata_entries"] != nil {
			t.Errorf("%d: %s", i, r.body)
		}
	}
	if v := e.get("/api/repos/ox/empty3"); v.status != 200 || !strings.Contains(string(v.body), `"metadata_entries":null`) {
		t.Errorf("view %d %s", v.status, v.body)
	}
}

func TestCreateMultipartFolders(t *testing.T) {
	e := newEnv(t)
	files := map[string][]byte{
		"photos/2024/cat 1.jpg":   bytes.Repeat([]byte{0xff, 0xd8, 0xff}, 1000),
		"photos/2024/notes.txt":   []byte("a\nb\n"),
		"docs/é/ß.md":             []byte("# hi\n"),
		"deep/a/b/c/d/e/f/g.json": []byte(`{"a":1}`),
		"dup-content.txt":         []byte("a\nb\n"), // same bytes as notes.txt: stored once
		"empty":                   nil,
	}
	manifest := map[string]string{}
	parts := []part{field("manifest", "")} // filled below
	for p, b := range files {
		manifest[p] = oxhash.SumHex(b)
		parts = append(parts, file(p, b))
	}
	mj, _ := json.Marshal(manifest)
	parts[0] = field("manifest", string(mj))
	// new_repo, name and email after the files.
	parts = append(parts, newRepo("ox", "folders"), field("name", "bessie"), field("email", "b@oxen.ai"))
	r := e.postMultipart(parts...)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	validate(t, "RepositoryCreationResponse", r.body)
	var resp creationResponse
	json.Unmarshal(r.body, &resp)
	if len(resp.MetadataEntries) != len(files) {
		t.Fatalf("%d entries", len(resp.MetadataEntries))
	}
	for _, me := range resp.MetadataEntries {
		want, ok := files[me.Resource.Path]
		if !ok || me.Hash != oxhash.SumHex(want) || me.LatestCommit.Author != "bessie" {
			t.Errorf("entry %s: %+v", me.Resource.Path, me)
		}
		got := e.get("/api/repos/ox/folders/file/main/" + me.Resource.Path)
		if !bytes.Equal(got.body, want) {
			t.Errorf("read back %s: %d", me.Resource.Path, got.status)
		}
	}
	// Dedup: one blob per distinct content.
	if blobs := e.keysMatching("/versions/"); len(blobs) != len(files)-1 {
		t.Errorf("%d blobs for %d distinct contents: %v", len(blobs), len(files)-1, blobs)
	}
	e.noTrace()
}

func (e *testEnv) keysMatching(sub string) []string {
	var out []string
	for _, k := range e.keys("") {
		if strings.Contains(k, sub) {
			out = append(out, k)
		}
	}
	return out
}

func fixturesDir(t *testing.T) string {
	t.Helper()
	return testenv.Fixtures(t)
}

// TestFixtures uploads every shared fixture, with its folders, and checks
// each entry equals what core/describe says and the bytes read back.
func TestFixtures(t *testing.T) {
	dir := fixturesDir(t)
	e := newEnv(t)
	parts := []part{newRepo("ox", "fixtures"), field("name", "ox"), field("email", "ox@oxen.ai")}
	want := map[string]model.FileInfo{}
	contents := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		info, err := describe.File(rel, bytes.NewReader(b), int64(len(b)), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		want[rel], contents[rel] = info, b
		parts = append(parts, file(rel, b))
		return nil
	})
	r := e.postMultipart(parts...)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	validate(t, "RepositoryCreationResponse", r.body)
	var resp creationResponse
	json.Unmarshal(r.body, &resp)
	if len(resp.MetadataEntries) != len(want) {
		t.Fatalf("%d entries for %d files", len(resp.MetadataEntries), len(want))
	}
	for _, me := range resp.MetadataEntries {
		p := me.Resource.Path
		w := want[p]
		gotMeta, _ := json.Marshal(me.Metadata)
		wantMeta, _ := json.Marshal(w.Metadata)
		if me.Hash != w.Hash || me.Size != w.Size || me.DataType != w.DataType || me.MimeType != w.MimeType ||
			me.Extension != w.Extension || string(gotMeta) != string(wantMeta) {
			t.Errorf("%s: got %s %d %s %s %s %s, describe says %s %d %s %s %s %s", p,
				me.Hash, me.Size, me.DataType, me.MimeType, me.Extension, gotMeta,
				w.Hash, w.Size, w.DataType, w.MimeType, w.Extension, wantMeta)
		}
		got := e.get("/api/repos/ox/fixtures/file/main/" + p)
		if !bytes.Equal(got.body, contents[p]) {
			t.Errorf("%s: read back %d bytes (status %d), want %d", p, len(got.body), got.status, len(contents[p]))
		}
		if ct := got.header.Get("Content-Type"); ct != w.MimeType {
			t.Errorf("%s: Content-Type %q, want %q", p, ct, w.MimeType)
		}
	}
	e.noTrace()
}

// TestErrors covers every rejection: status, message, and no trace.
func TestErrors(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxFiles = 3 })
	if r := e.postJSON(`{"namespace":"ox","name":"taken"}`); r.status != 200 {
		t.Fatal(r.status)
	}
	jsonFile := func(path, contents string) string {
		return `{"namespace":"ox","name":"n1","files":[{"path":` + path + `,"contents":` + contents + `,` + user + `}]}`
	}
	jsonCases := []struct {
		name, body string
		status     int
		msg        string
	}{
		{"not json", `{`, 400, "Invalid JSON: the body is not valid JSON"},
		{"array", `[]`, 400, "must be an object, got an array"},
		{"no namespace", `{"name":"ab"}`, 400, `missing field "namespace"`},
		{"name number", `{"namespace":"ox","name":5}`, 400, `"name" must be a string, got a number`},
		{"bad name", `{"namespace":"ox","name":"-x"}`, 400, "Invalid repository or namespace name '-x'. Must match [a-zA-Z0-9][a-zA-Z0-9_.-]+"},
		{"bad namespace", `{"namespace":"o","name":"ok"}`, 400, "Invalid repository or namespace name 'o'."},
		{"name first", `{"namespace":"!","name":"?"}`, 400, "name '?'"},
		{"exists", `{"namespace":"ox","name":"taken"}`, 409, "Repo already exists."},
		{"files object", `{"namespace":"ox","name":"n1","files":{}}`, 400, `"files" must be an array, got an object`},
		{"file not object", `{"namespace":"ox","name":"n1","files":[1]}`, 400, "files[0]: must be an object"},
		{"path number", jsonFile(`1`, `"x"`), 400, `"path" must be a string`},
		{"contents array", jsonFile(`"a"`, `[1]`), 400, `"contents" must be {"Text": string} or {"Binary": [bytes]}, got an array`},
		{"contents missing", `{"namespace":"ox","name":"n1","files":[{"path":"a",` + user + `}]}`, 400, `missing "contents"`},
		{"text number", jsonFile(`"a"`, `{"Text":1}`), 400, `"contents.Text" must be a string`},
		{"binary string", jsonFile(`"a"`, `{"Binary":"x"}`), 400, `"contents.Binary" must be an array`},
		{"binary 256", jsonFile(`"a"`, `{"Binary":[1,256]}`), 400, `"contents.Binary"[1] must be an integer from 0 to 255, got 256`},
		{"binary negative", jsonFile(`"a"`, `{"Binary":[-1]}`), 400, "got -1"},
		{"binary float", jsonFile(`"a"`, `{"Binary":[1.5]}`), 400, "got 1.5"},
		{"no user", `{"namespace":"ox","name":"n1","files":[{"path":"a","contents":"x"}]}`, 400, `"user" must be an object`},
		{"user email number", `{"namespace":"ox","name":"n1","files":[{"path":"a","contents":"x","user":{"name":"a","email":1}}]}`, 400, `"user.email" must be a string`},
		{"empty path", jsonFile(`""`, `"x"`), 400, "file path is empty"},
		{"absolute", jsonFile(`"/etc/passwd"`, `"x"`), 400, "is absolute"},
		{"dotdot", jsonFile(`"a/../../b"`, `"x"`), 400, ".. segment"},
		{"dot", jsonFile(`"./a"`, `"x"`), 400, ". segment"},
		{"backslash", jsonFile(`"a\\b"`, `"x"`), 400, "backslash"},
		{"nul", jsonFile(`"a\u0000b"`, `"x"`), 400, "control character"},
		{"long", jsonFile(`"`+strings.Repeat("a/", 513)+`"`, `"x"`), 400, "over the limit of 1024 bytes"},
		{"long name", jsonFile(`"`+strings.Repeat("a", 256)+`"`, `"x"`), 400, "over the limit of 255 bytes per file or folder name"},
		{"duplicate", `{"namespace":"ox","name":"n1","files":[{"path":"a","contents":"x",` + user + `},{"path":"a","contents":"y",` + user + `}]}`, 400, `Duplicate file path "a"`},
		{"file and folder", `{"namespace":"ox","name":"n1","files":[{"path":"a","contents":"x",` + user + `},{"path":"a/b","contents":"y",` + user + `}]}`, 400, `puts a file inside "a"`},
		{"too many", `{"namespace":"ox","name":"n1","files":[` + strings.Repeat(`{"path":"a","contents":"x",`+user+`},`, 3) + `{"path":"a","contents":"x",` + user + `}]}`, 413, "Too many files"},
	}
	for _, tc := range jsonCases {
		t.Run("json/"+tc.name, func(t *testing.T) {
			e.postJSON(tc.body).expectError(t, tc.status, tc.msg)
		})
	}
	// Invalid UTF-8 in a JSON path (raw byte, gjson keeps it).
	e.postJSON("{\"namespace\":\"ox\",\"name\":\"n1\",\"files\":[{\"path\":\"a\xff\",\"contents\":\"x\","+user+"}]}").
		expectError(t, 400, "invalid UTF-8")

	ctCases := []struct{ ct, msg string }{
		{"", "Missing Content-Type"},
		{"text/plain", `Unsupported Content-Type "text/plain"`},
		{"multipart/form-data", "no boundary"},
		{"application/json; charset=utf-8", ""}, // allowed: must succeed
	}
	for _, tc := range ctCases {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/repos", strings.NewReader(`{"namespace":"ox","name":"charset"}`))
		if tc.ct != "" {
			req.Header.Set("Content-Type", tc.ct)
		}
		r := e.do(req)
		if tc.msg == "" {
			if r.status != 200 {
				t.Errorf("%q: %d %s", tc.ct, r.status, r.body)
			}
			continue
		}
		r.expectError(t, 400, tc.msg)
	}

	nr := newRepo("ox", "m1")
	author := []part{field("name", "a"), field("email", "b")}
	mp := func(ps ...part) []part { return ps }
	multipartCases := []struct {
		name   string
		parts  []part
		status int
		msg    string
	}{
		{"no new_repo", mp(file("a", []byte("x")), author[0], author[1]), 400, "Missing new_repo field"},
		{"new_repo not json", mp(field("new_repo", "{"), file("a", []byte("x"))), 400, "Invalid JSON"},
		{"new_repo bad name", mp(newRepo("ox", "a")), 400, "Invalid repository or namespace name 'a'"},
		{"new_repo twice", mp(nr, nr), 400, "More than one new_repo"},
		{"exists", mp(file("a", []byte("x")), newRepo("ox", "taken")), 409, "Repo already exists."},
		{"no name", mp(nr, file("a", []byte("x")), author[1]), 400, "Name is required"},
		{"no email", mp(nr, file("a", []byte("x")), author[0]), 400, "Email is required"},
		{"no filename", mp(nr, part{name: "file", body: []byte("x"), noFilename: true}), 400, "has no filename"},
		{"empty filename", mp(nr, file("", []byte("x"))), 400, "file path is empty"},
		{"traversal", mp(nr, file("../x", []byte("x"))), 400, ".. segment"},
		{"absolute", mp(nr, file("/x", []byte("x"))), 400, "is absolute"},
		{"backslash", mp(nr, file(`a\b`, []byte("x"))), 400, "backslash"},
		{"control", mp(nr, file("a\tb", []byte("x"))), 400, "control character"},
		{"bad utf8", mp(nr, file("a\xffb", []byte("x"))), 400, "not valid UTF-8"},
		{"duplicate", mp(nr, file("a/b", []byte("x")), file("a/b", []byte("y"))), 400, `Duplicate file path "a/b"`},
		{"folder is file", mp(nr, file("a/b", []byte("x")), file("a", []byte("y"))), 400, `also a folder`},
		{"too many", mp(nr, file("1", nil), file("2", nil), file("3", nil), file("4", nil)), 413, "Too many files"},
		{"name not utf8", mp(nr, field("name", "\xff")), 400, `Part "name" is not valid UTF-8`},
		{"manifest not json", mp(nr, field("manifest", "{")), 400, "manifest is not valid JSON"},
		{"manifest twice", mp(nr, field("manifest", "{}"), field("manifest", "{}")), 400, "More than one manifest"},
		{"manifest mismatch", mp(nr, field("manifest", `{"a":"123"}`), file("a", []byte("x")), author[0], author[1]), 400,
			`File "a" has hash ` + oxhash.SumHex([]byte("x")) + ` but the manifest says 123`},
		{"manifest mismatch after", mp(nr, file("a", []byte("x")), field("manifest", `{"a":"123"}`), author[0], author[1]), 400,
			`but the manifest says 123`},
		{"manifest missing file", mp(nr, field("manifest", `{"a":"1"}`), file("b", []byte("x"))), 400, `File "b" is not listed in the manifest`},
		{"manifest extra", mp(nr, field("manifest", fmt.Sprintf(`{"a":%q,"b":"1"}`, oxhash.SumHex([]byte("x")))), file("a", []byte("x")), author[0], author[1]), 400,
			`The manifest lists "b" but no file part has that path`},
	}
	for _, tc := range multipartCases {
		t.Run("multipart/"+tc.name, func(t *testing.T) {
			e.postMultipart(tc.parts...).expectError(t, tc.status, tc.msg)
		})
	}
	// Malformed bodies.
	for name, body := range map[string]string{
		"truncated":       "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nxx",
		"no disposition":  "--B\r\n\r\nx\r\n--B--",
		"no closing":      "--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n",
		"junk after line": "--Bjunk\r\n",
	} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/repos", strings.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=B")
		r := e.do(req)
		if r.status != 400 || r.json["status"] != "error" {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	e.noTrace()
	// After all these failures, the names are free.
	for _, n := range []string{"n1", "m1"} {
		if r := e.postJSON(`{"namespace":"ox","name":"` + n + `"}`); r.status != 200 {
			t.Errorf("retry %s: %d %s", n, r.status, r.body)
		}
	}
}

func TestLimits(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxBodyBytes = 100_000; c.MaxFileBytes = 10_000; c.MaxJSONBytes = 50_000 })
	big := bytes.Repeat([]byte("x"), 200_000)
	// By Content-Length, before reading.
	body, ct := multipartBody(newRepo("ox", "big"), file("a", big))
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/repos", body)
	req.Header.Set("Content-Type", ct)
	e.do(req).expectError(t, 413, "over the limit of 100000 bytes")
	// By streaming count (chunked: no Content-Length).
	body, ct = multipartBody(newRepo("ox", "big"), file("a", big[:9000]), file("b", big[:9000]), file("c", big[:9000]),
		file("d", big[:9000]), file("e", big[:9000]), file("f", big[:9000]), file("g", big[:9000]), file("h", big[:9000]),
		file("i", big[:9000]), file("j", big[:9000]), file("k", big[:9000]), file("l", big[:9000]))
	req, _ = http.NewRequest("POST", e.srv.URL+"/api/repos", io.MultiReader(body)) // hides the length
	req.Header.Set("Content-Type", ct)
	e.do(req).expectError(t, 413, "over the limit of 100000 bytes")
	// One file over the per-file limit.
	e.postMultipart(newRepo("ox", "big"), file("dir/a", big[:10_001])).expectError(t, 413, `File "dir/a" is over the limit of 10000 bytes`)
	// JSON file over the per-file limit.
	e.postJSON(`{"namespace":"ox","name":"big","files":[{"path":"a","contents":"`+string(big[:10_001])+`",`+user+`}]}`).
		expectError(t, 413, `File "a" is 10001 bytes, over the limit of 10000 bytes`)
	// JSON bodies are read whole, so they have their own smaller cap.
	e.postJSON(`{"namespace":"ox","name":"big","description":"`+string(big[:60_000])+`"}`).
		expectError(t, 413, "JSON body is over the limit of 50000 bytes")
	e.noTrace()
	if r := e.postMultipart(newRepo("ox", "big"), file("a", big[:10_000]), field("name", "a"), field("email", "b")); r.status != 200 {
		t.Fatalf("at the limit: %d %s", r.status, r.body)
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Tokens = []string{"s3cret", "other"} })
	post := func(auth string) *response {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/repos", strings.NewReader(`{"namespace":"ox","name":"auth"}`))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return e.do(req)
	}
	post("").expectError(t, 401, "Missing bearer token")
	post("Basic s3cret").expectError(t, 401, "Missing bearer token")
	post("Bearer wrong").expectError(t, 401, "Invalid bearer token")
	post("Bearer s3cre").expectError(t, 401, "Invalid bearer token")
	if r := post("bearer other"); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := e.get("/api/repos/ox/auth"); r.status != 200 {
		t.Errorf("GET needs no token: %d", r.status)
	}
}

func TestConcurrentCreates(t *testing.T) {
	e := newEnv(t)
	const n = 24
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, ct := multipartBody(newRepo("ox", "race"), file(fmt.Sprintf("f%d.txt", i), []byte(strings.Repeat("x", 50_000))),
				field("name", "a"), field("email", "b"))
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/repos", body)
			req.Header.Set("Content-Type", ct)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			statuses[i] = res.StatusCode
			if res.StatusCode == 409 && !strings.Contains(string(b), "Repo already exists.") {
				t.Errorf("409 body %s", b)
			}
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[200] != 1 || count[409] != n-1 {
		t.Fatalf("statuses %v, want one 200 and %d 409", count, n-1)
	}
	e.noTrace()
}

// TestDisconnect: a client that vanishes mid-file leaves nothing behind and
// the name stays free.
func TestDisconnect(t *testing.T) {
	e := newEnv(t)
	body, ct := multipartBody(newRepo("ox", "gone"), field("name", "a"), field("email", "b"), file("big.bin", bytes.Repeat([]byte("z"), 4<<20)))
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/repos HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", ct, body.Len())
	conn.Write(body.Bytes()[:body.Len()/2])
	time.Sleep(200 * time.Millisecond) // let the server stream part of the file into the store
	conn.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if len(e.keys("staging/")) == 0 && len(e.keys("data/")) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("left behind: %v", e.keys(""))
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.noTrace()
	if r := e.postMultipart(newRepo("ox", "gone"), field("name", "a"), field("email", "b"), file("big.bin", []byte("z"))); r.status != 200 {
		t.Fatalf("retry: %d %s", r.status, r.body)
	}
}

func TestTraversalAndRoutes(t *testing.T) {
	e := newEnv(t)
	if r := e.postMultipart(newRepo("ox", "t1"), field("name", "a"), field("email", "b"), file("d/x.txt", []byte("secret"))); r.status != 200 {
		t.Fatal(r.status)
	}
	raw := func(method, path string) *response {
		conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", method, path)
		res, err := http.ReadResponse(bufioReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		return &response{status: res.StatusCode, header: res.Header, body: b}
	}
	for _, p := range []string{
		"/api/repos/ox/t1/file/main/../../t1/file/main/d/x.txt",
		"/api/repos/ox/t1/file/main/%2e%2e/repo.json",
		"/api/repos/ox/t1/file/main/d/%2e%2e/d/x.txt",
		"/api/repos/ox/t1/file/main//etc/passwd",
		"/api/repos/ox/t1/file/main/d/..%2f..%2frepo.json",
		"/api/repos/%2e%2e/t1/file/main/d/x.txt",
		"/api/repos/ox/%2e%2e/file/main/d/x.txt",
		"/api/repos/ox/t1/file/main/d\\x.txt",
		"/api/repos/ox/t1/file/main/d/x.txt%00",
		"/../../etc/passwd",
		"/%2e%2e/%2e%2e/etc/passwd",
	} {
		r := raw("GET", p)
		if r.status == 200 && strings.Contains(string(r.body), "secret") || r.status >= 500 {
			t.Errorf("GET %s: %d %s", p, r.status, r.body)
		}
	}
	if r := raw("GET", "/api/repos/ox/t1/file/main/d/x.txt"); r.status != 200 || string(r.body) != "secret" {
		t.Errorf("plain GET: %d %s", r.status, r.body)
	}
	e.get("/api/nope").expectError(t, 404, "No API endpoint")
	e.get("/api/repos/ox/missing").expectError(t, 404, "Repository ox/missing not found")
	e.get("/api/repos/ox/t1/file/main/nope.txt").expectError(t, 404, `No file "nope.txt"`)
	e.get("/api/repos").expectError(t, 405, "Method GET is not allowed")
	req, _ := http.NewRequest("DELETE", e.srv.URL+"/api/repos/ox/t1", nil)
	r := e.do(req)
	r.expectError(t, 405, "DELETE")
	if r.header.Get("Allow") == "" {
		t.Error("405 without Allow")
	}
	req, _ = http.NewRequest("POS", e.srv.URL+"/api/repos", strings.NewReader("{}"))
	e.do(req).expectError(t, 405, "Method POS is not allowed")
	// Range.
	req, _ = http.NewRequest("GET", e.srv.URL+"/api/repos/ox/t1/file/main/d/x.txt", nil)
	req.Header.Set("Range", "bytes=1-3")
	if r := e.do(req); r.status != 206 || string(r.body) != "ecr" {
		t.Errorf("range: %d %q", r.status, r.body)
	}
}

func TestActiveContentDownloads(t *testing.T) {
	e := newEnv(t)
	r := e.postMultipart(newRepo("ox", "web"), field("name", "a"), field("email", "b"),
		file("x.html", []byte("<script>alert(1)</script>")), file("i.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)),
		file("t.txt", []byte("plain")))
	if r.status != 200 {
		t.Fatal(r.status, string(r.body))
	}
	for p, disp := range map[string]string{"x.html": "attachment", "i.svg": "attachment", "t.txt": "inline"} {
		g := e.get("/api/repos/ox/web/file/main/" + p)
		if !strings.HasPrefix(g.header.Get("Content-Disposition"), disp) || g.header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(g.header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%s: %v", p, g.header)
		}
	}
}

func TestCORS(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.CORSOrigin = "https://app.example" })
	req, _ := http.NewRequest("OPTIONS", e.srv.URL+"/api/repos", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	r := e.do(req)
	h := r.header
	if r.status != 204 || h.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight %d %v", r.status, h)
	}
	req, _ = http.NewRequest("GET", e.srv.URL+"/api/repos/ox/x", nil)
	req.Header.Set("Origin", "https://evil.example")
	if r := e.do(req); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin allowed: %v", r.header)
	}
}

// plainStore hides billystore's Mover, as the R2 store has none, so
// uploads without a manifest take store.Move's copy+delete path.
type plainStore struct{ store.Store }

func TestCreateOnStoreWithoutMover(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Store = plainStore{c.Store} })
	files := map[string][]byte{"a/x.txt": []byte("one\n"), "b/y.txt": []byte("one\n"), "c.bin": bytes.Repeat([]byte{1, 2, 3}, 100_000)}
	parts := []part{newRepo("ox", "nomover"), field("name", "a"), field("email", "b")}
	for p, b := range files {
		parts = append(parts, file(p, b))
	}
	r := e.postMultipart(parts...)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	for p, b := range files {
		if g := e.get("/api/repos/ox/nomover/file/main/" + p); !bytes.Equal(g.body, b) {
			t.Errorf("%s: read back %d bytes", p, len(g.body))
		}
	}
	if uploads := e.keysMatching("/uploads/"); len(uploads) != 0 {
		t.Errorf("uploads left: %v", uploads)
	}
	if blobs := e.keysMatching("/versions/"); len(blobs) != 2 {
		t.Errorf("blobs %v, want 2 (deduplicated)", blobs)
	}
	e.noTrace()
	// HEAD of the view, and OPTIONS without CORS configured.
	req, _ := http.NewRequest("HEAD", e.srv.URL+"/api/repos/ox/nomover", nil)
	if r := e.do(req); r.status != 200 || len(r.body) != 0 || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("HEAD: %d %v", r.status, r.header)
	}
	req, _ = http.NewRequest("OPTIONS", e.srv.URL+"/api/repos", nil)
	if r := e.do(req); r.status != 204 || r.header.Get("Allow") == "" || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("OPTIONS: %d %v", r.status, r.header)
	}
}

// failingStore fails Puts of keys containing fail, to inject I/O errors.
type failingStore struct {
	store.Store
	fail  string
	panic bool
}

func (f failingStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts store.PutOptions) (store.Info, error) {
	if strings.Contains(key, f.fail) && f.panic {
		panic("store bug at " + key)
	}
	if strings.Contains(key, f.fail) {
		io.CopyN(io.Discard, r, 1000) // fail part-way through the body
		return store.Info{}, fmt.Errorf("disk on fire at %s", key)
	}
	return f.Store.Put(ctx, key, r, size, opts)
}

// TestStoreFailures: an I/O error at any step answers 500 without
// internals, and leaves nothing behind; the name stays free.
func TestStoreFailures(t *testing.T) {
	for _, step := range []string{"/uploads/", "/tree/", "/entries/", "/refs/heads/main", "repo.json"} {
		t.Run(step, func(t *testing.T) {
			var logs bytes.Buffer
			e := newEnv(t, func(c *Config) {
				c.Store = failingStore{Store: c.Store, fail: step}
				c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			r := e.postMultipart(newRepo("ox", "fail"), field("name", "a"), field("email", "b"), file("d/a.bin", bytes.Repeat([]byte("x"), 5000)))
			r.expectError(t, 500, "Internal server error")
			if strings.Contains(string(r.body), "fire") {
				t.Errorf("internal error leaked: %s", r.body)
			}
			if !strings.Contains(logs.String(), "disk on fire") {
				t.Errorf("internal error not logged: %s", logs.String())
			}
			e.noTrace()
			if _, err := e.st.Stat(context.Background(), "repos/ox/fail/repo.json"); err == nil {
				t.Error("repository published despite the failure")
			}
		})
	}
}

func TestPanicCleansUp(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, func(c *Config) {
		c.Store = failingStore{Store: c.Store, fail: "/tree/", panic: true}
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	e.postMultipart(newRepo("ox", "boom"), field("name", "a"), field("email", "b"), file("a.txt", []byte("x"))).
		expectError(t, 500, "Internal server error")
	if !strings.Contains(logs.String(), "store bug") {
		t.Errorf("panic not logged: %s", logs.String())
	}
	e.noTrace()
}
