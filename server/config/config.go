// Package config holds the rules for oxdrop's settings, shared by
// `oxdrop serve` (flags and OXDROP_* variables) and the Workers entry
// (OXDROP_* vars and secrets), so one string means the same on both:
// byte sizes, counts, durations, bearer tokens and the CORS origin. It is
// plain Go (no net/http, no syscall/js). Errors say what was wanted and
// what was given; callers prefix the setting's name.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxBytes is the largest size ParseBytes accepts (4 EiB): far past any
// limit, and small enough that sums of a few sizes cannot overflow.
const MaxBytes = 1 << 62

// units are the size suffixes, matched without regard to case. "B" comes
// last: "KiB", "KB" and the others end in it too.
var units = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"B", 1},
}

// ParseBytes reads a positive byte size: a whole number, optionally
// followed by a unit (B; KB, MB, GB, TB: powers of 1000; KiB, MiB, GiB,
// TiB: powers of 1024), in any case, with or without spaces between them.
// "1048576", "512MiB", "64 kib", "10GB" and "1TiB" are sizes; "1.5GB",
// "0", "-1", "10 XB" and "MB" are not, nor is anything over MaxBytes.
func ParseBytes(s string) (int64, error) {
	num := trimASCIISpace(s)
	mult := int64(1)
	for _, u := range units {
		if len(num) >= len(u.suffix) && strings.EqualFold(num[len(num)-len(u.suffix):], u.suffix) {
			num, mult = trimASCIISpace(num[:len(num)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	switch {
	case err == nil && n > 0 && n <= MaxBytes/mult:
		return n * mult, nil
	case err == nil && n > 0, errors.Is(err, strconv.ErrRange) && n > 0:
		return 0, fmt.Errorf("size %q is over the largest accepted, %d bytes (4 EiB)", s, int64(MaxBytes))
	}
	return 0, fmt.Errorf("want a positive size such as 1048576, 95MB or 10GiB (units B, KB..TB, KiB..TiB, any case), got %q", s)
}

// ParseCount reads a positive whole number (a count of files or uploads).
func ParseCount(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a positive integer, got %q", s)
	}
	return n, nil
}

// ParseDuration reads 0 or a positive duration in Go's notation ("90s",
// "15m", "2h", "1h30m"); what 0 means (no limit, usually) is the caller's.
func ParseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return 0, fmt.Errorf("want 0 or a positive duration such as 60s, 15m or 2h, got %q", s)
	}
	return d, nil
}

// ErrNoTokens is ParseTokens' answer for a text that holds no token.
var ErrNoTokens = errors.New("holds no tokens")

// ParseTokens reads bearer tokens from a tokens file's text or an
// OXDROP_TOKENS value: tokens are separated by newlines, commas, spaces or
// tabs (so one per line, or "a,b", or "a b" are all the same two tokens),
// and a line whose first non-blank character is # is a comment. A token
// never holds a space or comma (RFC 6750's token characters have neither).
// A text with no token at all is ErrNoTokens: an empty or all-comment
// tokens setting must not silently turn authentication off.
func ParseTokens(text string) ([]string, error) {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		out = append(out, strings.FieldsFunc(line, func(r rune) bool {
			return r == ',' || r == ' ' || r == '\t' || r == '\r'
		})...)
	}
	if len(out) == 0 {
		return nil, ErrNoTokens
	}
	return out, nil
}

// CORSOrigin checks a CORS origin setting and returns it without
// surrounding spaces: "" (none), "*" (any origin), or one origin such as
// https://app.example or http://localhost:5173 (a trailing / is allowed;
// no path, query or fragment). The rule is net/http's
// CrossOriginProtection.AddTrustedOrigin, which the handler builds from
// this value.
func CORSOrigin(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "*" {
		return s, nil
	}
	origin := strings.TrimSuffix(s, "/")
	u, err := url.Parse(origin)
	switch {
	case err != nil:
		err = fmt.Errorf("invalid origin %q: %w", origin, err)
	case u.Scheme == "":
		err = fmt.Errorf("invalid origin %q: scheme is required", origin)
	case u.Host == "":
		err = fmt.Errorf("invalid origin %q: host is required", origin)
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "":
		err = fmt.Errorf("invalid origin %q: path, query, and fragment are not allowed", origin)
	}
	if err != nil {
		return "", fmt.Errorf("want * or an origin like https://app.example: %w", err)
	}
	return s, nil
}

// trimASCIISpace trims spaces, tabs and line ends: a size is ASCII, so a
// no-break space or another Unicode space around it is an error, not
// padding.
func trimASCIISpace(s string) string { return strings.Trim(s, " \t\r\n") }
