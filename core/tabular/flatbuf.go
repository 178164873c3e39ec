package tabular

import (
	"encoding/binary"
	"errors"
)

// fbTable reads one flatbuffers table with every offset bounds-checked:
// a broken or hostile buffer gives an error, never a panic.
type fbTable struct {
	b     []byte
	pos   int
	vt    int
	vtLen int
}

var errFlatbuf = errors.New("arrow: flatbuffer offset out of bounds")

func fbRoot(b []byte) (fbTable, error) {
	if len(b) < 4 {
		return fbTable{}, errFlatbuf
	}
	return fbTableAt(b, int(binary.LittleEndian.Uint32(b)))
}

func fbTableAt(b []byte, pos int) (fbTable, error) {
	if pos < 0 || pos > len(b)-4 {
		return fbTable{}, errFlatbuf
	}
	vt := pos - int(int32(binary.LittleEndian.Uint32(b[pos:])))
	if vt < 0 || vt > len(b)-4 {
		return fbTable{}, errFlatbuf
	}
	vtLen := int(binary.LittleEndian.Uint16(b[vt:]))
	if vtLen < 4 || vt+vtLen > len(b) {
		return fbTable{}, errFlatbuf
	}
	return fbTable{b: b, pos: pos, vt: vt, vtLen: vtLen}, nil
}

// field returns the absolute position of field i, or 0 when it is absent
// (or out of bounds, which readers treat as absent).
func (t fbTable) field(i int, size int) int {
	slot := 4 + 2*i
	if slot+2 > t.vtLen {
		return 0
	}
	o := int(binary.LittleEndian.Uint16(t.b[t.vt+slot:]))
	if o == 0 || t.pos+o+size > len(t.b) {
		return 0
	}
	return t.pos + o
}

func (t fbTable) uint8(i int, def uint8) uint8 {
	if p := t.field(i, 1); p != 0 {
		return t.b[p]
	}
	return def
}

func (t fbTable) int16(i int, def int16) int16 {
	if p := t.field(i, 2); p != 0 {
		return int16(binary.LittleEndian.Uint16(t.b[p:]))
	}
	return def
}

func (t fbTable) int32(i int, def int32) int32 {
	if p := t.field(i, 4); p != 0 {
		return int32(binary.LittleEndian.Uint32(t.b[p:]))
	}
	return def
}

func (t fbTable) int64(i int, def int64) int64 {
	if p := t.field(i, 8); p != 0 {
		return int64(binary.LittleEndian.Uint64(t.b[p:]))
	}
	return def
}

func (t fbTable) bool(i int) bool { return t.uint8(i, 0) != 0 }

// indirect follows the uoffset stored in field i.
func (t fbTable) indirect(i int) (int, bool) {
	p := t.field(i, 4)
	if p == 0 {
		return 0, false
	}
	target := p + int(binary.LittleEndian.Uint32(t.b[p:]))
	if target < 0 || target > len(t.b) {
		return 0, false
	}
	return target, true
}

// table returns the sub-table in field i.
func (t fbTable) table(i int) (fbTable, bool, error) {
	p, ok := t.indirect(i)
	if !ok {
		return fbTable{}, false, nil
	}
	sub, err := fbTableAt(t.b, p)
	return sub, err == nil, err
}

// vector returns the start and length of the vector in field i, whose
// elements are elemSize bytes each.
func (t fbTable) vector(i int, elemSize int) (int, int, error) {
	p, ok := t.indirect(i)
	if !ok {
		return 0, 0, nil
	}
	if p > len(t.b)-4 {
		return 0, 0, errFlatbuf
	}
	n := int(binary.LittleEndian.Uint32(t.b[p:]))
	if n < 0 || n > (len(t.b)-p-4)/elemSize {
		return 0, 0, errFlatbuf
	}
	return p + 4, n, nil
}

func (t fbTable) string(i int) (string, error) {
	start, n, err := t.vector(i, 1)
	if err != nil {
		return "", err
	}
	return lossy(t.b[start : start+n]), nil
}

// fbTables is a vector of tables, every one checked when it was made.
type fbTables struct {
	b        []byte
	start, n int
}

func (v fbTables) len() int { return v.n }

// at returns table k (0 <= k < len()).
func (v fbTables) at(k int) fbTable {
	p := v.start + 4*k
	t, _ := fbTableAt(v.b, p+int(binary.LittleEndian.Uint32(v.b[p:])))
	return t
}

// tableVector returns the tables of the offset vector in field i, checking
// each one but keeping none: a schema of many fields needs no slice of
// them.
func (t fbTable) tableVector(i int) (fbTables, error) {
	start, n, err := t.vector(i, 4)
	if err != nil {
		return fbTables{}, err
	}
	for k := 0; k < n; k++ {
		p := start + 4*k
		if _, err := fbTableAt(t.b, p+int(binary.LittleEndian.Uint32(t.b[p:]))); err != nil {
			return fbTables{}, err
		}
	}
	return fbTables{b: t.b, start: start, n: n}, nil
}
