package model

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oxdrop/oxdrop/core/oxhash"
)

// writer produces compact JSON byte-identical to serde_json's, which Oxen
// hashes. encoding/json differs from it in string escaping (it escapes <, >,
// &, U+2028/9) and float form (Oxen writes 1.0, Go writes 1), and a metadata
// hash is taken over these exact bytes.
//
// With d set, the writer hashes instead of keeping: flush moves what it
// holds into d, so only about flushAt bytes are ever held.
type writer struct {
	b []byte
	d *oxhash.Digest
}

// flushAt is how many bytes a hashing writer holds before flushing.
const flushAt = 32 << 10

// flush hands the bytes held to the digest (a no-op without one).
func (w *writer) flush() {
	if w.d != nil {
		w.d.Write(w.b)
		w.b = w.b[:0]
	}
}

// schema writes a tabular schema object; a hashing writer flushes between
// fields.
func (w *writer) schema(s *Schema) {
	w.raw("{")
	w.key(true, "hash")
	w.str(s.Hash)
	w.key(false, "fields")
	w.raw("[")
	for i, f := range s.Fields {
		if i > 0 {
			w.raw(",")
		}
		e := s.extra(i)
		w.raw("{")
		w.key(true, "name")
		w.str(f.Name)
		w.key(false, "dtype")
		w.str(f.Dtype)
		w.key(false, "metadata")
		w.rawOrNull(e.Metadata)
		w.key(false, "changes")
		w.rawOrNull(e.Changes)
		w.raw("}")
		if len(w.b) >= flushAt {
			w.flush()
		}
	}
	w.raw("]")
	w.key(false, "metadata")
	w.rawOrNull(s.Metadata)
	w.raw("}")
}

// MarshalJSON writes the schema as it appears inside tabular metadata.
func (s Schema) MarshalJSON() ([]byte, error) {
	w := &writer{}
	w.schema(&s)
	return w.b, nil
}

func (w *writer) raw(s string) { w.b = append(w.b, s...) }

func (w *writer) key(first bool, k string) {
	if !first {
		w.b = append(w.b, ',')
	}
	w.str(k)
	w.b = append(w.b, ':')
}

const hexDigits = "0123456789abcdef"

// str writes s as serde_json does; invalid UTF-8 becomes U+FFFD, as Rust's
// lossy conversion would have done before the string existed.
func (w *writer) str(s string) {
	w.b = append(w.b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				w.b = append(w.b, '\\', '"')
			case '\\':
				w.b = append(w.b, '\\', '\\')
			case '\b':
				w.b = append(w.b, '\\', 'b')
			case '\f':
				w.b = append(w.b, '\\', 'f')
			case '\n':
				w.b = append(w.b, '\\', 'n')
			case '\r':
				w.b = append(w.b, '\\', 'r')
			case '\t':
				w.b = append(w.b, '\\', 't')
			default:
				if c < 0x20 {
					w.b = append(w.b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
				} else {
					w.b = append(w.b, c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			w.b = utf8.AppendRune(w.b, utf8.RuneError)
		} else {
			w.b = append(w.b, s[i:i+size]...)
		}
		i += size
	}
	w.b = append(w.b, '"')
}

// strLen is the length of s as str writes it.
func strLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
				n += 2
			case c < 0x20:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			n += utf8.RuneLen(utf8.RuneError)
		} else {
			n += size
		}
		i += size
	}
	return n
}

func (w *writer) uint(v uint64) { w.b = strconv.AppendUint(w.b, v, 10) }

// float writes f as serde_json with the zmij formatter: shortest round-trip
// digits, a ".0" on whole numbers, exponents as e+NN / e-N, null for NaN/Inf.
func (w *writer) float(f float64) { w.raw(FormatFloat(f)) }

// FormatFloat renders f as Oxen's serde_json (zmij) does.
func FormatFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "null"
	}
	a := math.Abs(f)
	if f == 0 || (a >= 1e-5 && a < 1e16) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsRune(s, '.') {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // like 1e+16, 1.5e-07
	mant, exp, _ := strings.Cut(s, "e")
	sign := exp[0]
	exp = strings.TrimLeft(exp[1:], "0")
	if sign == '-' {
		return mant + "e-" + exp
	}
	return mant + "e+" + exp
}

func (w *writer) rawOrNull(r []byte) {
	if len(r) == 0 {
		w.raw("null")
		return
	}
	w.b = append(w.b, r...)
}
