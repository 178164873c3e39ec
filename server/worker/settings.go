package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/oxdrop/oxdrop/server/api"
)

// defaultMaxBody is below the 100 MB request-body limit Cloudflare enforces
// on Free and Pro plans, so oversized uploads get our clear 413 instead of
// Cloudflare's bare one.
const defaultMaxBody = 95_000_000

// defaultMaxJSON caps JSON bodies, which the API reads whole and which
// grow in memory when parsed (a "Binary" byte array takes up to 4 bytes of
// text per byte): a few of them must fit in an isolate's 128 MB.
const defaultMaxJSON = 16_000_000

// settings are the Worker's knobs, read from its environment (wrangler.jsonc
// "vars" and secrets) on every request.
type settings struct {
	MaxBody    int64    // OXDROP_MAX_BODY: request body cap in bytes
	MaxJSON    int64    // OXDROP_MAX_JSON: cap of a JSON body (read whole)
	Tokens     []string // OXDROP_TOKENS (secret): bearer tokens for POST
	CORSOrigin string   // OXDROP_CORS_ORIGIN: origin (or *) allowed to call the API, POST included; other origins' POSTs get 403
	Bucket     string   // name of the R2 binding
}

const bucketBinding = "OXDROP_BUCKET"

// loadSettings reads the settings through getenv.
func loadSettings(getenv func(string) string) (settings, error) {
	s := settings{
		MaxBody:    defaultMaxBody,
		MaxJSON:    defaultMaxJSON,
		Tokens:     parseTokens(getenv("OXDROP_TOKENS")),
		CORSOrigin: strings.TrimSpace(getenv("OXDROP_CORS_ORIGIN")),
		Bucket:     bucketBinding,
	}
	if err := api.ValidCORSOrigin(s.CORSOrigin); err != nil {
		return settings{}, fmt.Errorf("OXDROP_CORS_ORIGIN=%q: want * or an origin like https://app.example: %w", s.CORSOrigin, err)
	}
	if v := strings.TrimSpace(getenv("OXDROP_MAX_BODY")); v != "" {
		n, err := parseSize(v)
		if err != nil {
			return settings{}, fmt.Errorf("OXDROP_MAX_BODY=%q: %w", v, err)
		}
		s.MaxBody = n
	}
	if v := strings.TrimSpace(getenv("OXDROP_MAX_JSON")); v != "" {
		n, err := parseSize(v)
		if err != nil {
			return settings{}, fmt.Errorf("OXDROP_MAX_JSON=%q: %w", v, err)
		}
		s.MaxJSON = n
	}
	return s, nil
}

// parseSize reads a byte count: a plain integer, or one with a unit
// (KB, MB, GB: powers of 1000; KiB, MiB, GiB: powers of 1024).
func parseSize(v string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
	}
	mult := int64(1)
	num := strings.TrimSpace(v)
	// Binary units come first: "MiB" also ends in "B".
	for _, u := range units {
		if strings.HasSuffix(strings.ToUpper(num), strings.ToUpper(u.suffix)) {
			num = strings.TrimSpace(num[:len(num)-len(u.suffix)])
			mult = u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a positive byte count such as 95000000 or 95MB")
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("byte count too large")
	}
	return n * mult, nil
}

// parseTokens splits a secret holding one or more tokens separated by
// newlines, commas or spaces; lines starting with # are comments.
func parseTokens(v string) []string {
	var out []string
	for _, line := range strings.Split(v, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, tok := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' }) {
			out = append(out, tok)
		}
	}
	return out
}
