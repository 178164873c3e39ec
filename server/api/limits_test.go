package api

import (
	"net/http"
	"testing"
)

// TestLimitsEndpoint checks GET /api/limits reports the configured limits
// (after defaults and clamping), needs no token, and follows CORS.
func TestLimitsEndpoint(t *testing.T) {
	tests := []struct {
		name               string
		cfg                func(*Config)
		wantBody, wantFile int64
		wantFiles          int
	}{
		{"defaults", func(*Config) {}, DefaultMaxBodyBytes, DefaultMaxBodyBytes, DefaultMaxFiles},
		{"explicit", func(c *Config) { c.MaxBodyBytes, c.MaxFileBytes, c.MaxFiles = 4<<20, 1<<20, 7 }, 4 << 20, 1 << 20, 7},
		{"file clamped to body", func(c *Config) { c.MaxBodyBytes, c.MaxFileBytes = 1000, 5000 }, 1000, 1000, DefaultMaxFiles},
		{"token not needed", func(c *Config) { c.Tokens = []string{"s3cret"}; c.MaxFiles = 3 }, DefaultMaxBodyBytes, DefaultMaxBodyBytes, 3},
		{"cors", func(c *Config) { c.CORSOrigin = "https://app.example"; c.MaxFiles = 2 }, DefaultMaxBodyBytes, DefaultMaxBodyBytes, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.cfg)
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/limits", nil)
			req.Header.Set("Origin", "https://app.example")
			r := e.do(req)
			if r.status != 200 || r.json == nil {
				t.Fatalf("GET /api/limits: %d %s", r.status, r.body)
			}
			got := func(k string) int64 {
				v, ok := r.json[k].(float64)
				if !ok {
					t.Fatalf("%s missing or not a number in %s", k, r.body)
				}
				return int64(v)
			}
			if got("max_body_bytes") != tt.wantBody || got("max_file_bytes") != tt.wantFile || got("max_files") != int64(tt.wantFiles) {
				t.Errorf("got %s, want body %d file %d files %d", r.body, tt.wantBody, tt.wantFile, tt.wantFiles)
			}
			if tt.name == "cors" && r.header.Get("Access-Control-Allow-Origin") != "https://app.example" {
				t.Errorf("no CORS header: %v", r.header)
			}
		})
	}
	e := newEnv(t)
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/limits", nil)
	if r := e.do(req); r.status != 405 {
		t.Errorf("POST /api/limits: %d, want 405", r.status)
	}
}
