package main

import (
	"strings"
	"testing"
)

// FuzzSettings: whatever the environment holds, loadSettings returns
// either an error or positive caps, and tokens without separators.
func FuzzSettings(f *testing.F) {
	for _, s := range []string{"95000000", "95MB", "90MiB", "1 GiB", "-1", "9223372036854775807GiB", "", "0x10"} {
		f.Add(s, "a,b\n#c\n d")
	}
	f.Fuzz(func(t *testing.T, size, tokens string) {
		s, err := loadSettings(func(k string) string {
			switch k {
			case "OXDROP_MAX_BODY", "OXDROP_MAX_JSON":
				return size
			case "OXDROP_TOKENS":
				return tokens
			}
			return ""
		})
		if err != nil {
			return
		}
		if s.MaxBody <= 0 || s.MaxJSON <= 0 {
			t.Fatalf("non-positive caps %d, %d from %q", s.MaxBody, s.MaxJSON, size)
		}
		for _, tok := range s.Tokens {
			if tok == "" || strings.ContainsAny(tok, ", \t\r\n") {
				t.Fatalf("token %q from %q", tok, tokens)
			}
		}
	})
}
