package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheck(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, tc := range []struct {
		in      string
		lim     Limits
		errPart string // "" means valid
	}{
		{in: `{}`},
		{in: ` [1, -0.5e+3, "x", true, false, null, {"a": []}] `},
		{in: `"\u00e9\ud83d\ude00\n\t\\\/"`},
		{in: `{"a":1,"b":{"a":2}}`}, // same key in different objects
		{in: deep(64)},
		{in: deep(65), errPart: "nested more than 64 levels deep"},
		{in: deep(3), lim: Limits{MaxDepth: 2}, errPart: "nested more than 2 levels deep"},
		{in: `{"a":1,"a":2}`, errPart: `duplicate object key "a"`},
		{in: `{"namespace":"ok","namespace":"../x"}`, errPart: `duplicate object key "namespace"`},
		{in: `{"a":1,"\u0061":2}`, errPart: `duplicate object key "a"`},
		{in: `{"ab":1,"a\u0062":2}`, errPart: `duplicate object key "ab"`},
		{in: `{"x":{"k":1,"k":1}}`, errPart: `duplicate object key "k"`},
		{in: `{"a":1,"b":2,"c":3}`, lim: Limits{MaxMembers: 2}, errPart: "more than 2 members"},
		{in: "\"a\xffb\"", errPart: "invalid UTF-8"},
		{in: "\"\xed\xa0\x80\"", errPart: "invalid UTF-8"}, // an encoded surrogate
		{in: `"\ud800"`, errPart: "lone UTF-16 surrogate"},
		{in: `"\udc00\ud800"`, errPart: "lone UTF-16 surrogate"},
		{in: `"\ud800\u0041"`, errPart: "lone UTF-16 surrogate"},
		{in: `"\x"`, errPart: `invalid escape`},
		{in: `"\u12g4"`, errPart: `invalid \u escape`},
		{in: "\"a\nb\"", errPart: "control character"},
		{in: ``, errPart: "empty"},
		{in: `  `, errPart: "empty"},
		{in: `[1,]`, errPart: "where a value should be"},
		{in: `{"a":1,}`, errPart: "expected an object key"},
		{in: `{"a" 1}`, errPart: "expected ':'"},
		{in: `[1 2]`, errPart: "expected ',' or ']'"},
		{in: `{} {}`, errPart: "after the end"},
		{in: `01`, errPart: "after the end"},
		{in: `1.`, errPart: "no digits after the decimal point"},
		{in: `1e`, errPart: "no digits in the exponent"},
		{in: `-`, errPart: "invalid number"},
		{in: `nul`, errPart: "invalid literal"},
		{in: `[`, errPart: "ends where a value should be"},
		{in: `[1`, errPart: "ends inside an array"},
		{in: `{"a`, errPart: "ends inside a string"},
		{in: `"\`, errPart: "ends inside a string"},
		{in: `'a'`, errPart: "unexpected"},
	} {
		err := Check([]byte(tc.in), tc.lim)
		switch {
		case tc.errPart == "" && err != nil:
			t.Errorf("Check(%.40q) = %v, want ok", tc.in, err)
		case tc.errPart != "" && (err == nil || !strings.Contains(err.Error(), tc.errPart)):
			t.Errorf("Check(%.40q) = %v, want an error with %q", tc.in, err, tc.errPart)
		}
	}
}

func TestTooManyMembersIsTyped(t *testing.T) {
	err := Check([]byte(`{"a":1,"b":2}`), Limits{MaxMembers: 1})
	var tm *TooManyMembersError
	if !errors.As(err, &tm) || tm.Limit != 1 {
		t.Fatalf("got %#v, want a TooManyMembersError with limit 1", err)
	}
}

// TestHugeNestingIsCheap: the reproduction that used to crash the server
// (6 million '[') is refused at the limit, without recursion.
func TestHugeNestingIsCheap(t *testing.T) {
	n := 6_000_000
	b := append(bytes.Repeat([]byte{'['}, n), bytes.Repeat([]byte{']'}, n)...)
	if err := Check(b, Limits{}); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("got %v", err)
	}
	b = bytes.Repeat([]byte(`{"a":`), n)
	if err := Check(b, Limits{}); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("got %v", err)
	}
}

// FuzzCheck compares Check with encoding/json: whatever Check accepts,
// encoding/json accepts too; whatever encoding/json accepts that Check
// refuses, Check refuses for a reason of its own (duplicates, depth,
// invalid UTF-8, lone surrogates). And Check never panics.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{}`, `[1,2]`, `{"a":{"b":[null,true,1.5e3]}}`, `"\ud83d\ude00"`,
		`{"a":1,"a":2}`, `[[[[[[]]]]]]`, "\"\xff\"", `"\ud800"`, `{"a":1,"\u0061":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := Check(b, Limits{MaxDepth: 8, MaxMembers: 16})
		stdOK := json.Valid(b)
		if err == nil && !stdOK {
			t.Fatalf("Check accepts %q, encoding/json does not", b)
		}
		if err != nil && stdOK {
			msg := err.Error()
			var tm *TooManyMembersError
			if !errors.As(err, &tm) && !strings.Contains(msg, "duplicate object key") &&
				!strings.Contains(msg, "nested more than") && !strings.Contains(msg, "UTF-8") &&
				!strings.Contains(msg, "surrogate") {
				t.Fatalf("Check refuses valid %q: %v", b, err)
			}
			if strings.Contains(msg, "UTF-8") && utf8.Valid(b) {
				t.Fatalf("Check says invalid UTF-8 for valid UTF-8 %q", b)
			}
		}
		if err == nil {
			// No duplicates at the top level, as encoding/json sees them.
			var m map[string]json.RawMessage
			if json.Unmarshal(b, &m) == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
				if n := bytes.Count(b, []byte(":")); n < len(m) {
					t.Fatalf("impossible: %d colons, %d keys", n, len(m))
				}
			}
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"namespace":"ox","name":"cats","files":[`)
	for i := range 2000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"path":"images/cat_` + strings.Repeat("x", 20) + `.jpg","contents":{"Binary":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]},"user":{"name":"bessie","email":"b@oxen.ai"}}`)
	}
	sb.WriteString(`]}`)
	doc := []byte(sb.String())
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Check(doc, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
