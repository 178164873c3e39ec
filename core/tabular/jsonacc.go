package tabular

import (
	"math/bits"

	"github.com/oxdrop/oxdrop/core/model"
)

// rowTypes is the coerced type of all rows of a JSON table, built row by
// row. Polars coerces the set of distinct row types; keeping that set
// costs memory in proportion to rows times columns when rows differ (a
// null here, a missing key there), so instead every place of the schema
// keeps only what coerce can still tell apart: the scalar kinds seen, up
// to two distinct list types, whether one or several distinct struct
// types were seen, and the struct fields merged by name. The result is
// coerce's, exactly; the memory is one small node per distinct field,
// capped at maxTypeNodes in all.
type rowTypes struct {
	root  jacc
	nodes int
}

// jacc is what rowTypes keeps for one place of the schema. A field that
// only ever holds scalars costs its name and these 16 bytes.
type jacc struct {
	kinds   uint8 // 1<<kind for each of null, bool, i64, f64, str seen
	structs uint8 // distinct struct types seen: 0, 1, or 2 for two or more
	more    *jaccMore
}

type jaccMore struct {
	lists     []*jtype // distinct list types, first seen first (two at most)
	manyLists bool     // a third distinct list type was seen
	fields    []jaccField
	index     map[string]int32 // fields by name, built once a guess fails
}

type jaccField struct {
	name string
	acc  jacc
}

// add merges one value's type into the accumulated types.
func (r *rowTypes) add(t *jtype) error { return r.root.add(t, r) }

// coerced is coerce over every type added.
func (r *rowTypes) coerced() *jtype { return r.root.coerced() }

// count adds n nodes to those kept, failing past maxTypeNodes.
func (r *rowTypes) count(n int) error {
	if r.nodes += n; r.nodes > maxTypeNodes {
		return &LimitError{What: "distinct type nodes", Limit: maxTypeNodes}
	}
	return nil
}

func (a *jacc) extra() *jaccMore {
	if a.more == nil {
		a.more = &jaccMore{}
	}
	return a.more
}

func (a *jacc) fields() []jaccField {
	if a.more == nil {
		return nil
	}
	return a.more.fields
}

func (a *jacc) add(t *jtype, r *rowTypes) error {
	switch t.kind {
	case jList:
		m := a.extra()
		if m.manyLists {
			return nil
		}
		for _, l := range m.lists {
			if l.equal(t) {
				return nil
			}
		}
		if len(m.lists) == 2 {
			m.manyLists = true // three distinct types: coerce gives str
			return nil
		}
		if err := r.count(t.size()); err != nil {
			return err
		}
		m.lists = append(m.lists, t)
		return nil
	case jStruct:
		// Whether t is a new struct type is decided before merging it.
		switch a.structs {
		case 0:
			a.structs = 1
		case 1:
			if !a.matches(t) {
				a.structs = 2
			}
		}
		return a.merge(t, r)
	}
	a.kinds |= 1 << t.kind
	return nil
}

// merge adds the fields of struct t by name, new names after the others.
// Rows mostly repeat the same keys in the same order, so the next field is
// guessed by position and the name index is only built when that fails.
func (a *jacc) merge(t *jtype, r *rowTypes) error {
	if len(t.fields) == 0 {
		return nil
	}
	m := a.extra()
	fresh := len(m.fields) == 0 // t's keys are distinct: append them all
	guess := 0
	for _, f := range t.fields {
		i := -1
		switch {
		case fresh:
		case guess < len(m.fields) && m.fields[guess].name == f.name:
			i = guess
		default:
			if m.index == nil {
				m.index = make(map[string]int32, len(m.fields))
				for k, mf := range m.fields {
					m.index[mf.name] = int32(k)
				}
			}
			if k, ok := m.index[f.name]; ok {
				i = int(k)
			}
		}
		if i < 0 {
			if err := r.count(1); err != nil {
				return err
			}
			i = len(m.fields)
			m.fields = append(m.fields, jaccField{name: f.name})
			if m.index != nil {
				m.index[f.name] = int32(i)
			}
		}
		if err := m.fields[i].acc.add(f.t, r); err != nil {
			return err
		}
		guess = i + 1
	}
	return nil
}

// distinct is how many distinct types (null included) were added, counting
// two or more struct types as 2 and three or more list types as 3.
func (a *jacc) distinct() int {
	n := bits.OnesCount8(a.kinds) + int(a.structs)
	if a.more != nil {
		n += len(a.more.lists)
		if a.more.manyLists {
			n++
		}
	}
	return n
}

// matches reports whether struct t is the one struct type added so far
// (a.structs == 1): then each field holds exactly the type of that struct.
func (a *jacc) matches(t *jtype) bool {
	fs := a.fields()
	if len(fs) != len(t.fields) {
		return false
	}
	for i, f := range t.fields {
		if fs[i].name != f.name || !fs[i].acc.only(f.t) {
			return false
		}
	}
	return true
}

// only reports whether t is the one distinct type added.
func (a *jacc) only(t *jtype) bool {
	if a.distinct() != 1 {
		return false
	}
	switch t.kind {
	case jList:
		return a.more != nil && len(a.more.lists) == 1 && a.more.lists[0].equal(t)
	case jStruct:
		return a.structs == 1 && a.matches(t)
	}
	return a.kinds == 1<<t.kind
}

// coerced is coerce over the distinct types added: structs only merge by
// name, more than two distinct types give str, and two are coerced as a
// pair (the one struct type is the merged fields; only two lists keep an
// order that matters, and theirs is the order seen).
func (a *jacc) coerced() *jtype {
	scalars := a.kinds &^ (1 << jNull)
	nonStruct := a.distinct() - bits.OnesCount8(a.kinds&(1<<jNull)) - int(a.structs)
	switch {
	case a.structs == 0 && nonStruct == 0:
		return tNull
	case nonStruct == 0:
		return a.mergedStruct()
	case int(a.structs)+nonStruct > 2:
		return tStr
	}
	ts := make([]*jtype, 0, 2)
	if a.structs == 1 {
		ts = append(ts, a.mergedStruct())
	}
	for _, s := range []*jtype{tBool, tI64, tF64, tStr} {
		if scalars&(1<<s.kind) != 0 {
			ts = append(ts, s)
		}
	}
	if a.more != nil {
		ts = append(ts, a.more.lists...)
	}
	return coerce(ts)
}

func (a *jacc) mergedStruct() *jtype {
	fs := a.fields()
	out := &jtype{kind: jStruct, fields: make([]jfield, len(fs))}
	for i := range fs {
		out.fields[i] = jfield{name: fs[i].name, t: fs[i].acc.coerced()}
	}
	return out
}

// rowFields returns the columns of the coerced rows, which must be
// objects: each top-level field's name and dtype, coerced one at a time.
func (r *rowTypes) rowFields() ([]model.Field, error) {
	a := &r.root
	if a.structs == 0 || a.distinct()-bits.OnesCount8(a.kinds&(1<<jNull)) != int(a.structs) {
		names, dtypes, err := rowSchema(a.coerced())
		if err != nil {
			return nil, err
		}
		return fieldsOf(names, dtypes), nil
	}
	fs := a.fields()
	if len(fs) == 0 {
		return nil, nil
	}
	fields := make([]model.Field, len(fs))
	for i := range fs {
		fields[i] = model.Field{Name: fs[i].name, Dtype: fs[i].acc.coerced().String()}
	}
	return fields, nil
}
