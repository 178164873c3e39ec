package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/oxhash"
	"github.com/oxdrop/oxdrop/core/repo"
	"github.com/oxdrop/oxdrop/server/store/billystore"
)

func FuzzParseRepoNew(f *testing.F) {
	f.Add([]byte(`{"namespace":"ox","name":"cats","files":[{"path":"a/b","contents":{"Binary":[1,2]},"user":{"name":"a","email":"b"}}]}`))
	f.Add([]byte(`{"namespace":"ox","name":"cats","files":[{"path":"a","contents":"x","user":{"name":"a","email":"b"}}]}`))
	f.Add([]byte(`{"namespace":1}`))
	f.Add([]byte(`[{"namespace":"ox"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseRepoNew(body, 50, true)
		if err != nil {
			if _, ok := err.(*apiError); !ok {
				t.Fatalf("error %v is not an API error", err)
			}
			return
		}
		if repo.ValidateName(req.namespace) != nil || repo.ValidateName(req.name) != nil {
			t.Fatalf("accepted names %q/%q", req.namespace, req.name)
		}
		if req.nfiles > 50 {
			t.Fatalf("%d files past the limit of 50", req.nfiles)
		}
	})
}

// FuzzCreate sends arbitrary bodies through the whole handler (JSON or
// multipart with boundary B): never a panic or a 500, always a JSON answer,
// and a rejected request leaves nothing in the store.
func FuzzCreate(f *testing.F) {
	f.Add(false, []byte("--B\r\nContent-Disposition: form-data; name=\"new_repo\"\r\n\r\n{\"namespace\":\"ox\",\"name\":\"cats\"}\r\n"+
		"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a/b.txt\"\r\n\r\nhello\r\n"+
		"--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nox\r\n--B\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nx@y\r\n--B--\r\n"))
	f.Add(false, []byte("--B\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n{\"a\":\"1\"}\r\n--B--"))
	f.Add(true, []byte(`{"namespace":"ox","name":"cats","files":[{"path":"a.csv","contents":"a,b\n1,2\n","user":{"name":"a","email":"b"}}]}`))
	f.Fuzz(func(t *testing.T, isJSON bool, body []byte) {
		st := billystore.New(memfs.New())
		h := New(Config{Store: st, MaxBodyBytes: 1 << 20, MaxFiles: 50})
		req := httptest.NewRequest("POST", "/api/repos", bytes.NewReader(body))
		if isJSON {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "multipart/form-data; boundary=B")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("answer is not JSON: %s", w.Body)
		}
		keys, _, err := st.List(context.Background(), "", "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		if w.Code != http.StatusOK && len(keys) > 0 {
			t.Fatalf("status %d left %d keys, first %s", w.Code, len(keys), keys[0].Key)
		}
		for _, k := range keys {
			if len(k.Key) > 8 && k.Key[:8] == "staging/" {
				t.Fatalf("staging marker left after %d: %s", w.Code, k.Key)
			}
		}
		if w.Code == http.StatusOK {
			readsBack(t, h, w.Body.Bytes())
		}
	})
}

// readsBack checks the property every 200 must have: the repository it
// created reads back, with the same entries, and every file's bytes hash
// to its entry's hash.
func readsBack(t *testing.T, h http.Handler, created []byte) {
	t.Helper()
	var resp struct {
		Repository struct{ Namespace, Name string }
		Entries    json.RawMessage `json:"metadata_entries"`
	}
	if err := json.Unmarshal(created, &resp); err != nil {
		t.Fatal(err)
	}
	base := "/api/repos/" + resp.Repository.Namespace + "/" + resp.Repository.Name
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", base, nil))
	var got struct {
		Entries json.RawMessage `json:"metadata_entries"`
	}
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil || !bytes.Equal(got.Entries, resp.Entries) {
		t.Fatalf("GET %s: %d, entries differ from the creation's: %s", base, w.Code, w.Body)
	}
	var entries []model.MetadataEntry
	json.Unmarshal(resp.Entries, &entries)
	for _, e := range entries {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", (&url.URL{Path: base + "/file/main/" + e.Resource.Path}).EscapedPath(), nil))
		if w.Code != http.StatusOK {
			t.Fatalf("GET file %q: %d %s", e.Resource.Path, w.Code, w.Body)
		}
		if h := oxhash.Hex(oxhash.Sum(w.Body.Bytes())); h != e.Hash || uint64(w.Body.Len()) != e.Size {
			t.Fatalf("file %q reads back as %d bytes hashing to %s, entry says %d bytes, %s", e.Resource.Path, w.Body.Len(), h, e.Size, e.Hash)
		}
	}
}
