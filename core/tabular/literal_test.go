package tabular

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
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

// refQuoteRes are qsv-sniffer's quote regexes, spelled with Go's Unicode
// classes, as the reference for quoteMatches.
var refQuoteRes = func() map[byte]*regexp.Regexp {
	const ws = `[\t\n\v\f\r \x{85}\x{a0}\p{Z}\x{1680}\x{2028}\x{2029}\x{3000}]`
	// Go's regexp has no Other_Alphabetic class: spell out its ranges. A
	// table range with a stride holds only every stride-th code point
	// (0x345-0x5b0 stride 619 is just those two), so such a range is spelt
	// point by point.
	var oa strings.Builder
	span := func(lo, hi, stride uint32) {
		if stride == 1 {
			fmt.Fprintf(&oa, `\x{%x}-\x{%x}`, lo, hi)
			return
		}
		for c := lo; c <= hi; c += stride {
			fmt.Fprintf(&oa, `\x{%x}`, c)
		}
	}
	for _, r := range unicode.Other_Alphabetic.R16 {
		span(uint32(r.Lo), uint32(r.Hi), uint32(r.Stride))
	}
	for _, r := range unicode.Other_Alphabetic.R32 {
		span(r.Lo, r.Hi, r.Stride)
	}
	m := map[byte]*regexp.Regexp{}
	for _, q := range []byte{'\'', '"', '`'} {
		qs := regexp.QuoteMeta(string(q))
		m[q] = regexp.MustCompile(qs + ws + `*?([^\p{L}\p{M}\p{Nd}\p{Pc}\p{Nl}` + oa.String() + `\x{200c}\x{200d}\n'"` + "`" + `])` + ws + `*` + qs)
	}
	return m
}()

func quoteDelims(s string, q byte) []string {
	var out []string
	quoteMatches(s, q, func(d string) { out = append(out, d) })
	return out
}

func refQuoteDelims(s string, q byte) []string {
	var out []string
	for _, m := range refQuoteRes[q].FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestQuoteMatches(t *testing.T) {
	tests := []struct {
		line string
		q    byte
		want []string
	}{
		{`"a","b","c"`, '"', []string{",", ","}},
		{`"a" , "b"`, '"', []string{","}},
		{`"a" "b"`, '"', []string{" "}},
		{`'x';'y'`, '\'', []string{";"}},
		{`"a"x"b"`, '"', nil},
		{`"a"é"b"`, '"', nil},
		{`"a"→"b"`, '"', []string{"→"}},
		{`""`, '"', nil},
	}
	for _, tt := range tests {
		got, ref := quoteDelims(tt.line, tt.q), refQuoteDelims(tt.line, tt.q)
		if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(ref, tt.want) {
			t.Errorf("%s: got %q, regex %q, want %q", tt.line, got, ref, tt.want)
		}
	}
}

// FuzzQuoteMatches checks the hand-written matcher against the regexes.
func FuzzQuoteMatches(f *testing.F) {
	for _, s := range []string{`"a","b"`, `' ; '`, "`\u3000|\u3000`", `"a"  "b"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = lossy([]byte(s))
		for _, q := range []byte{'\'', '"', '`'} {
			if got, ref := quoteDelims(s, q), refQuoteDelims(s, q); !reflect.DeepEqual(got, ref) {
				t.Fatalf("%q quote %c: got %q, regex %q", s, q, got, ref)
			}
		}
	})
}
