package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// refRows is the row-level inference rowTypes replaces: coerce over the set
// of distinct row types.
func refRows(types []*jtype) *jtype {
	var set typeSet
	for _, t := range types {
		if err := set.add(t); err != nil {
			panic(err)
		}
	}
	return coerce(set.types)
}

// randomValue writes a random JSON value from a small grammar (few keys,
// scalars, lists, nested objects, repeated keys), so that rows collide on
// types often and every coerce rule is reached.
func randomValue(r *rand.Rand, b *strings.Builder, depth int) {
	n := r.IntN(10)
	if depth > 2 {
		n = r.IntN(6)
	}
	switch n {
	case 0, 1:
		b.WriteString("null")
	case 2:
		b.WriteString("true")
	case 3:
		b.WriteString("12")
	case 4:
		b.WriteString("1.5")
	case 5:
		b.WriteString(`"s"`)
	case 6, 7:
		b.WriteByte('[')
		for i := range r.IntN(3) {
			if i > 0 {
				b.WriteByte(',')
			}
			randomValue(r, b, depth+1)
		}
		b.WriteByte(']')
	default:
		randomObject(r, b, depth+1)
	}
}

func randomObject(r *rand.Rand, b *strings.Builder, depth int) {
	b.WriteByte('{')
	for i := range r.IntN(4) {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, `"%c":`, 'a'+r.IntN(4))
		randomValue(r, b, depth)
	}
	b.WriteByte('}')
}

// TestRowTypesMatchCoerce checks rowTypes against coerce over the distinct
// row types on many random tables, rows being objects (jsonl) or any
// values (json arrays).
func TestRowTypesMatchCoerce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for table := 0; table < 5000; table++ {
		var rows []*jtype
		var acc rowTypes
		var lines []string
		for range 1 + r.IntN(6) {
			var b strings.Builder
			if table%4 == 0 {
				randomValue(r, &b, 0)
			} else {
				randomObject(r, &b, 0)
			}
			lines = append(lines, b.String())
			ty, err := inferJSON([]byte(b.String()))
			if err != nil {
				t.Fatalf("%s: %v", b.String(), err)
			}
			rows = append(rows, ty)
			if err := acc.add(ty); err != nil {
				t.Fatal(err)
			}
		}
		want, got := refRows(rows), acc.coerced()
		if !got.equal(want) {
			t.Fatalf("rows\n%s\ncoerce %s, rowTypes %s", strings.Join(lines, "\n"), want.signature(), got.signature())
		}
	}
}

// FuzzRowTypes checks rowTypes against coerce on the lines of the input
// that are JSON values.
func FuzzRowTypes(f *testing.F) {
	for _, s := range []string{
		"{\"a\":1}\n{\"a\":null}\n{\"a\":[1]}", "{\"a\":{\"b\":1}}\n{\"a\":{\"b\":2.5}}\n{\"a\":[{\"c\":true}]}",
		"[1]\n[\"x\"]\n[[1]]", "{\"a\":{}}\n{\"a\":{\"b\":null}}\n{\"a\":\"s\"}", "{\"a\":1,\"a\":[2]}\n{\"b\":1,\"a\":2}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var rows []*jtype
		var acc rowTypes
		for _, line := range bytes.Split(b, []byte{'\n'}) {
			ty, err := inferJSON(line)
			if err != nil {
				continue
			}
			rows = append(rows, ty)
			if err := acc.add(ty); err != nil {
				var le *LimitError
				if !errors.As(err, &le) {
					t.Fatal(err)
				}
				return
			}
		}
		if want, got := refRows(rows), acc.coerced(); !got.equal(want) {
			t.Fatalf("coerce %s, rowTypes %s", want.signature(), got.signature())
		}
	})
}
