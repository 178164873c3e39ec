package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oxdrop/oxdrop/core/oxhash"
	"github.com/oxdrop/oxdrop/server/store"
	"github.com/oxdrop/oxdrop/server/store/storetest"
)

// The resumable protocol of docs/uploads.md over real HTTP: plan, tus,
// commit, and what goes wrong on the way.

type upFile struct {
	path string
	data []byte
}

func (f upFile) hash() string { return oxhash.SumHex(f.data) }

func (e *testEnv) send(method, path string, body io.Reader, hdr map[string]string) *response {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return e.do(req)
}

func planJSON(ns, name string, files []upFile) string {
	type f struct {
		Path string `json:"path"`
		Hash string `json:"hash"`
		Size int    `json:"size"`
	}
	var fs []f
	for _, x := range files {
		fs = append(fs, f{x.path, x.hash(), len(x.data)})
	}
	b, _ := json.Marshal(map[string]any{"namespace": ns, "name": name, "files": fs})
	return string(b)
}

// plan posts a plan and returns the upload object (status checked by caller).
func (e *testEnv) plan(ns, name string, files []upFile) (*response, map[string]any) {
	e.t.Helper()
	r := e.send("POST", "/api/uploads", strings.NewReader(planJSON(ns, name, files)), map[string]string{"Content-Type": "application/json"})
	up, _ := r.json["upload"].(map[string]any)
	return r, up
}

func tusHdr(extra map[string]string) map[string]string {
	h := map[string]string{"Tus-Resumable": "1.0.0"}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

// tusSend creates blob f at endpoint and sends it in pieces of chunk bytes;
// it returns the blob's URL path.
func (e *testEnv) tusSend(endpoint string, f upFile, chunk int) string {
	e.t.Helper()
	r := e.send("POST", endpoint, nil, tusHdr(map[string]string{
		"Upload-Length":   fmt.Sprint(len(f.data)),
		"Upload-Metadata": "hash " + base64.StdEncoding.EncodeToString([]byte(f.hash())) + ",filename " + base64.StdEncoding.EncodeToString([]byte(f.path)),
	}))
	if r.status != 201 {
		e.t.Fatalf("tus create %s: %d %s", f.path, r.status, r.body)
	}
	loc := r.header.Get("Location")
	for off := 0; off < len(f.data); off += chunk {
		end := min(off+chunk, len(f.data))
		r := e.send("PATCH", loc, bytes.NewReader(f.data[off:end]), tusHdr(map[string]string{
			"Content-Type": "application/offset+octet-stream", "Upload-Offset": fmt.Sprint(off),
		}))
		if r.status != 204 || r.header.Get("Upload-Offset") != fmt.Sprint(end) {
			e.t.Fatalf("PATCH %s at %d: %d offset %q %s", f.path, off, r.status, r.header.Get("Upload-Offset"), r.body)
		}
	}
	return loc
}

func commitJSON(ns, name, id string, files []upFile) string {
	var fs []map[string]any
	for _, f := range files {
		fs = append(fs, map[string]any{"path": f.path, "contents": map[string]string{"Blob": f.hash()},
			"user": map[string]string{"name": "Ada", "email": "ada@example.com"}})
	}
	b, _ := json.Marshal(map[string]any{"namespace": ns, "name": name, "upload_id": id, "files": fs})
	return string(b)
}

func sampleFiles() []upFile {
	big := bytes.Repeat([]byte("0123456789abcdef\n"), 40_000) // 680,000 bytes: several pieces
	return []upFile{
		{"data/big.txt", big},
		{"data/copy.txt", big}, // the same blob: sent once
		{"labels.csv", []byte("a,b\n1,2\n3,4\n")},
		{"empty.txt", nil},
	}
}

func TestResumableUploadRoundTrip(t *testing.T) {
	e := newEnv(t)
	files := sampleFiles()
	r, up := e.plan("ox", "cats", files)
	if r.status != 201 || r.json["status_message"] != "resource_created" {
		t.Fatalf("plan: %d %s", r.status, r.body)
	}
	missing := up["missing"].([]any)
	if len(missing) != 3 { // big (once), csv, empty
		t.Fatalf("missing %v, want 3 distinct blobs", missing)
	}
	if up["max_chunk_bytes"].(float64) != float64(64<<20) || up["expires_at"] == "" {
		t.Errorf("upload %v", up)
	}
	id, endpoint := up["id"].(string), up["tus_endpoint"].(string)
	// A taken name is refused while the upload holds it, by both APIs.
	if r, _ := e.plan("ox", "cats", files[:1]); r.status != 409 || !strings.Contains(r.json["status_message"].(string), "held by another upload") {
		t.Errorf("second plan for a held name: %d %s", r.status, r.body)
	}
	if r := e.postJSON(`{"namespace":"ox","name":"cats"}`); r.status != 409 {
		t.Errorf("single-request creation of a held name: %d %s", r.status, r.body)
	}
	// The commit before the blobs are there names what is missing.
	if r := e.postJSON(commitJSON("ox", "cats", id, files)); r.status != 400 || !strings.Contains(r.json["status_message"].(string), "has not been uploaded") {
		t.Errorf("early commit: %d %s", r.status, r.body)
	}
	sent := map[string]bool{}
	for _, f := range files {
		if !sent[f.hash()] {
			sent[f.hash()] = true
			e.tusSend(endpoint, f, 100_000)
		}
	}
	// Status: nothing missing now.
	if r := e.get("/api/uploads/" + id); r.status != 200 || len(r.json["upload"].(map[string]any)["missing"].([]any)) != 0 {
		t.Errorf("status: %d %s", r.status, r.body)
	}
	r = e.postJSON(commitJSON("ox", "cats", id, files))
	if r.status != 200 || r.json["status_message"] != "resource_created" {
		t.Fatalf("commit: %d %s", r.status, r.body)
	}
	for _, f := range files {
		got := e.get("/api/repos/ox/cats/file/main/" + f.path)
		if got.status != 200 || !bytes.Equal(got.body, f.data) {
			t.Errorf("%s read back: %d, %d bytes", f.path, got.status, len(got.body))
		}
	}
	entries := e.get("/api/repos/ox/cats")
	if !strings.Contains(string(entries.body), `"num_lines":40001`) || !strings.Contains(string(entries.body), `"tabular"`) {
		t.Errorf("metadata of committed blobs: %s", entries.body)
	}
	// The upload is closed: its id is gone, the name's hold released.
	if r := e.get("/api/uploads/" + id); r.status != 404 {
		t.Errorf("status after commit: %d", r.status)
	}
	if k := storetest.Keys(t, e.st, "holds/"); len(k) != 0 {
		t.Errorf("holds left: %v", k)
	}
	if k := storetest.Keys(t, e.st, "tus/"); len(k) != 0 {
		t.Errorf("blob states left: %v", k)
	}
	// A second repository of the same files: nothing is missing.
	r, up = e.plan("ox", "dogs", files)
	if r.status != 201 || len(up["missing"].([]any)) != 0 {
		t.Fatalf("second plan: %d %s", r.status, r.body)
	}
	if r := e.postJSON(commitJSON("ox", "dogs", up["id"].(string), files)); r.status != 200 {
		t.Fatalf("second commit: %d %s", r.status, r.body)
	}
	if got := e.get("/api/repos/ox/dogs/file/main/data/big.txt"); !bytes.Equal(got.body, files[0].data) {
		t.Error("second repository's file differs")
	}
	// The existing repository's name is a 409 at plan time.
	if r, _ := e.plan("ox", "cats", files); r.status != 409 {
		t.Errorf("plan of an existing repository: %d %s", r.status, r.body)
	}
}

func TestResumableResume(t *testing.T) {
	e := newEnv(t)
	f := upFile{"a.bin", bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7}, 50_000)}
	_, up := e.plan("ox", "resume", []upFile{f})
	id, endpoint := up["id"].(string), up["tus_endpoint"].(string)
	r := e.send("POST", endpoint, nil, tusHdr(map[string]string{
		"Upload-Length": fmt.Sprint(len(f.data)), "Upload-Metadata": "hash " + base64.StdEncoding.EncodeToString([]byte(f.hash())),
	}))
	loc := r.header.Get("Location")
	if r.status != 201 || loc != endpoint+"/"+f.hash() {
		t.Fatalf("create: %d %q", r.status, loc)
	}
	patch := func(off int, b []byte) *response {
		return e.send("PATCH", loc, bytes.NewReader(b), tusHdr(map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": fmt.Sprint(off)}))
	}
	if r := patch(0, f.data[:100_000]); r.status != 204 {
		t.Fatalf("first piece: %d %s", r.status, r.body)
	}
	// A piece cut off in transit (declared longer than what comes) is
	// discarded whole; the offset stays.
	req, _ := http.NewRequest("PATCH", e.srv.URL+loc, io.MultiReader(bytes.NewReader(f.data[100_000:150_000]), errReader{}))
	req.ContentLength = 100_000
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", "100000")
	if res, err := e.srv.Client().Do(req); err == nil {
		res.Body.Close()
	}
	// The same plan again (a reload) answers the same upload.
	r, again := e.plan("ox", "resume", []upFile{f})
	if r.status != 201 || again["id"] != id || again["resumed"] != true {
		t.Fatalf("plan again: %d %s", r.status, r.body)
	}
	head := e.send("HEAD", loc, nil, tusHdr(nil))
	if head.status != 200 || head.header.Get("Upload-Offset") != "100000" || head.header.Get("Upload-Length") != fmt.Sprint(len(f.data)) {
		t.Fatalf("HEAD after a cut: %d offset %q length %q", head.status, head.header.Get("Upload-Offset"), head.header.Get("Upload-Length"))
	}
	if st := e.get("/api/uploads/" + id); st.json["upload"].(map[string]any)["offsets"].(map[string]any)[f.hash()] != float64(100_000) {
		t.Errorf("status offsets: %s", st.body)
	}
	// Wrong offset: 409 with the server's offset named.
	if r := patch(50, f.data[50:60]); r.status != 409 || !strings.Contains(r.json["status_message"].(string), "100000") {
		t.Errorf("wrong offset: %d %s", r.status, r.body)
	}
	if r := patch(100_000, f.data[100_000:]); r.status != 204 {
		t.Fatalf("rest: %d %s", r.status, r.body)
	}
	if r := e.postJSON(commitJSON("ox", "resume", id, []upFile{f})); r.status != 200 {
		t.Fatalf("commit: %d %s", r.status, r.body)
	}
	if got := e.get("/api/repos/ox/resume/file/main/a.bin"); !bytes.Equal(got.body, f.data) {
		t.Error("read back differs")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestResumableRefusals(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxFiles = 3; c.MaxFileBytes = 1000; c.MaxChunkBytes = 100 })
	good := upFile{"a.txt", []byte("hello")}
	cases := []struct {
		name, body string
		status     int
		msg        string
	}{
		{"bad name", `{"namespace":"ox","name":"a b","files":[]}`, 400, "Invalid repository or namespace name"},
		{"files not array", `{"namespace":"ox","name":"ab","files":{}}`, 400, `"files" must be an array`},
		{"bad path", `{"namespace":"ox","name":"ab","files":[{"path":"../x","hash":"` + good.hash() + `","size":5}]}`, 400, ".."},
		{"padded hash", `{"namespace":"ox","name":"ab","files":[{"path":"a","hash":"0` + good.hash() + `","size":5}]}`, 400, "without leading zeros"},
		{"upper hash", `{"namespace":"ox","name":"ab","files":[{"path":"a","hash":"` + strings.ToUpper(good.hash()) + `","size":5}]}`, 400, "lowercase"},
		{"float size", `{"namespace":"ox","name":"ab","files":[{"path":"a","hash":"` + good.hash() + `","size":5.5}]}`, 400, `"size" must be a whole number`},
		{"negative size", `{"namespace":"ox","name":"ab","files":[{"path":"a","hash":"` + good.hash() + `","size":-1}]}`, 400, `"size" must be a whole number`},
		{"too big", `{"namespace":"ox","name":"ab","files":[{"path":"a","hash":"` + good.hash() + `","size":1001}]}`, 413, "over the limit of 1000 bytes"},
		{"too many", `{"namespace":"ox","name":"ab","files":[{},{},{},{}]}`, 413, "Too many files"},
		{"duplicate path", `{"namespace":"ox","name":"ab","files":[{"path":"a","hash":"` + good.hash() + `","size":5},{"path":"a","hash":"` + good.hash() + `","size":5}]}`, 400, "a"},
		{"duplicate key", `{"namespace":"ox","namespace":"ox","name":"ab","files":[]}`, 400, "Invalid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.send("POST", "/api/uploads", strings.NewReader(c.body), map[string]string{"Content-Type": "application/json"})
			if r.status != c.status || !strings.Contains(fmt.Sprint(r.json["status_message"]), c.msg) {
				t.Errorf("%d %s, want %d containing %q", r.status, r.body, c.status, c.msg)
			}
		})
	}
	if k := storetest.Keys(t, e.st, ""); len(k) != 0 {
		t.Errorf("refused plans left keys: %v", k)
	}

	other := upFile{"b.txt", []byte("other")}
	_, up := e.plan("ox", "refuse", []upFile{good})
	id, endpoint := up["id"].(string), up["tus_endpoint"].(string)
	meta := func(f upFile) string { return "hash " + base64.StdEncoding.EncodeToString([]byte(f.hash())) }
	tus := []struct {
		name, method, path string
		hdr                map[string]string
		body               string
		status             int
		msg                string
	}{
		{"no Tus-Resumable", "POST", endpoint, map[string]string{"Upload-Length": "5", "Upload-Metadata": meta(good)}, "", 412, "Tus-Resumable"},
		{"no hash", "POST", endpoint, tusHdr(map[string]string{"Upload-Length": "5"}), "", 400, "hash"},
		{"not in plan", "POST", endpoint, tusHdr(map[string]string{"Upload-Length": "5", "Upload-Metadata": meta(other)}), "", 400, "not in upload"},
		{"wrong length", "POST", endpoint, tusHdr(map[string]string{"Upload-Length": "6", "Upload-Metadata": meta(good)}), "", 400, "5 bytes in the plan"},
		{"deferred length", "POST", endpoint, tusHdr(map[string]string{"Upload-Defer-Length": "1", "Upload-Metadata": meta(good)}), "", 400, "Upload-Defer-Length"},
		{"bad metadata", "POST", endpoint, tusHdr(map[string]string{"Upload-Length": "5", "Upload-Metadata": "hash !!!"}), "", 400, "base64"},
		{"unknown upload", "POST", "/api/uploads/0123456789abcdef0123456789abcdef/files", tusHdr(map[string]string{"Upload-Length": "5", "Upload-Metadata": meta(good)}), "", 404, "No upload"},
		{"malformed id", "POST", "/api/uploads/..%2f..%2fx/files", tusHdr(map[string]string{"Upload-Length": "5", "Upload-Metadata": meta(good)}), "", 404, ""},
		{"patch before create", "PATCH", endpoint + "/" + good.hash(), tusHdr(map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}), "hello", 404, "create it first"},
		{"head before create", "HEAD", endpoint + "/" + good.hash(), tusHdr(nil), "", 404, ""},
	}
	for _, c := range tus {
		t.Run(c.name, func(t *testing.T) {
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			r := e.send(c.method, c.path, body, c.hdr)
			if r.status != c.status || !strings.Contains(string(r.body), c.msg) {
				t.Errorf("%d %s, want %d containing %q", r.status, r.body, c.status, c.msg)
			}
			if r.header.Get("Tus-Resumable") != "1.0.0" && c.status != 404 {
				t.Errorf("no Tus-Resumable on the answer")
			}
		})
	}
	// A blob whose bytes do not hash to its announced hash is refused when
	// complete, and discarded.
	r := e.send("POST", endpoint, nil, tusHdr(map[string]string{"Upload-Length": "5", "Upload-Metadata": meta(good)}))
	loc := r.header.Get("Location")
	patchHdr := tusHdr(map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"})
	if r := e.send("PATCH", loc, strings.NewReader("hellO"), patchHdr); r.status != 400 || !strings.Contains(r.json["status_message"].(string), "not to the announced") {
		t.Errorf("wrong bytes: %d %s", r.status, r.body)
	}
	if k := storetest.Keys(t, e.st, "blobs/"); len(k) != 0 {
		t.Errorf("a mismatched blob was kept: %v", k)
	}
	if r := e.send("HEAD", loc, nil, tusHdr(nil)); r.status != 404 {
		t.Errorf("HEAD of a discarded blob: %d", r.status)
	}
	// Content-Type, piece size, past the length.
	e.send("POST", endpoint, nil, tusHdr(map[string]string{"Upload-Length": "5", "Upload-Metadata": meta(good)}))
	if r := e.send("PATCH", loc, strings.NewReader("hello"), tusHdr(map[string]string{"Upload-Offset": "0", "Content-Type": "text/plain"})); r.status != 415 {
		t.Errorf("wrong Content-Type: %d %s", r.status, r.body)
	}
	if r := e.send("PATCH", loc, strings.NewReader("hello!"), patchHdr); r.status != 400 || !strings.Contains(r.json["status_message"].(string), "past the blob's Upload-Length") {
		t.Errorf("past the length: %d %s", r.status, r.body)
	}
	if r := e.send("PATCH", loc, strings.NewReader(strings.Repeat("x", 101)), patchHdr); r.status != 413 {
		t.Errorf("over max_chunk_bytes: %d %s", r.status, r.body)
	}
	// Blob contents without upload_id, or of another plan's blob.
	if r := e.postJSON(`{"namespace":"ox","name":"zz","files":[{"path":"a","contents":{"Blob":"` + good.hash() + `"},"user":{"name":"a","email":"b"}}]}`); r.status != 400 || !strings.Contains(r.json["status_message"].(string), "upload_id") {
		t.Errorf("Blob without upload_id: %d %s", r.status, r.body)
	}
	if r := e.postJSON(commitJSON("ox", "refuse", id, []upFile{other})); r.status != 400 || !strings.Contains(r.json["status_message"].(string), "not in upload") {
		t.Errorf("blob of no plan: %d %s", r.status, r.body)
	}
	if r := e.postJSON(commitJSON("ox", "other", id, []upFile{good})); r.status != 400 || !strings.Contains(r.json["status_message"].(string), "was planned for ox/refuse") {
		t.Errorf("commit under another name: %d %s", r.status, r.body)
	}
	if k := storetest.Keys(t, e.st, "repos/"); len(k) != 0 {
		t.Errorf("refused commits published: %v", k)
	}
	// Cancel frees the name and forgets the upload.
	if r := e.send("DELETE", "/api/uploads/"+id, nil, nil); r.status != 204 {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if r, _ := e.plan("ox", "refuse", []upFile{other}); r.status != 201 {
		t.Errorf("plan after cancel: %d %s", r.status, r.body)
	}
	if r := e.send("DELETE", "/api/uploads/"+id, nil, nil); r.status != 404 {
		t.Errorf("cancel again: %d", r.status)
	}
}

func TestResumableExpiry(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	e := newEnv(t, func(c *Config) { c.Now = clock; c.UploadTTL = time.Hour })
	f := upFile{"a.txt", bytes.Repeat([]byte("x"), 1000)}
	_, up := e.plan("ox", "exp", []upFile{f})
	endpoint := up["id"].(string)
	_ = endpoint
	r := e.send("POST", up["tus_endpoint"].(string), nil, tusHdr(map[string]string{"Upload-Length": "1000", "Upload-Metadata": "hash " + base64.StdEncoding.EncodeToString([]byte(f.hash()))}))
	loc := r.header.Get("Location")
	e.send("PATCH", loc, bytes.NewReader(f.data[:500]), tusHdr(map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}))
	now = now.Add(2 * time.Hour)
	if r := e.send("PATCH", loc, bytes.NewReader(f.data[500:]), tusHdr(map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": "500"})); r.status != 404 || !strings.Contains(r.json["status_message"].(string), "expired") {
		t.Errorf("piece after expiry: %d %s", r.status, r.body)
	}
	// Another plan takes the expired name; the old upload is cleaned up.
	if r, _ := e.plan("ox", "exp", []upFile{{"b.txt", []byte("b")}}); r.status != 201 {
		t.Fatalf("plan over an expired hold: %d %s", r.status, r.body)
	}
	if k := storetest.Keys(t, e.st, "tus/"); len(k) != 0 {
		t.Errorf("expired upload's states left: %v", k)
	}
	if k := storetest.Keys(t, e.st, "uploads/"); len(k) != 1 {
		t.Errorf("upload records: %v, want the new one only", k)
	}
}

// TestResumableAcrossInstances: the pieces of one blob reach two server
// instances over one store (a restart, or Workers isolates): the second has
// not seen the first piece, so it verifies the blob by reading it back.
func TestResumableAcrossInstances(t *testing.T) {
	e := newEnv(t)
	f := upFile{"a.csv", []byte(strings.Repeat("x,y\n1,2\n", 30_000))}
	_, up := e.plan("ox", "two", []upFile{f})
	id := up["id"].(string)
	r := e.send("POST", up["tus_endpoint"].(string), nil, tusHdr(map[string]string{"Upload-Length": fmt.Sprint(len(f.data)), "Upload-Metadata": "hash " + base64.StdEncoding.EncodeToString([]byte(f.hash()))}))
	loc := r.header.Get("Location")
	hdr := func(off int) map[string]string {
		return tusHdr(map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": fmt.Sprint(off)})
	}
	if r := e.send("PATCH", loc, bytes.NewReader(f.data[:100_000]), hdr(0)); r.status != 204 {
		t.Fatalf("first piece: %d %s", r.status, r.body)
	}
	second := httptest.NewServer(New(Config{Store: e.st}))
	defer second.Close()
	e2 := &testEnv{t: t, srv: second, st: e.st}
	if r := e2.send("HEAD", loc, nil, tusHdr(nil)); r.header.Get("Upload-Offset") != "100000" {
		t.Fatalf("HEAD on the second instance: %d %q", r.status, r.header.Get("Upload-Offset"))
	}
	if r := e2.send("PATCH", loc, bytes.NewReader(f.data[100_000:]), hdr(100_000)); r.status != 204 {
		t.Fatalf("rest on the second instance: %d %s", r.status, r.body)
	}
	if r := e2.postJSON(commitJSON("ox", "two", id, []upFile{f})); r.status != 200 || !strings.Contains(string(r.body), `"height":59999`) {
		t.Fatalf("commit: %d %s", r.status, r.body)
	}
	// And a wrong blob is caught by the read-back too.
	g := upFile{"b.txt", []byte(strings.Repeat("z", 200_000))}
	_, up = e.plan("ox", "three", []upFile{g})
	r = e.send("POST", up["tus_endpoint"].(string), nil, tusHdr(map[string]string{"Upload-Length": "200000", "Upload-Metadata": "hash " + base64.StdEncoding.EncodeToString([]byte(g.hash()))}))
	loc = r.header.Get("Location")
	e.send("PATCH", loc, bytes.NewReader(g.data[:100_000]), hdr(0))
	bad := bytes.Repeat([]byte("q"), 100_000)
	if r := e2.send("PATCH", loc, bytes.NewReader(bad), hdr(100_000)); r.status != 400 || !strings.Contains(string(r.body), "not to the announced") {
		t.Errorf("wrong bytes on the second instance: %d %s", r.status, r.body)
	}
}

// TestResumableAuthAndCORS: with tokens, every write of the protocol needs
// one (plan, tus creation, pieces, termination, cancel), reads do not; a
// browser on the allowed origin can read tus's headers.
func TestResumableAuthAndCORS(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Tokens = []string{"s3cret"}; c.CORSOrigin = "https://app.example" })
	f := upFile{"a.txt", []byte("hello")}
	auth := map[string]string{"Authorization": "Bearer s3cret", "Content-Type": "application/json"}
	if r := e.send("POST", "/api/uploads", strings.NewReader(planJSON("ox", "auth", []upFile{f})), map[string]string{"Content-Type": "application/json"}); r.status != 401 {
		t.Errorf("plan without a token: %d", r.status)
	}
	r := e.send("POST", "/api/uploads", strings.NewReader(planJSON("ox", "auth", []upFile{f})), auth)
	if r.status != 201 {
		t.Fatalf("plan: %d %s", r.status, r.body)
	}
	up := r.json["upload"].(map[string]any)
	endpoint, id := up["tus_endpoint"].(string), up["id"].(string)
	create := tusHdr(map[string]string{"Upload-Length": "5", "Upload-Metadata": "hash " + base64.StdEncoding.EncodeToString([]byte(f.hash())), "Origin": "https://app.example"})
	if r := e.send("POST", endpoint, nil, create); r.status != 401 {
		t.Errorf("tus creation without a token: %d", r.status)
	}
	create["Authorization"] = "Bearer s3cret"
	r = e.send("POST", endpoint, nil, create)
	if r.status != 201 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example" || !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "Location") {
		t.Fatalf("tus creation: %d %v", r.status, r.header)
	}
	loc := r.header.Get("Location")
	piece := tusHdr(map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"})
	if r := e.send("PATCH", loc, strings.NewReader("hello"), piece); r.status != 401 {
		t.Errorf("piece without a token: %d", r.status)
	}
	if r := e.send("HEAD", loc, nil, tusHdr(nil)); r.status != 200 {
		t.Errorf("HEAD needs no token: %d", r.status)
	}
	if r := e.send("DELETE", "/api/uploads/"+id, nil, nil); r.status != 401 {
		t.Errorf("cancel without a token: %d", r.status)
	}
	// The preflight of a tus PATCH from the app's origin.
	r = e.send("OPTIONS", loc, nil, map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "PATCH",
		"Access-Control-Request-Headers": "tus-resumable,upload-offset,content-type,authorization"})
	if r.status != 204 || !strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "PATCH") ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Upload-Offset") || r.header.Get("Tus-Version") != "1.0.0" {
		t.Errorf("preflight: %d %v", r.status, r.header)
	}
	piece["Authorization"] = "Bearer s3cret"
	if r := e.send("PATCH", loc, strings.NewReader("hello"), piece); r.status != 204 {
		t.Errorf("piece: %d %s", r.status, r.body)
	}
}

// TestResumableSendAgain: a blob created and sent again in the same upload
// (a client that lost track) lands on a key of its own: the pool's copy is
// never overwritten or deleted, even when the second copy is wrong.
func TestResumableSendAgain(t *testing.T) {
	e := newEnv(t)
	f := upFile{"a.txt", bytes.Repeat([]byte("abc\n"), 50_000)}
	_, up := e.plan("ox", "again", []upFile{f})
	endpoint, id := up["tus_endpoint"].(string), up["id"].(string)
	e.tusSend(endpoint, f, 64_000)
	e.tusSend(endpoint, f, 100_000) // the same bytes again
	r := e.send("POST", endpoint, nil, tusHdr(map[string]string{"Upload-Length": fmt.Sprint(len(f.data)), "Upload-Metadata": "hash " + base64.StdEncoding.EncodeToString([]byte(f.hash()))}))
	wrong := bytes.Repeat([]byte("x"), len(f.data))
	if r := e.send("PATCH", r.header.Get("Location"), bytes.NewReader(wrong), tusHdr(map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"})); r.status != 400 {
		t.Fatalf("wrong bytes the third time: %d %s", r.status, r.body)
	}
	if r := e.postJSON(commitJSON("ox", "again", id, []upFile{f})); r.status != 200 {
		t.Fatalf("commit: %d %s", r.status, r.body)
	}
	if got := e.get("/api/repos/ox/again/file/main/a.txt"); !bytes.Equal(got.body, f.data) {
		t.Errorf("read back: %d, %d bytes", got.status, len(got.body))
	}
	if k := storetest.Keys(t, e.st, "blobs/"); len(k) != 2 { // the index and one copy
		t.Errorf("blob keys %v: want the index and one copy", k)
	}
}

// TestResumableCompletedButNotRecorded: the last piece's chunked write was
// completed but its state never updated (a crash, or a client gone at that
// moment): the next PATCH finds the write gone, finishes the blob from
// what is stored and answers 409; HEAD then says complete and the commit
// works. Pieces lost otherwise restart the blob from zero.
func TestResumableCompletedButNotRecorded(t *testing.T) {
	e := newEnv(t)
	f := upFile{"a.bin", bytes.Repeat([]byte{9, 8, 7}, 40_000)}
	_, up := e.plan("ox", "lost", []upFile{f})
	endpoint, id := up["tus_endpoint"].(string), up["id"].(string)
	r := e.send("POST", endpoint, nil, tusHdr(map[string]string{"Upload-Length": fmt.Sprint(len(f.data)), "Upload-Metadata": "hash " + base64.StdEncoding.EncodeToString([]byte(f.hash()))}))
	loc := r.header.Get("Location")
	hdr := func(off int) map[string]string {
		return tusHdr(map[string]string{"Content-Type": "application/offset+octet-stream", "Upload-Offset": fmt.Sprint(off)})
	}
	e.send("PATCH", loc, bytes.NewReader(f.data[:60_000]), hdr(0))
	// What a cut at the worst moment leaves: the write completed behind
	// the state's back.
	var st struct {
		Key, Handle string
		Parts       []store.ChunkRef
	}
	if err := json.Unmarshal(storetest.Read(t, e.st, "tus/"+id+"/"+f.hash()), &st); err != nil {
		t.Fatal(err)
	}
	ch := store.Chunks(e.st)
	last, err := ch.PutChunk(context.Background(), st.Key, st.Handle, 2, 60_000, bytes.NewReader(f.data[60_000:]), int64(len(f.data)-60_000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.CompleteChunks(context.Background(), st.Key, st.Handle, append(st.Parts, last)); err != nil {
		t.Fatal(err)
	}
	if r := e.send("PATCH", loc, bytes.NewReader(f.data[60_000:]), hdr(60_000)); r.status != 409 || !strings.Contains(string(r.body), "is complete") {
		t.Fatalf("PATCH after the lost completion: %d %s", r.status, r.body)
	}
	if r := e.send("HEAD", loc, nil, tusHdr(nil)); r.header.Get("Upload-Offset") != fmt.Sprint(len(f.data)) {
		t.Errorf("HEAD: offset %q", r.header.Get("Upload-Offset"))
	}
	if r := e.postJSON(commitJSON("ox", "lost", id, []upFile{f})); r.status != 200 {
		t.Fatalf("commit: %d %s", r.status, r.body)
	}
	// Pieces lost (the partial write aborted behind the state's back):
	// the blob starts again from zero.
	g := upFile{"b.bin", bytes.Repeat([]byte{1, 2}, 40_000)}
	_, up = e.plan("ox", "lost2", []upFile{g})
	id = up["id"].(string)
	r = e.send("POST", up["tus_endpoint"].(string), nil, tusHdr(map[string]string{"Upload-Length": fmt.Sprint(len(g.data)), "Upload-Metadata": "hash " + base64.StdEncoding.EncodeToString([]byte(g.hash()))}))
	loc = r.header.Get("Location")
	e.send("PATCH", loc, bytes.NewReader(g.data[:50_000]), hdr(0))
	if err := json.Unmarshal(storetest.Read(t, e.st, "tus/"+id+"/"+g.hash()), &st); err != nil {
		t.Fatal(err)
	}
	ch.AbortChunks(context.Background(), st.Key, st.Handle)
	if r := e.send("PATCH", loc, bytes.NewReader(g.data[50_000:]), hdr(50_000)); r.status != 409 || !strings.Contains(string(r.body), "from offset 0") {
		t.Fatalf("PATCH after lost pieces: %d %s", r.status, r.body)
	}
	if r := e.send("HEAD", loc, nil, tusHdr(nil)); r.header.Get("Upload-Offset") != "0" {
		t.Errorf("HEAD after lost pieces: %q", r.header.Get("Upload-Offset"))
	}
	e.send("PATCH", loc, bytes.NewReader(g.data), hdr(0))
	if r := e.postJSON(commitJSON("ox", "lost2", id, []upFile{g})); r.status != 200 {
		t.Fatalf("commit after starting again: %d %s", r.status, r.body)
	}
}
