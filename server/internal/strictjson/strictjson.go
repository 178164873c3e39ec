// Package strictjson checks that untrusted JSON is safe to hand to a
// recursive or permissive parser (gjson, encoding/json) before anything
// else touches it.
//
// Check is one pass with an explicit stack, never recursion, so no input can
// exhaust the goroutine stack (a fatal error in Go, which no recover
// catches). It refuses what a permissive parser would read differently from
// other clients: duplicate object keys (servers disagree on which one wins,
// so the ignored value would never be checked), invalid UTF-8, and escapes
// of lone UTF-16 surrogates. And it bounds the shape: nesting depth and the
// number of members of any one object, so the memory a later parse needs
// depends on the limits, not on the client.
package strictjson

import (
	"bytes"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Limits bounds a document's shape. Zero fields take the defaults.
type Limits struct {
	// MaxDepth is the deepest nesting of arrays and objects (the top-level
	// value's container is depth 1).
	MaxDepth int
	// MaxMembers is the most members one object may have.
	MaxMembers int
}

// Defaults for zero Limits fields.
const (
	DefaultMaxDepth   = 64
	DefaultMaxMembers = 100_000
)

// SyntaxError is malformed JSON, or JSON this package refuses (duplicate
// keys, invalid UTF-8, lone surrogates, too deep).
type SyntaxError struct {
	Offset int64 // byte offset of the problem
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s (at byte %d)", e.Msg, e.Offset)
}

// TooManyMembersError is an object with more than Limits.MaxMembers
// members; callers usually answer it as "too many files".
type TooManyMembersError struct {
	Offset int64
	Limit  int
}

func (e *TooManyMembersError) Error() string {
	return fmt.Sprintf("an object has more than %d members (at byte %d)", e.Limit, e.Offset)
}

// Check reports whether b is one JSON value (with optional surrounding
// whitespace) within lim, and nothing this package refuses.
func Check(b []byte, lim Limits) error {
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = DefaultMaxDepth
	}
	if lim.MaxMembers <= 0 {
		lim.MaxMembers = DefaultMaxMembers
	}
	c := checker{b: b, lim: lim}
	return c.run()
}

// frame is one open container.
type frame struct {
	object  bool
	members int
	keys    keySet
}

// keySet remembers an object's keys: a short list scanned linearly (most
// objects have a handful of keys), a map past that.
type keySet struct {
	few  [][]byte // slices of the document, or of a decoded copy
	many map[string]struct{}
}

const fewKeys = 16

// add records k and reports whether it was new. k must stay unchanged
// while the object is open.
func (s *keySet) add(k []byte) bool {
	if s.many != nil {
		if _, dup := s.many[string(k)]; dup {
			return false
		}
		s.many[string(k)] = struct{}{}
		return true
	}
	for _, x := range s.few {
		if bytes.Equal(x, k) {
			return false
		}
	}
	if len(s.few) < fewKeys {
		s.few = append(s.few, k)
		return true
	}
	s.many = make(map[string]struct{}, 2*fewKeys)
	for _, x := range s.few {
		s.many[string(x)] = struct{}{}
	}
	s.many[string(k)] = struct{}{}
	return true
}

// push opens a container, reusing the key list of the last frame that was
// at this depth (most documents repeat the same shape).
func (c *checker) push(object bool) {
	n := len(c.stack)
	if n < cap(c.stack) {
		few := c.stack[:n+1][n].keys.few[:0]
		c.stack = append(c.stack, frame{object: object, keys: keySet{few: few}})
		return
	}
	c.stack = append(c.stack, frame{object: object})
}

type checker struct {
	b     []byte
	i     int
	lim   Limits
	stack []frame
	buf   []byte // unescaped key scratch

	escStart int    // where the escape being read starts
	esc      []byte // its UTF-8
}

func (c *checker) fail(format string, args ...any) error {
	return &SyntaxError{Offset: int64(c.i), Msg: fmt.Sprintf(format, args...)}
}

func (c *checker) skipSpace() {
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

// run is a state machine: after a value, the top frame decides what may
// follow (',' or its closer); at the start of a value, '[' and '{' push.
func (c *checker) run() error {
	c.skipSpace()
	if c.i == len(c.b) {
		return c.fail("the document is empty")
	}
	for {
		// At the start of a value.
		c.skipSpace()
		if c.i == len(c.b) {
			return c.fail("the document ends where a value should be")
		}
		switch ch := c.b[c.i]; ch {
		case '{', '[':
			if len(c.stack) >= c.lim.MaxDepth {
				return c.fail("JSON nested more than %d levels deep", c.lim.MaxDepth)
			}
			c.i++
			c.push(ch == '{')
			c.skipSpace()
			closer := byte(']')
			if ch == '{' {
				closer = '}'
			}
			if c.i < len(c.b) && c.b[c.i] == closer {
				c.i++
				c.stack = c.stack[:len(c.stack)-1]
				break // an empty container is a complete value
			}
			if ch == '{' {
				if err := c.key(); err != nil {
					return err
				}
			}
			continue // its first value
		case '"':
			if _, err := c.str(false); err != nil {
				return err
			}
		case 't':
			if err := c.literal("true"); err != nil {
				return err
			}
		case 'f':
			if err := c.literal("false"); err != nil {
				return err
			}
		case 'n':
			if err := c.literal("null"); err != nil {
				return err
			}
		default:
			if ch == '-' || ch >= '0' && ch <= '9' {
				if err := c.number(); err != nil {
					return err
				}
			} else {
				return c.fail("unexpected %s where a value should be", quoteByte(ch))
			}
		}
		// After a complete value: close containers, or go to the next one.
		for {
			c.skipSpace()
			if len(c.stack) == 0 {
				if c.i != len(c.b) {
					return c.fail("unexpected %s after the end of the document", quoteByte(c.b[c.i]))
				}
				return nil
			}
			if c.i == len(c.b) {
				return c.fail("the document ends inside an %s", kindName(c.stack[len(c.stack)-1].object))
			}
			top := &c.stack[len(c.stack)-1]
			closer := byte(']')
			if top.object {
				closer = '}'
			}
			switch ch := c.b[c.i]; {
			case ch == closer:
				c.i++
				c.stack = c.stack[:len(c.stack)-1]
				continue
			case ch == ',':
				c.i++
				if top.object {
					if err := c.key(); err != nil {
						return err
					}
				}
			default:
				return c.fail("expected ',' or '%c' in an %s, got %s", closer, kindName(top.object), quoteByte(ch))
			}
			break
		}
	}
}

// key reads `"name" :` of the top object and records the name.
func (c *checker) key() error {
	top := &c.stack[len(c.stack)-1]
	c.skipSpace()
	if c.i == len(c.b) || c.b[c.i] != '"' {
		if c.i == len(c.b) {
			return c.fail("the document ends where an object key should be")
		}
		return c.fail("expected an object key (a string), got %s", quoteByte(c.b[c.i]))
	}
	start := c.i
	k, err := c.str(true)
	if err != nil {
		return err
	}
	if top.members++; top.members > c.lim.MaxMembers {
		return &TooManyMembersError{Offset: int64(start), Limit: c.lim.MaxMembers}
	}
	if !top.keys.add(k) {
		c.i = start
		return c.fail("duplicate object key %q", k)
	}
	c.skipSpace()
	if c.i == len(c.b) || c.b[c.i] != ':' {
		return c.fail("expected ':' after an object key")
	}
	c.i++
	return nil
}

func (c *checker) literal(word string) error {
	if len(c.b)-c.i < len(word) || string(c.b[c.i:c.i+len(word)]) != word {
		return c.fail("invalid literal (expected %s)", word)
	}
	c.i += len(word)
	return nil
}

// number checks RFC 8259's number grammar.
func (c *checker) number() error {
	start := c.i
	digits := func() int {
		n := 0
		for c.i < len(c.b) && c.b[c.i] >= '0' && c.b[c.i] <= '9' {
			c.i++
			n++
		}
		return n
	}
	if c.b[c.i] == '-' {
		c.i++
	}
	if c.i < len(c.b) && c.b[c.i] == '0' {
		c.i++
	} else if digits() == 0 {
		return c.fail("invalid number %q", c.b[start:c.i])
	}
	if c.i < len(c.b) && c.b[c.i] == '.' {
		c.i++
		if digits() == 0 {
			return c.fail("invalid number: no digits after the decimal point")
		}
	}
	if c.i < len(c.b) && (c.b[c.i] == 'e' || c.b[c.i] == 'E') {
		c.i++
		if c.i < len(c.b) && (c.b[c.i] == '+' || c.b[c.i] == '-') {
			c.i++
		}
		if digits() == 0 {
			return c.fail("invalid number: no digits in the exponent")
		}
	}
	return nil
}

// str checks the string at c.i (its opening quote) and, when want is set,
// returns its decoded value (for duplicate keys).
func (c *checker) str(want bool) ([]byte, error) {
	c.i++ // opening quote
	start := c.i
	escaped := false
	c.buf = c.buf[:0]
	for {
		if c.i == len(c.b) {
			return nil, c.fail("the document ends inside a string")
		}
		ch := c.b[c.i]
		switch {
		case ch == '"':
			raw := c.b[start:c.i]
			c.i++
			if !want || !escaped {
				return raw, nil
			}
			// A decoded key must outlive the scratch buffer.
			return bytes.Clone(c.buf), nil
		case ch == '\\':
			if err := c.escape(want); err != nil {
				return nil, err
			}
			if !escaped && want {
				// Keys with escapes are compared decoded: copy what came
				// before the first escape.
				c.buf = append(c.buf[:0], c.b[start:c.escStart]...)
				c.buf = append(c.buf, c.esc...)
			} else if want {
				c.buf = append(c.buf, c.esc...)
			}
			escaped = true
		case ch < 0x20:
			return nil, c.fail("control character %#02x inside a string (it must be escaped)", ch)
		case ch < utf8.RuneSelf:
			if escaped && want {
				c.buf = append(c.buf, ch)
			}
			c.i++
		default:
			r, n := utf8.DecodeRune(c.b[c.i:])
			if r == utf8.RuneError && n <= 1 {
				return nil, c.fail("invalid UTF-8 inside a string")
			}
			if escaped && want {
				c.buf = append(c.buf, c.b[c.i:c.i+n]...)
			}
			c.i += n
		}
	}
}

// escape checks the escape at c.i ('\\') and leaves its UTF-8 in c.esc.
func (c *checker) escape(want bool) error {
	c.escStart = c.i
	if c.i+1 >= len(c.b) {
		c.i = len(c.b)
		return c.fail("the document ends inside a string")
	}
	c.esc = c.esc[:0]
	switch e := c.b[c.i+1]; e {
	case '"', '\\', '/':
		c.esc = append(c.esc, e)
	case 'b':
		c.esc = append(c.esc, '\b')
	case 'f':
		c.esc = append(c.esc, '\f')
	case 'n':
		c.esc = append(c.esc, '\n')
	case 'r':
		c.esc = append(c.esc, '\r')
	case 't':
		c.esc = append(c.esc, '\t')
	case 'u':
		r, ok := c.hex4(c.i + 2)
		if !ok {
			return c.fail(`invalid \u escape`)
		}
		n := 6
		if utf16.IsSurrogate(r) {
			r2, ok2 := c.hex4(c.i + 8)
			if r >= 0xdc00 || !ok2 || c.b[c.i+6] != '\\' || c.b[c.i+7] != 'u' || r2 < 0xdc00 || r2 > 0xdfff {
				return c.fail(`\u escape of a lone UTF-16 surrogate (%U): not a character`, r)
			}
			r = utf16.DecodeRune(r, r2)
			n = 12
		}
		c.esc = utf8.AppendRune(c.esc, r)
		c.i += n
		return nil
	default:
		return c.fail(`invalid escape \%c`, e)
	}
	c.i += 2
	return nil
}

// hex4 reads 4 hex digits at i.
func (c *checker) hex4(i int) (rune, bool) {
	if i+4 > len(c.b) {
		return 0, false
	}
	var r rune
	for _, h := range c.b[i : i+4] {
		switch {
		case h >= '0' && h <= '9':
			r = r<<4 | rune(h-'0')
		case h >= 'a' && h <= 'f':
			r = r<<4 | rune(h-'a'+10)
		case h >= 'A' && h <= 'F':
			r = r<<4 | rune(h-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func kindName(object bool) string {
	if object {
		return "object"
	}
	return "array"
}

func quoteByte(b byte) string {
	if b >= 0x20 && b < 0x7f {
		return fmt.Sprintf("'%c'", b)
	}
	return fmt.Sprintf("byte %#02x", b)
}
