package tabular

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"
)

// inferValue reads one JSON value from dec with the decoder's tokens and
// infers its type: the straightforward reference for inferJSON. Objects
// drop nothing: null fields stay as null so that a null-only column is
// reported as null.
func inferValue(dec *json.Decoder, depth int) (*jtype, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	return inferFrom(dec, tok, depth)
}

func inferFrom(dec *json.Decoder, tok json.Token, depth int) (*jtype, error) {
	switch v := tok.(type) {
	case nil:
		return tNull, nil
	case bool:
		return tBool, nil
	case json.Number:
		return numberType(v), nil
	case string:
		return tStr, nil
	case json.Delim:
		if depth >= maxJSONDepth {
			return nil, errJSONDepth
		}
		switch v {
		case '[':
			var elems []*jtype
			for dec.More() {
				t, err := inferValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				elems = dedup(append(elems, t))
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			inner := coerce(elems)
			if inner.kind == jNull {
				return tNull, nil
			}
			return &jtype{kind: jList, elem: inner}, nil
		case '{':
			out := &jtype{kind: jStruct}
			idx := map[string]int{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("json object key is %v, not a string", kt)
				}
				t, err := inferValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if i, dup := idx[key]; dup {
					out.fields[i].t = coerce([]*jtype{out.fields[i].t, t})
					continue
				}
				if len(out.fields) >= maxJSONFields {
					return nil, fmt.Errorf("json object has more than %d keys", maxJSONFields)
				}
				idx[key] = len(out.fields)
				out.fields = append(out.fields, jfield{name: key, t: t})
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("unexpected json token %v", tok)
}

func newDecoder(b []byte) *json.Decoder {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec
}

// refInferJSON is inferJSON done with json.Decoder tokens.
func refInferJSON(b []byte) (*jtype, error) {
	dec := newDecoder(b)
	t, err := inferValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("more than one value")
	}
	return t, nil
}

func TestInferJSON(t *testing.T) {
	tests := map[string]string{
		`1`: "i64", `-1.5`: "f64", `1e3`: "f64", `"x"`: "str", `true`: "bool", `null`: "null",
		`[]`: "null", `[null]`: "null", `[1,2.5]`: "list[f64]", `[1,"a",true]`: "list[str]",
		`[[1],[2.5]]`: "list[list[f64]]", `{"a":1,"b":{"c":[true]}}`: "struct[2]", `{}`: "struct[0]",
		`{"a":1,"a":"x"}`: "struct[1]", `[{"a":1},{"b":2}]`: "list[struct[2]]", `[1,[2]]`: "list[list[i64]]",
		`{"\u0041":1}`: "struct[1]", ` [ 1 , 2 ] `: "list[i64]",
	}
	for in, want := range tests {
		got, err := inferJSON([]byte(in))
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		ref, err := refInferJSON([]byte(in))
		if err != nil {
			t.Errorf("%s: reference: %v", in, err)
			continue
		}
		if got.String() != want || !got.equal(ref) {
			t.Errorf("%s: got %s, reference %s, want %s", in, got, ref, want)
		}
	}
}

// FuzzJSONInfer checks the byte walker against the token-based reference
// on every input json.Valid accepts.
func FuzzJSONInfer(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,null],"b":{"c":"x"}}`, `[[],[1],[true]]`, `{"a":1,"a":[2]}`, `-0.0e-0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := inferJSON(b)
		if !json.Valid(b) {
			return // callers validate first; only the absence of a panic matters
		}
		ref, rerr := refInferJSON(b)
		if (err == nil) != (rerr == nil) {
			t.Fatalf("%q: walker error %v, reference error %v", b, err, rerr)
		}
		if err == nil && !got.equal(ref) {
			t.Fatalf("%q: walker %s, reference %s", b, got, ref)
		}
	})
}
