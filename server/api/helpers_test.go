package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/oxdrop/oxdrop/internal/testenv"
	"github.com/oxdrop/oxdrop/server/store"
	"github.com/oxdrop/oxdrop/server/store/billystore"
	"github.com/oxdrop/oxdrop/server/store/storetest"
	"github.com/oxdrop/oxdrop/server/webapp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// testEnv is a server on loopback over a billystore in a temp dir.
type testEnv struct {
	t   *testing.T
	srv *httptest.Server
	st  store.Store
	dir string
}

func newEnv(t *testing.T, opts ...func(*Config)) *testEnv {
	t.Helper()
	dir := t.TempDir()
	st := billystore.New(osfs.New(dir, osfs.WithBoundOS()))    // as oxdrop serve: files fsync
	cfg := Config{Store: st, App: webapp.New(webapp.Config{})} // the app's placeholder page, as an unbuilt server
	for _, o := range opts {
		o(&cfg)
	}
	srv := httptest.NewServer(New(cfg))
	t.Cleanup(srv.Close)
	return &testEnv{t: t, srv: srv, st: st, dir: dir}
}

// response is a decoded reply.
type response struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func (e *testEnv) do(req *http.Request) *response {
	e.t.Helper()
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := &response{status: res.StatusCode, header: res.Header, body: b}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && req.Method != "HEAD" {
		if err := json.Unmarshal(b, &r.json); err != nil {
			e.t.Fatalf("response is not JSON: %v: %s", err, b)
		}
	}
	if res.Header.Get("oxen-version") != OxenVersion {
		e.t.Errorf("oxen-version header %q", res.Header.Get("oxen-version"))
	}
	return r
}

func (e *testEnv) postJSON(body string) *response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/repos", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return e.do(req)
}

func (e *testEnv) get(path string) *response {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	return e.do(req)
}

// part is one multipart part for tests: a field or a file.
type part struct {
	name, filename string
	body           []byte
	noFilename     bool
}

func field(name, value string) part { return part{name: name, body: []byte(value), noFilename: true} }
func file(path string, body []byte) part {
	return part{name: "file[]", filename: path, body: body}
}

// multipartBody encodes parts; filenames are written raw (quotes escaped
// as browsers do), so folders survive.
func multipartBody(parts ...part) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		cd := fmt.Sprintf(`form-data; name="%s"`, p.name)
		if !p.noFilename {
			cd += fmt.Sprintf(`; filename="%s"`, strings.ReplaceAll(p.filename, `"`, "%22"))
		}
		h := textproto.MIMEHeader{"Content-Disposition": {cd}}
		pw, _ := w.CreatePart(h)
		pw.Write(p.body)
	}
	w.Close()
	return &buf, w.FormDataContentType()
}

func (e *testEnv) postMultipart(parts ...part) *response {
	e.t.Helper()
	body, ct := multipartBody(parts...)
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/repos", body)
	req.Header.Set("Content-Type", ct)
	return e.do(req)
}

func newRepo(ns, name string) part {
	return field("new_repo", fmt.Sprintf(`{"namespace":%q,"name":%q}`, ns, name))
}

// keys lists every key with prefix.
func (e *testEnv) keys(prefix string) []string {
	e.t.Helper()
	return storetest.Keys(e.t, e.st, prefix)
}

// noTrace checks that no creation data is left besides published
// repositories' (staging markers, unpublished data, temp files).
func (e *testEnv) noTrace() {
	e.t.Helper()
	if k := e.keys("staging/"); len(k) > 0 {
		e.t.Errorf("staging markers left: %v", k)
	}
	published := map[string]bool{}
	for _, k := range e.keys("repos/") {
		var rec struct {
			Data string `json:"data"`
		}
		b, err := e.st.Open(context.Background(), k)
		if err != nil {
			e.t.Fatal(err)
		}
		raw, _ := io.ReadAll(b)
		b.Close()
		json.Unmarshal(raw, &rec)
		published[rec.Data] = true
	}
	for _, k := range e.keys("data/") {
		parts := strings.SplitN(k, "/", 3)
		if !published[parts[0]+"/"+parts[1]] {
			e.t.Errorf("unpublished data left: %s", k)
		}
	}
	tmp, _ := os.ReadDir(filepath.Join(e.dir, ".oxdrop-tmp"))
	if len(tmp) > 0 {
		e.t.Errorf("%d temporary files left", len(tmp))
	}
}

func (r *response) message() string {
	s, _ := r.json["status_message"].(string)
	return s
}

// expectError checks an error reply's status, shape and message.
func (r *response) expectError(t *testing.T, status int, msgPart string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d (body %s)", r.status, status, r.body)
		return
	}
	if r.json["status"] != "error" || len(r.json) != 2 {
		t.Errorf("error body %s: want exactly status and status_message", r.body)
	}
	if !strings.Contains(r.message(), msgPart) {
		t.Errorf("message %q does not contain %q", r.message(), msgPart)
	}
}

var (
	schemaOnce sync.Once
	schemas    map[string]*jsonschema.Schema
	schemaErr  error
)

// specSchema compiles a component schema of the OpenAPI file with a real
// JSON Schema (2020-12) validator.
func specSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	spec := testenv.Spec(t, "create-repository.openapi.yaml")
	schemaOnce.Do(func() {
		raw, err := os.ReadFile(spec)
		if err != nil {
			schemaErr = err
			return
		}
		var doc any
		if schemaErr = yaml.Unmarshal(raw, &doc); schemaErr != nil {
			return
		}
		// Round-trip through JSON so the validator sees plain JSON types.
		j, _ := json.Marshal(doc)
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		if schemaErr = c.AddResource("openapi.json", v); schemaErr != nil {
			return
		}
		schemas = map[string]*jsonschema.Schema{}
		for _, n := range []string{"RepositoryCreationResponse", "MetadataEntry", "RepoNew"} {
			s, err := c.Compile("openapi.json#/components/schemas/" + n)
			if err != nil {
				schemaErr = err
				return
			}
			schemas[n] = s
		}
	})
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	return schemas[name]
}

func validate(t *testing.T, schema string, body []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := specSchema(t, schema).Validate(v); err != nil {
		t.Errorf("response does not match %s: %v\n%s", schema, err, body)
	}
}

// repoRoot is the module root, from this package's directory.
func repoRoot() string { return filepath.Join("..", "..") }

func bufioReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }
