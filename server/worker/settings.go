package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oxdrop/oxdrop/server/config"
)

// defaultMaxBody is below the 100 MB request-body limit Cloudflare enforces
// on Free and Pro plans, so oversized uploads get our clear 413 instead of
// Cloudflare's bare one.
const defaultMaxBody = 95_000_000

// defaultMaxJSON caps JSON bodies, which the API reads whole and which
// grow in memory when parsed (a "Binary" byte array takes up to 4 bytes of
// text per byte): a few of them must fit in an isolate's 128 MB.
const defaultMaxJSON = 16_000_000

// defaultMaxFile caps one file of a resumable upload, which reaches R2 in
// pieces (a multipart upload), so it is not bound by the request cap.
const defaultMaxFile = 10 << 30

// defaultMaxChunk: a piece is one request, under Cloudflare's 100 MB.
const defaultMaxChunk = 64 << 20

// settings are the Worker's knobs, read from its environment (wrangler.jsonc
// "vars" and secrets) on every request.
type settings struct {
	MaxBody    int64         // OXDROP_MAX_BODY: request body cap in bytes
	MaxJSON    int64         // OXDROP_MAX_JSON: cap of a JSON body (read whole)
	MaxFile    int64         // OXDROP_MAX_FILE: one file of a resumable upload (in pieces; a single request's files stay under MaxBody)
	MaxChunk   int64         // OXDROP_MAX_CHUNK: one piece of a resumable upload (at most MaxBody)
	UploadTTL  time.Duration // OXDROP_UPLOAD_TTL: life of a resumable upload and its hold on a name
	NoDedup    bool          // OXDROP_DEDUP=false: blobs are not shared between repositories
	Tokens     []string      // OXDROP_TOKENS (secret): bearer tokens for POST
	CORSOrigin string        // OXDROP_CORS_ORIGIN: origin (or *) allowed to call the API, POST included; other origins' POSTs get 403
	Bucket     string        // name of the R2 binding
}

const bucketBinding = "OXDROP_BUCKET"

// loadSettings reads the settings through getenv, with server/config's
// rules (the ones `oxdrop serve` uses). OXDROP_TOKENS holds the tokens
// themselves, where serve's -tokens names a file of them.
func loadSettings(getenv func(string) string) (settings, error) {
	s := settings{MaxBody: defaultMaxBody, MaxJSON: defaultMaxJSON, MaxFile: defaultMaxFile, MaxChunk: defaultMaxChunk, Bucket: bucketBinding}
	var err error
	if v := getenv("OXDROP_TOKENS"); strings.TrimSpace(v) != "" {
		if s.Tokens, err = config.ParseTokens(v); err != nil {
			return settings{}, fmt.Errorf("OXDROP_TOKENS %w: want tokens separated by newlines, commas or spaces", err)
		}
	}
	if s.CORSOrigin, err = config.CORSOrigin(getenv("OXDROP_CORS_ORIGIN")); err != nil {
		return settings{}, fmt.Errorf("OXDROP_CORS_ORIGIN=%q: %w", getenv("OXDROP_CORS_ORIGIN"), err)
	}
	for _, b := range []struct {
		name string
		to   *int64
	}{{"OXDROP_MAX_BODY", &s.MaxBody}, {"OXDROP_MAX_JSON", &s.MaxJSON}, {"OXDROP_MAX_FILE", &s.MaxFile}, {"OXDROP_MAX_CHUNK", &s.MaxChunk}} {
		if v := strings.TrimSpace(getenv(b.name)); v != "" {
			if *b.to, err = config.ParseBytes(v); err != nil {
				return settings{}, fmt.Errorf("%s=%q: %w", b.name, v, err)
			}
		}
	}
	if v := strings.TrimSpace(getenv("OXDROP_UPLOAD_TTL")); v != "" {
		if s.UploadTTL, err = config.ParseDuration(v); err != nil {
			return settings{}, fmt.Errorf("OXDROP_UPLOAD_TTL=%q: %w", v, err)
		}
	}
	if v := strings.TrimSpace(getenv("OXDROP_DEDUP")); v != "" {
		dedup, err := strconv.ParseBool(v)
		if err != nil {
			return settings{}, fmt.Errorf("OXDROP_DEDUP=%q: want true or false", v)
		}
		s.NoDedup = !dedup
	}
	return s, nil
}
