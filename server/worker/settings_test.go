package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestLoadSettings(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    settings
		wantErr string
	}{
		{"defaults", nil, settings{MaxBody: 95_000_000, MaxJSON: 16_000_000, Bucket: "OXDROP_BUCKET"}, ""},
		{"all set", map[string]string{
			"OXDROP_MAX_BODY":    "50MB",
			"OXDROP_MAX_JSON":    "1MiB",
			"OXDROP_TOKENS":      "abc,def\n# old one\n  ghi  ",
			"OXDROP_CORS_ORIGIN": " https://example.org ",
		}, settings{MaxBody: 50_000_000, MaxJSON: 1 << 20, Tokens: []string{"abc", "def", "ghi"}, CORSOrigin: "https://example.org", Bucket: "OXDROP_BUCKET"}, ""},
		{"bad size", map[string]string{"OXDROP_MAX_BODY": "lots"}, settings{}, `OXDROP_MAX_BODY="lots"`},
		{"bad JSON size", map[string]string{"OXDROP_MAX_JSON": "0"}, settings{}, `OXDROP_MAX_JSON="0"`},
		{"any origin", map[string]string{"OXDROP_CORS_ORIGIN": "*"}, settings{MaxBody: 95_000_000, MaxJSON: 16_000_000, CORSOrigin: "*", Bucket: "OXDROP_BUCKET"}, ""},
		{"bad CORS origin", map[string]string{"OXDROP_CORS_ORIGIN": "app.example"}, settings{}, `OXDROP_CORS_ORIGIN="app.example"`},
		{"CORS origin with a path", map[string]string{"OXDROP_CORS_ORIGIN": "https://app.example/oxdrop"}, settings{}, `OXDROP_CORS_ORIGIN=`},
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

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"95000000", 95_000_000, true},
		{"95MB", 95_000_000, true},
		{"95 mb", 95_000_000, true},
		{"90MiB", 90 << 20, true},
		{"1KiB", 1024, true},
		{"2GB", 2e9, true},
		{"10B", 10, true},
		{"0", 0, false},
		{"-5", 0, false},
		{"MB", 0, false},
		{"1.5MB", 0, false},
		{"99999999999999999GiB", 0, false},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseTokens(t *testing.T) {
	if got := parseTokens(""); got != nil {
		t.Fatalf("empty secret gave %q", got)
	}
	if got := parseTokens("a b\r\nc"); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("got %q", got)
	}
}
