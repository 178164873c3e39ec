package api

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/oxdrop/oxdrop/server/store/billystore"
)

// FuzzUploadMetadata: tus's Upload-Metadata header is read without
// panicking, and what a client encodes is read back exactly.
func FuzzUploadMetadata(f *testing.F) {
	for _, s := range []string{"", "hash MTIz", "hash MTIz,filename YS50eHQ=", "hash", "hash ,x", ",", "a !!!", "a MTIz,a MTIz", " hash  MTIz , k "} {
		f.Add(s, "k", "v")
	}
	f.Fuzz(func(t *testing.T, header, key, value string) {
		parseUploadMetadata(header)
		if key == "" || strings.ContainsAny(key, " ,\t") || strings.TrimSpace(key) != key {
			return
		}
		enc := key + " " + base64.StdEncoding.EncodeToString([]byte(value)) + ",other " + base64.StdEncoding.EncodeToString([]byte("x"))
		if key == "other" {
			return
		}
		m, err := parseUploadMetadata(enc)
		if err != nil || m[key] != value || m["other"] != "x" {
			t.Fatalf("%q: %v %v", enc, m, err)
		}
	})
}

// FuzzParsePlan: any body gets a plan or an error, never a panic; an
// accepted plan has at most MaxFiles files, each with the fields given.
func FuzzParsePlan(f *testing.F) {
	for _, s := range []string{
		`{"namespace":"ox","name":"cats","files":[{"path":"a.txt","hash":"1bfd09d1a433fb78117b4c7b1583d16d","size":5}]}`,
		`{"namespace":"ox","name":"cats","files":[]}`,
		`{"namespace":"ox","name":"cats","files":[{"path":"a","hash":"1","size":1e3}]}`,
		`{"namespace":"ox","name":"cats","files":[{"path":"a","hash":"1","size":-0}]}`,
		`{"namespace":1}`, `[]`, `{"files":[[[[[[[[[[]]]]]]]]]]}`, `{"namespace":"a","name":"b","files":[1,2,3,4,5]}`,
	} {
		f.Add([]byte(s))
	}
	h := New(Config{Store: billystore.New(memfs.New()), MaxFiles: 4}).(*handler)
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := h.parsePlan(body)
		if err != nil {
			return
		}
		if len(p.Files) > 4 {
			t.Fatalf("%d files accepted over the limit of 4", len(p.Files))
		}
		for _, file := range p.Files {
			if file.Size < 0 {
				t.Fatalf("negative size accepted: %+v", file)
			}
		}
		_ = h.ups.Check(*p) // a checked plan's rules must not panic either
	})
}
