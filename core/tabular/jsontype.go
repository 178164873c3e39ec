package tabular

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// jtype is a Polars dtype inferred from JSON values.
type jtype struct {
	kind   jkind
	elem   *jtype   // list element
	fields []jfield // struct fields, in first-seen order
	sig    string   // canonical form, computed once (types are immutable)
}

type jfield struct {
	name string
	t    *jtype
}

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jI64
	jF64
	jStr
	jList
	jStruct
)

// Limits on inferred JSON types: deeper nesting is rejected, and an object
// with more keys than a table may have columns is a *LimitError, rather
// than held in memory.
const (
	maxJSONDepth  = 64
	maxJSONFields = MaxColumns
)

var (
	tNull = &jtype{kind: jNull}
	tBool = &jtype{kind: jBool}
	tI64  = &jtype{kind: jI64}
	tF64  = &jtype{kind: jF64}
	tStr  = &jtype{kind: jStr}
)

// String is the Polars Display form of the dtype.
func (t *jtype) String() string {
	switch t.kind {
	case jNull:
		return "null"
	case jBool:
		return "bool"
	case jI64:
		return "i64"
	case jF64:
		return "f64"
	case jList:
		return "list[" + t.elem.String() + "]"
	case jStruct:
		return "struct[" + strconv.Itoa(len(t.fields)) + "]"
	}
	return "str"
}

// signature is a canonical string of the whole type (String is lossy:
// struct[N]), so that sets of types are deduplicated through a map rather
// than by pairwise comparison.
func (t *jtype) signature() string {
	if t.sig != "" {
		return t.sig
	}
	switch t.kind {
	case jList:
		t.sig = "[" + t.elem.signature() + "]"
	case jStruct:
		var b strings.Builder
		b.WriteByte('{')
		for _, f := range t.fields {
			b.WriteString(strconv.Quote(f.name))
			b.WriteByte(':')
			b.WriteString(f.t.signature())
			b.WriteByte(',')
		}
		b.WriteByte('}')
		t.sig = b.String()
	default:
		t.sig = t.String()
	}
	return t.sig
}

func (t *jtype) equal(o *jtype) bool { return t.signature() == o.signature() }

// dedup drops nulls and repeated types, keeping first-seen order, as
// polars-json collects the types it coerces into a set.
func dedup(ts []*jtype) []*jtype {
	var out []*jtype
	seen := map[string]bool{}
	for _, t := range ts {
		if t.kind == jNull || seen[t.signature()] {
			continue
		}
		seen[t.signature()] = true
		out = append(out, t)
	}
	return out
}

// coerce is polars-json's coerce_data_type: structs merge their fields by
// name, i64 with f64 is f64, i64 with bool is i64, a scalar with a list is a
// list, and any other mix is str. Nulls give way to any other type.
func coerce(ts []*jtype) *jtype {
	ts = dedup(ts)
	switch len(ts) {
	case 0:
		return tNull
	case 1:
		return ts[0]
	}
	allStructs := true
	for _, t := range ts {
		allStructs = allStructs && t.kind == jStruct
	}
	if allStructs {
		var names []string
		byName := map[string][]*jtype{}
		for _, t := range ts {
			for _, f := range t.fields {
				if _, ok := byName[f.name]; !ok {
					names = append(names, f.name)
				}
				byName[f.name] = append(byName[f.name], f.t)
			}
		}
		out := &jtype{kind: jStruct}
		for _, n := range names {
			out.fields = append(out.fields, jfield{name: n, t: coerce(byName[n])})
		}
		return out
	}
	if len(ts) > 2 {
		return tStr
	}
	a, b := ts[0], ts[1]
	switch {
	case a.kind == jList && b.kind == jList:
		return &jtype{kind: jList, elem: coerce([]*jtype{a.elem, b.elem})}
	case a.kind == jList:
		return &jtype{kind: jList, elem: coerce([]*jtype{b, a.elem})}
	case b.kind == jList:
		return &jtype{kind: jList, elem: coerce([]*jtype{a, b.elem})}
	case (a.kind == jI64 && b.kind == jF64) || (a.kind == jF64 && b.kind == jI64):
		return tF64
	case (a.kind == jI64 && b.kind == jBool) || (a.kind == jBool && b.kind == jI64):
		return tI64
	}
	return tStr
}

// numberType is i64 for integer literals that fit 64 bits (simd-json reads
// u64 too, which Polars infers as i64) and f64 for everything else.
func numberType(n json.Number) *jtype {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return tI64
		}
		if _, err := strconv.ParseUint(s, 10, 64); err == nil {
			return tI64
		}
	}
	return tF64
}

var errJSONDepth = errors.New("json nesting too deep")

// maxTypeNodes caps the inferred types kept for the elements of one array
// and for the rows of a file (see rowTypes), as a *LimitError: values of
// ever new shapes would otherwise hold memory in proportion to the input.
const maxTypeNodes = 1 << 18

// size counts the nodes of a type.
func (t *jtype) size() int {
	n := 1
	if t.elem != nil {
		n += t.elem.size()
	}
	for _, f := range t.fields {
		n += f.t.size()
	}
	return n
}

// typeSet collects distinct types (of a file's rows, or of an array's
// elements) for coerce, with the nodes it keeps capped.
type typeSet struct {
	types []*jtype
	seen  map[string]bool
	nodes int
}

func (r *typeSet) add(t *jtype) error {
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if r.seen[t.signature()] {
		return nil
	}
	if r.nodes += t.size(); r.nodes > maxTypeNodes {
		return &LimitError{What: "distinct type nodes", Limit: maxTypeNodes}
	}
	r.seen[t.signature()] = true
	r.types = append(r.types, t)
	return nil
}

// rowSchema turns the coerced type of all rows into schema columns; rows
// must be objects.
func rowSchema(t *jtype) ([]string, []string, error) {
	if t.kind != jStruct {
		return nil, nil, fmt.Errorf("json rows are %s, not objects", t)
	}
	var names, dtypes []string
	for _, f := range t.fields {
		names = append(names, f.name)
		dtypes = append(dtypes, f.t.String())
	}
	return names, dtypes, nil
}

// capReader fails once more than limit bytes have been read past mark, so
// that one oversized JSON value cannot make the decoder buffer it whole.
type capReader struct {
	r     io.Reader
	n     int64
	mark  int64
	limit int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n-c.mark > c.limit {
		return 0, fmt.Errorf("json value larger than %d bytes", c.limit)
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
