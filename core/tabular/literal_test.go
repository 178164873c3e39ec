package tabular

import (
	"regexp"
	"testing"
)

// The polars-io regexes, as the reference the hand-written matchers follow.
var (
	refBool  = regexp.MustCompile(`^(?i:true|false)$`)
	refFloat = regexp.MustCompile(`^[-+]?((\p{Nd}*\.\p{Nd}+)([eE][-+]?\p{Nd}+)?|inf|NaN|(\p{Nd}+)[eE][-+]?\p{Nd}+|\p{Nd}+\.)$`)
	refInt   = regexp.MustCompile(`^-?(\p{Nd}+)$`)
)

func refInfer(s string) int {
	switch {
	case len(s) > 0 && s[0] == '"':
		return seenStr
	case refBool.MatchString(s):
		return seenBool
	case refFloat.MatchString(s):
		return seenF64
	case refInt.MatchString(s):
		return seenI64
	}
	return seenStr
}

func TestCSVLiterals(t *testing.T) {
	tests := map[string]int{
		"true": seenBool, "FALSE": seenBool, "True": seenBool, "yes": seenStr, "truee": seenStr,
		"1": seenI64, "-12": seenI64, "+12": seenStr, "٣٤": seenI64, "1 ": seenStr, "": seenStr,
		"1.5": seenF64, ".5": seenF64, "5.": seenF64, "-1.5e-3": seenF64, "1e5": seenF64, "1E+5": seenF64,
		"1.e5": seenStr, "e5": seenStr, ".": seenStr, "inf": seenF64, "-inf": seenF64, "Inf": seenStr,
		"NaN": seenF64, "nan": seenStr, "1.5.": seenStr, "1e": seenStr, "\"1\"": seenStr, "0x10": seenStr,
	}
	for s, want := range tests {
		if got := inferCSVField([]byte(s)); got != want {
			t.Errorf("%q: got %d, want %d", s, got, want)
		}
		if ref := refInfer(s); ref != want {
			t.Errorf("%q: reference regex gives %d, test expects %d", s, ref, want)
		}
	}
}

// FuzzCSVLiterals checks the hand-written matchers against the regexes.
func FuzzCSVLiterals(f *testing.F) {
	for _, s := range []string{"1", "-1.5e3", "true", "NaN", "5.", "٣.٤", "\xff1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := inferCSVField([]byte(s)), refInfer(lossy([]byte(s))); got != want {
			t.Fatalf("%q: got %d, regex gives %d", s, got, want)
		}
	})
}
