package config

import (
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in   string
		want int64 // 0: refused
	}{
		// Plain bytes and every unit, in any case, spaces around and between.
		{"1", 1},
		{"95000000", 95_000_000},
		{"5B", 5},
		{"10B", 10},
		{"10b", 10},
		{"1KB", 1e3}, {"2GB", 2e9}, {"1GB", 1e9}, {"95MB", 95_000_000}, {"3TB", 3e12},
		{"1KiB", 1 << 10}, {"64 KiB", 64 << 10}, {"512MiB", 512 << 20}, {"90MiB", 90 << 20}, {"10GiB", 10 << 30}, {"2TiB", 2 << 40},
		{"95 mb", 95_000_000}, {"1kib", 1024}, {"1 gib", 1 << 30}, {"1tb", 1e12}, {"1Tib", 1 << 40}, {"1KIB", 1024}, {"7 kB", 7000},
		{"  10GiB\n", 10 << 30}, {"007MB", 7e6}, {"+5MB", 5e6},
		{"4611686018427387904", MaxBytes}, {"4194304TiB", MaxBytes},
		// Refused: not a positive whole number of a known unit.
		{"", 0}, {" ", 0}, {"0", 0}, {"0MB", 0}, {"-1", 0}, {"-5", 0}, {"lots", 0},
		{"MB", 0}, {"B", 0}, {"1.5MB", 0}, {"1,000", 0}, {"1_000", 0}, {"0x10", 0},
		{"1XB", 0}, {"10 XB", 0}, {"1K", 0}, {"1M", 0}, {"1 iB", 0}, {"1MBB", 0}, {"1 M B", 0},
		{"9999999999TiB", 0}, {"99999999999999999GiB", 0}, {"4611686018427387905", 0}, {"99999999999999999999", 0},
	}
	for _, tt := range tests {
		got, err := ParseBytes(tt.in)
		if tt.want == 0 {
			if err == nil {
				t.Errorf("ParseBytes(%q) = %d, want an error", tt.in, got)
			} else if !strings.Contains(err.Error(), strconv.Quote(tt.in)) {
				t.Errorf("ParseBytes(%q): error %q does not quote the input", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	if _, err := ParseBytes("99999999999999999GiB"); err == nil || !strings.Contains(err.Error(), "over the largest") {
		t.Errorf("too large: %v", err)
	}
	if _, err := ParseBytes("lots"); err == nil || !strings.Contains(err.Error(), "want a positive size") {
		t.Errorf("not a size: %v", err)
	}
}

// FuzzParseBytes: no input panics; an accepted size is ASCII, in range,
// the same in upper and lower case and with spaces around, and its plain
// byte count parses back to itself.
func FuzzParseBytes(f *testing.F) {
	for _, s := range []string{"1", "10GiB", "64 kib", "1.5MB", "-1", "9999999999TiB", "1TB", "+5b", "0x10", " 7 MB "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseBytes(s)
		if err != nil {
			if n != 0 {
				t.Fatalf("%q: %d with error %v", s, n, err)
			}
			return
		}
		if n <= 0 || n > MaxBytes {
			t.Fatalf("%q: %d out of range", s, n)
		}
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				t.Fatalf("%q accepted with a non-ASCII byte", s)
			}
		}
		for _, v := range []string{strings.ToUpper(s), strings.ToLower(s), " " + s + "\t", strconv.FormatInt(n, 10)} {
			if m, err := ParseBytes(v); err != nil || m != n {
				t.Fatalf("%q = %d but %q = %d, %v", s, n, v, m, err)
			}
		}
	})
}

func TestParseCount(t *testing.T) {
	for in, want := range map[string]int{"1": 1, "10000": 10000, " 7 ": 7, "0": 0, "-1": 0, "x": 0, "1.5": 0, "": 0, "99999999999999999999": 0} {
		got, err := ParseCount(in)
		if want == 0 && (err == nil || !strings.Contains(err.Error(), "want a positive integer")) || want != 0 && (err != nil || got != want) {
			t.Errorf("ParseCount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"0": 0, "60s": time.Minute, "2h": 2 * time.Hour, "75s": 75 * time.Second, "1h30m": 90 * time.Minute, " 5s ": 5 * time.Second, "300ms": 300 * time.Millisecond} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "x", "-1s", "10", "5 s"} {
		if _, err := ParseDuration(in); err == nil || !strings.Contains(err.Error(), "want 0 or a positive duration") || !strings.Contains(err.Error(), strconv.Quote(in)) {
			t.Errorf("ParseDuration(%q): %v", in, err)
		}
	}
}

func TestParseTokens(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // nil: ErrNoTokens
	}{
		{"one per line, file style", "# comment\n\n  abc \ndef\n", []string{"abc", "def"}},
		{"comma separated", "abc,def", []string{"abc", "def"}},
		{"mixed, with a comment line", "abc,def\n# old one\n  ghi  ", []string{"abc", "def", "ghi"}},
		{"spaces and CRLF", "a b\r\nc", []string{"a", "b", "c"}},
		{"tabs", "a\tb", []string{"a", "b"}},
		{"empty fields", ",,a,,\n,", []string{"a"}},
		{"# inside a line is part of a token", "a#b", []string{"a#b"}},
		{"comment after spaces", "   # x\nreal", []string{"real"}},
		{"empty", "", nil},
		{"blank", " \n\t\n", nil},
		{"only comments", "# none\n", nil},
		{"only separators", ", ,\n", nil},
	}
	for _, tt := range tests {
		got, err := ParseTokens(tt.text)
		if tt.want == nil {
			if !errors.Is(err, ErrNoTokens) || got != nil {
				t.Errorf("%s: %q, %v; want ErrNoTokens", tt.name, got, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestCORSOrigin(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"*", "*", true},
		{" * ", "*", true},
		{"https://app.example", "https://app.example", true},
		{" https://example.org ", "https://example.org", true},
		{"https://app.example/", "https://app.example/", true},
		{"http://localhost:5173", "http://localhost:5173", true},
		{"http://[::1]:8080", "http://[::1]:8080", true},
		{"app.example", "", false},
		{"https://app.example/oxdrop", "", false},
		{"https://app.example?x=1", "", false},
		{"https://app.example#top", "", false},
		{"https://", "", false},
		{"//app.example", "", false},
		{"mailto:a@b", "", false},
		{"https://app .example", "", false},
		{"**", "", false},
	}
	for _, tt := range tests {
		got, err := CORSOrigin(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("CORSOrigin(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "want * or an origin like https://app.example: invalid origin") {
			t.Errorf("CORSOrigin(%q): message %q", tt.in, err)
		}
		agreesWithNetHTTP(t, tt.in)
	}
}

// FuzzCORSOrigin: CORSOrigin accepts exactly what the handler's
// http.CrossOriginProtection will take.
func FuzzCORSOrigin(f *testing.F) {
	for _, s := range []string{"https://app.example", "https://app.example/", "app.example", "https://a/b", "http://[::1]:1", "x:", "https://u@h"} {
		f.Add(s)
	}
	f.Fuzz(agreesWithNetHTTP)
}

// agreesWithNetHTTP checks CORSOrigin(s) against what server/api does with
// the value: trim a trailing / and AddTrustedOrigin.
func agreesWithNetHTTP(t *testing.T, s string) {
	got, err := CORSOrigin(s)
	if err != nil || got == "" || got == "*" {
		if err == nil {
			return
		}
		trimmed := strings.TrimSuffix(strings.TrimSpace(s), "/")
		if http.NewCrossOriginProtection().AddTrustedOrigin(trimmed) == nil {
			t.Fatalf("CORSOrigin(%q) refused what net/http accepts: %v", s, err)
		}
		return
	}
	if err := http.NewCrossOriginProtection().AddTrustedOrigin(strings.TrimSuffix(got, "/")); err != nil {
		t.Fatalf("CORSOrigin(%q) = %q, which net/http refuses: %v", s, got, err)
	}
}
