package main

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadSettings(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    settings
		wantErr string
	}{
		{"defaults", nil, settings{MaxBody: 95_000_000, MaxJSON: 16_000_000, Bucket: "OXDROP_BUCKET", MaxFile: 10 << 30, MaxChunk: 64 << 20}, ""},
		{"all set", map[string]string{
			"OXDROP_MAX_BODY":    "50MB",
			"OXDROP_MAX_JSON":    "1MiB",
			"OXDROP_TOKENS":      "abc,def\n# old one\n  ghi  ",
			"OXDROP_CORS_ORIGIN": " https://example.org ",
		}, settings{MaxBody: 50_000_000, MaxJSON: 1 << 20, Tokens: []string{"abc", "def", "ghi"}, CORSOrigin: "https://example.org", Bucket: "OXDROP_BUCKET", MaxFile: 10 << 30, MaxChunk: 64 << 20}, ""},
		{"bad size", map[string]string{"OXDROP_MAX_BODY": "lots"}, settings{}, `OXDROP_MAX_BODY="lots"`},
		{"bad JSON size", map[string]string{"OXDROP_MAX_JSON": "0"}, settings{}, `OXDROP_MAX_JSON="0"`},
		{"any origin", map[string]string{"OXDROP_CORS_ORIGIN": "*"}, settings{MaxBody: 95_000_000, MaxJSON: 16_000_000, CORSOrigin: "*", Bucket: "OXDROP_BUCKET", MaxFile: 10 << 30, MaxChunk: 64 << 20}, ""},
		{"bad CORS origin", map[string]string{"OXDROP_CORS_ORIGIN": "app.example"}, settings{}, `OXDROP_CORS_ORIGIN="app.example"`},
		{"CORS origin with a path", map[string]string{"OXDROP_CORS_ORIGIN": "https://app.example/oxdrop"}, settings{}, `OXDROP_CORS_ORIGIN=`},
		// The rules of oxdrop serve (server/config): TiB and TB, any case;
		// a tokens file's one-per-line form; no token at all is an error.
		{"serve's sizes and token file", map[string]string{"OXDROP_MAX_BODY": "1TiB", "OXDROP_MAX_JSON": "2 kb", "OXDROP_TOKENS": "# comment\n\n  abc \ndef\n"},
			settings{MaxBody: 1 << 40, MaxJSON: 2000, Tokens: []string{"abc", "def"}, Bucket: "OXDROP_BUCKET", MaxFile: 10 << 30, MaxChunk: 64 << 20}, ""},
		{"blank tokens", map[string]string{"OXDROP_TOKENS": " \n "}, settings{MaxBody: 95_000_000, MaxJSON: 16_000_000, Bucket: "OXDROP_BUCKET", MaxFile: 10 << 30, MaxChunk: 64 << 20}, ""},
		{"resumable uploads", map[string]string{"OXDROP_MAX_FILE": "250GiB", "OXDROP_MAX_CHUNK": "32MiB", "OXDROP_UPLOAD_TTL": "2h", "OXDROP_DEDUP": "false"},
			settings{MaxBody: 95_000_000, MaxJSON: 16_000_000, MaxFile: 250 << 30, MaxChunk: 32 << 20, UploadTTL: 2 * time.Hour, NoDedup: true, Bucket: "OXDROP_BUCKET"}, ""},
		{"bad dedup", map[string]string{"OXDROP_DEDUP": "maybe"}, settings{}, `OXDROP_DEDUP="maybe"`},
		{"bad upload TTL", map[string]string{"OXDROP_UPLOAD_TTL": "a day"}, settings{}, `OXDROP_UPLOAD_TTL="a day"`},
		{"only a comment for tokens", map[string]string{"OXDROP_TOKENS": "# none yet"}, settings{}, "OXDROP_TOKENS holds no tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadSettings(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
