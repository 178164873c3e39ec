package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestHostileJSON: JSON bodies and new_repo parts the contract forbids get
// a 400 (or 413) naming the problem, leave nothing behind, and never take
// the name. Where the JSON Schema of the OpenAPI file can see the problem
// (everything but duplicate keys, depth and UTF-8), the test also checks
// that the schema refuses the body, so the server and the contract agree.
func TestHostileJSON(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxFiles = 5 })
	const u = `"user":{"name":"bessie","email":"b@oxen.ai"}`
	withFile := func(contents string) string {
		return `{"namespace":"ox","name":"n1","files":[{"path":"a.txt","contents":` + contents + `,` + u + `}]}`
	}
	withField := func(field string) string { return `{"namespace":"ox","name":"n1",` + field + `}` }
	nested := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	for _, tc := range []struct {
		name, body string
		status     int
		msg        string
		schemaSees bool // the OpenAPI schema refuses it too
	}{
		{"both text and binary", withFile(`{"Text":"a","Binary":[97]}`), 400, `exactly one of "Text" and "Binary", got both`, true},
		{"neither", withFile(`{"Other":"a"}`), 400, "got an object with neither", true},
		{"description number", withField(`"description":5`), 400, `"description" must be a string, got a number`, true},
		{"is_public string", withField(`"is_public":"yes"`), 400, `"is_public" must be a boolean, got a string`, true},
		{"host bool", withField(`"host":true`), 400, `"host" must be a string`, true},
		{"scheme array", withField(`"scheme":[]`), 400, `"scheme" must be a string`, true},
		{"storage_opts empty", withField(`"storage_opts":{}`), 400, `"storage_opts" is missing the required field "kind"`, true},
		{"storage_opts kind number", withField(`"storage_opts":{"kind":1}`), 400, `"storage_opts.kind" must be a string`, true},
		{"s3 without bucket", withField(`"storage_opts":{"kind":"s3","s3_opts":{}}`), 400, `"storage_opts.s3_opts" is missing the required field "bucket"`, true},
		{"local path number", withField(`"storage_opts":{"kind":"local","local_storage_opts":{"path":1}}`), 400, `"storage_opts.local_storage_opts.path" must be a string`, true},
		{"root_commit empty", withField(`"root_commit":{}`), 400, `"root_commit" is missing the required field "id"`, true},
		{"root_commit parents", withField(`"root_commit":{"id":"a","message":"m","author":"a","email":"e","timestamp":"2025-01-01T10:00:00Z","parent_ids":[1]}`), 400, `"root_commit.parent_ids[0]" must be a string`, true},
		{"root_commit no parents", withField(`"root_commit":{"id":"a","message":"m","author":"a","email":"e","timestamp":"2025-01-01T10:00:00Z"}`), 400, `missing the required field "parent_ids"`, true},
		{"files object", withField(`"files":{}`), 400, `"files" must be an array`, true},
		{"duplicate namespace", `{"namespace":"ok","namespace":"../x","name":"n1"}`, 400, `duplicate object key "namespace"`, false},
		{"duplicate escaped", `{"namespace":"ok","name":"n1","n\u0061me":"zz"}`, 400, `duplicate object key "name"`, false},
		{"duplicate in contents", withFile(`{"Text":"a","Text":"b"}`), 400, `duplicate object key "Text"`, false},
		{"nested bomb", nested, 400, "nested more than", false},
		{"nested inside a field", withField(`"x":` + nested), 400, "nested more than", false},
		{"text invalid utf-8", withFile("{\"Text\":\"a\xffb\"}"), 400, "invalid UTF-8", false},
		{"text lone surrogate", withFile(`{"Text":"\ud800"}`), 400, "lone UTF-16 surrogate", false},
		{"author too long", `{"namespace":"ox","name":"n1","files":[{"path":"a","contents":"x","user":{"name":"` + strings.Repeat("a", 256) + `","email":"e"}}]}`, 400, "over the limit of 255 bytes", false},
		{"author control char", `{"namespace":"ox","name":"n1","files":[{"path":"a","contents":"x","user":{"name":"a\nb","email":"e"}}]}`, 400, "control character", false},
		{"binary 1.0", withFile(`{"Binary":[1.0]}`), 400, `"contents.Binary"[0] must be an integer from 0 to 255, got 1.0`, false},
		{"binary 01", withFile(`{"Binary":[01]}`), 400, "not valid JSON", false},
		{"binary negative", withFile(`{"Binary":[-1]}`), 400, `got -1`, true},
		{"too many files", `{"namespace":"ox","name":"n1","files":[` + strings.TrimSuffix(strings.Repeat(`{"path":"f","contents":"x",`+u+`},`, 6), ",") + `]}`, 413, "Too many files: more than 5", false},
		{"huge object", withField(`"x":{"k":1` + manyKeys(300) + `}`), 400, "more than 256 members", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.postJSON(tc.body).expectError(t, tc.status, tc.msg)
			if tc.schemaSees {
				v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(tc.body)))
				if err != nil {
					t.Fatal(err)
				}
				if err := specSchema(t, "RepoNew").Validate(v); err == nil {
					t.Errorf("the OpenAPI schema accepts %s", tc.body)
				}
			}
		})
	}
	// The same checks apply to the new_repo part of a multipart upload.
	for _, tc := range []struct{ name, newRepo, msg string }{
		{"nested bomb", `{"namespace":"ox","name":"n1","x":` + nested + `}`, "nested more than"},
		{"duplicate", `{"namespace":"ok","name":"n1","namespace":"zz"}`, `duplicate object key "namespace"`},
		{"description number", `{"namespace":"ox","name":"n1","description":5}`, `"description" must be a string`},
		{"files given", `{"namespace":"ox","name":"n1","files":[{"path":"a","contents":"x",` + u + `}]}`, `new_repo's "files" must be empty`},
	} {
		t.Run("new_repo/"+tc.name, func(t *testing.T) {
			e.postMultipart(field("new_repo", tc.newRepo), field("name", "a"), field("email", "b"), file("a.txt", []byte("x"))).
				expectError(t, 400, tc.msg)
		})
	}
	// Valid optional fields are accepted, and the name is still free.
	r := e.postJSON(`{"namespace":"ox","name":"n1","description":null,"is_public":true,"host":"h","scheme":"https",` +
		`"storage_opts":{"kind":"local","local_storage_opts":{"path":null},"s3_opts":null},` +
		`"root_commit":null,"files":[{"path":"a.txt","contents":{"Text":"a"},` + u + `},{"path":"b.bin","contents":{"Binary":[0,255]},` + u + `}]}`)
	if r.status != http.StatusOK {
		t.Fatalf("valid body: %d %s", r.status, r.body)
	}
	e.noTrace()
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `,"k%d":1`, i)
	}
	return b.String()
}

// TestHostileManifest: a manifest part is bounded the same way.
func TestHostileManifest(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxFiles = 3 })
	nr := newRepo("ox", "m1")
	for _, tc := range []struct {
		name, manifest string
		status         int
		msg            string
	}{
		{"nested bomb", strings.Repeat("[", 3000) + strings.Repeat("]", 3000), 400, "nested more than"},
		{"bigger than -max-files paths can be", strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000), 413, `Part "manifest" is over the limit of`},
		{"duplicate path", `{"a.txt":"1","a.txt":"2"}`, 400, `duplicate object key "a.txt"`},
		{"too many entries", `{"a":"1","b":"2","c":"3","d":"4"}`, 413, "more than 3 files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.postMultipart(nr, field("name", "a"), field("email", "b"), field("manifest", tc.manifest), file("a.txt", []byte("x"))).
				expectError(t, tc.status, tc.msg)
		})
	}
	if r := e.postMultipart(nr, field("name", "a"), field("email", "b"), file("a.txt", []byte("x"))); r.status != 200 {
		t.Fatalf("the name was taken by a refused upload: %d %s", r.status, r.body)
	}
	e.noTrace()
}
