package tabular

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// inferJSON infers the type of one JSON value. The bytes must already be
// valid JSON (json.Valid or a json.Decoder checked them); the walk still
// checks every index, so invalid input gives an error, never a panic. It
// replaces json.Decoder.Token, which was the hot spot of inference.
func inferJSON(b []byte) (*jtype, error) {
	w := &jsonWalker{b: b}
	t, err := w.value(0)
	if err != nil {
		return nil, err
	}
	w.space()
	if w.i != len(w.b) {
		return nil, errors.New("json: more than one value")
	}
	return t, nil
}

type jsonWalker struct {
	b []byte
	i int
}

var errJSONSyntax = errors.New("json: invalid syntax")

func (w *jsonWalker) space() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// next skips spaces and returns the next byte without consuming it.
func (w *jsonWalker) next() (byte, error) {
	w.space()
	if w.i >= len(w.b) {
		return 0, errJSONSyntax
	}
	return w.b[w.i], nil
}

// str consumes a string and returns its raw bytes (quotes included).
func (w *jsonWalker) str() ([]byte, error) {
	start := w.i
	if w.i >= len(w.b) || w.b[w.i] != '"' {
		return nil, errJSONSyntax
	}
	for w.i++; w.i < len(w.b); w.i++ {
		switch w.b[w.i] {
		case '\\':
			w.i++
		case '"':
			w.i++
			return w.b[start:w.i], nil
		}
	}
	return nil, errJSONSyntax
}

func (w *jsonWalker) key() (string, error) {
	raw, err := w.str()
	if err != nil {
		return "", err
	}
	// Escapes and invalid UTF-8 (replaced by U+FFFD) need the decoder.
	if bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	return string(raw[1 : len(raw)-1]), nil
}

func (w *jsonWalker) number() *jtype {
	start := w.i
	float := false
	for w.i < len(w.b) {
		c := w.b[w.i]
		switch {
		case c >= '0' && c <= '9', c == '-', c == '+':
		case c == '.', c == 'e', c == 'E':
			float = true
		default:
			goto done
		}
		w.i++
	}
done:
	if float {
		return tF64
	}
	return numberType(json.Number(w.b[start:w.i]))
}

func (w *jsonWalker) literal(lit string, t *jtype) (*jtype, error) {
	if len(w.b)-w.i < len(lit) || string(w.b[w.i:w.i+len(lit)]) != lit {
		return nil, errJSONSyntax
	}
	w.i += len(lit)
	return t, nil
}

func (w *jsonWalker) value(depth int) (*jtype, error) {
	c, err := w.next()
	if err != nil {
		return nil, err
	}
	switch {
	case c == '"':
		if _, err := w.str(); err != nil {
			return nil, err
		}
		return tStr, nil
	case c == 't':
		return w.literal("true", tBool)
	case c == 'f':
		return w.literal("false", tBool)
	case c == 'n':
		return w.literal("null", tNull)
	case c == '-' || (c >= '0' && c <= '9'):
		return w.number(), nil
	case c == '[' || c == '{':
		if depth >= maxJSONDepth {
			return nil, errJSONDepth
		}
		w.i++
		if c == '[' {
			return w.array(depth)
		}
		return w.object(depth)
	}
	return nil, fmt.Errorf("json: unexpected byte %q", c)
}

// array infers a list from its elements (after the '['): nulls are
// dropped, and an array of only nulls (or none) is null, as in polars-json.
func (w *jsonWalker) array(depth int) (*jtype, error) {
	var elems typeSet
	if c, err := w.next(); err != nil {
		return nil, err
	} else if c == ']' {
		w.i++
		return tNull, nil
	}
	for {
		t, err := w.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if t.kind != jNull {
			if err := elems.add(t); err != nil {
				return nil, err
			}
		}
		c, err := w.next()
		if err != nil {
			return nil, err
		}
		w.i++
		if c == ']' {
			break
		}
		if c != ',' {
			return nil, errJSONSyntax
		}
	}
	inner := coerce(elems.types)
	if inner.kind == jNull {
		return tNull, nil
	}
	return &jtype{kind: jList, elem: inner}, nil
}

// object infers a struct with its fields in order (after the '{'); a
// repeated key merges its types.
func (w *jsonWalker) object(depth int) (*jtype, error) {
	out := &jtype{kind: jStruct}
	if c, err := w.next(); err != nil {
		return nil, err
	} else if c == '}' {
		w.i++
		return out, nil
	}
	var idx map[string]int
	for {
		if _, err := w.next(); err != nil {
			return nil, err
		}
		key, err := w.key()
		if err != nil {
			return nil, err
		}
		if c, err := w.next(); err != nil || c != ':' {
			return nil, errJSONSyntax
		}
		w.i++
		t, err := w.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if idx == nil {
			idx = map[string]int{}
		}
		if i, dup := idx[key]; dup {
			out.fields[i].t = coerce([]*jtype{out.fields[i].t, t})
		} else {
			if len(out.fields) >= maxJSONFields {
				return nil, keysError(depth)
			}
			idx[key] = len(out.fields)
			out.fields = append(out.fields, jfield{name: key, t: t})
		}
		c, err := w.next()
		if err != nil {
			return nil, err
		}
		w.i++
		if c == '}' {
			return out, nil
		}
		if c != ',' {
			return nil, errJSONSyntax
		}
	}
}

// keysError is the *LimitError of an object with more than maxJSONFields
// keys: a row's keys are the table's columns.
func keysError(depth int) error {
	if depth == 0 {
		return columnsError(0)
	}
	return &LimitError{What: "keys in a nested JSON object", Limit: maxJSONFields}
}
