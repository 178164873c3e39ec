package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// trackingBody records how much of the request body was read.
type trackingBody struct {
	r    io.Reader
	read int
}

func (b *trackingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	return n, err
}
func (b *trackingBody) Close() error { return nil }

func TestLimitBody(t *testing.T) {
	const max = 100
	tests := []struct {
		name       string
		bodyLen    int
		declared   int64 // Content-Length; -1 unknown
		handler    http.HandlerFunc
		wantStatus int
		wantMsg    string
	}{
		{
			name: "declared length over the cap", bodyLen: 150, declared: 150,
			handler:    func(w http.ResponseWriter, r *http.Request) { t.Error("handler called for an oversized body") },
			wantStatus: 413, wantMsg: "Request body is 150 bytes; this server accepts at most 100 bytes",
		},
		{
			name: "unknown length over the cap reaches MaxBytesError", bodyLen: 150, declared: -1,
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, err := io.ReadAll(r.Body)
				var mbe *http.MaxBytesError
				if !errors.As(err, &mbe) {
					t.Errorf("read error %v; want *http.MaxBytesError", err)
				}
				w.WriteHeader(http.StatusRequestEntityTooLarge)
			},
			wantStatus: 413,
		},
		{
			name: "handler answers early without reading", bodyLen: 80, declared: 80,
			handler:    func(w http.ResponseWriter, r *http.Request) { writeError(w, 400, "bad name") },
			wantStatus: 400, wantMsg: "bad name",
		},
		{
			name: "handler reads all", bodyLen: 100, declared: 100,
			handler: func(w http.ResponseWriter, r *http.Request) {
				b, err := io.ReadAll(r.Body)
				if err != nil || len(b) != 100 {
					t.Errorf("read %d bytes, %v", len(b), err)
				}
				_, _ = io.WriteString(w, "ok")
			},
			wantStatus: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &trackingBody{r: strings.NewReader(strings.Repeat("x", tt.bodyLen))}
			req := httptest.NewRequest("POST", "/api/repos", nil)
			req.Body = body
			req.ContentLength = tt.declared
			// The writer checks the body was drained before the status went out.
			rec := &orderRecorder{ResponseRecorder: httptest.NewRecorder(), body: body, want: tt.bodyLen}
			limitBody(max, tt.handler).ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d; want %d", rec.Code, tt.wantStatus)
			}
			if rec.drainedLate {
				t.Fatal("response started before the request body was drained")
			}
			if body.read != tt.bodyLen {
				t.Fatalf("read %d of %d body bytes", body.read, tt.bodyLen)
			}
			if tt.wantMsg != "" {
				var got struct{ Status, Status_message string }
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
					t.Fatalf("body %q: %v", rec.Body, err)
				}
				if got.Status != "error" || !strings.Contains(got.Status_message, tt.wantMsg) {
					t.Fatalf("body %s; want message %q", rec.Body, tt.wantMsg)
				}
			}
		})
	}
}

type orderRecorder struct {
	*httptest.ResponseRecorder
	body        *trackingBody
	want        int
	drainedLate bool
}

func (o *orderRecorder) WriteHeader(code int) {
	if o.body.read != o.want {
		o.drainedLate = true
	}
	o.ResponseRecorder.WriteHeader(code)
}
