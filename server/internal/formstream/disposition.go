package formstream

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// parseDisposition reads a part's Content-Disposition into p.Name and
// p.Filename. It follows mime.ParseMediaType's grammar (RFC 2183 with
// RFC 2045 tokens and quoted strings, MSIE's unescaped backslashes kept) so
// that what parsed before still parses the same, but it sees which
// parameters carry a '*', which ParseMediaType decodes or silently drops:
//
//   - filename* in RFC 5987 form with charset UTF-8 (UTF-8'lang'%C3%A9...;
//     the language tag, usually empty, is ignored) is decoded and wins over
//     filename (RFC 6266 4.3); FilenameExt is set;
//   - filename* in another charset or malformed, filename*0 and other
//     RFC 2231 continuations, and name* are refused (NotAcceptedError);
//   - a parameter given twice with different values is refused;
//   - other parameters (size, creation-date...) are ignored.
func (p *Part) parseDisposition(cd string) error {
	invalid := func(why string) error { return fmt.Errorf("invalid Content-Disposition %q: %s", cd, why) }
	i := strings.IndexByte(cd, ';')
	if i < 0 {
		i = len(cd)
	}
	disp, rest := strings.ToLower(strings.TrimSpace(cd[:i])), cd[i:]
	if disp == "" {
		return invalid("no disposition type")
	}
	if tok, after := consumeToken(disp); tok != disp || after != "" {
		return invalid("the disposition type is not a token")
	}
	if disp != "form-data" {
		return fmt.Errorf("Content-Disposition of a part is %q, not form-data", disp)
	}
	params := map[string]string{}
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			break
		}
		if rest[0] != ';' {
			return invalid(fmt.Sprintf("unexpected %q", cut(rest)))
		}
		rest = strings.TrimLeftFunc(rest[1:], unicode.IsSpace)
		if rest == "" {
			break // a trailing semicolon, as ParseMediaType allows
		}
		key, after := consumeToken(rest)
		if key == "" {
			return invalid(fmt.Sprintf("expected a parameter name at %q", cut(rest)))
		}
		key = strings.ToLower(key)
		if strings.Contains(key, "*") && key != "filename*" {
			return notAccepted("Content-Disposition parameter %q of a part is not accepted: "+
				"RFC 2231 continuations and encoded names are not read; send name and filename as quoted strings "+
				"(filename*=UTF-8''... is accepted too)", key)
		}
		after = strings.TrimLeftFunc(after, unicode.IsSpace)
		if !strings.HasPrefix(after, "=") {
			return invalid(fmt.Sprintf("parameter %q has no value", key))
		}
		after = strings.TrimLeftFunc(after[1:], unicode.IsSpace)
		value, after, ok := consumeValue(after)
		if !ok {
			return invalid(fmt.Sprintf("the value of parameter %q is neither a token nor a closed quoted string", key))
		}
		if old, dup := params[key]; dup && old != value {
			return invalid(fmt.Sprintf("parameter %q is given twice", key))
		}
		params[key] = value
		rest = after
	}
	p.Name = params["name"]
	if p.Name == "" {
		return errors.New("multipart part has no name in its Content-Disposition")
	}
	p.Filename, p.HasFilename = params["filename"]
	if ext, ok := params["filename*"]; ok {
		name, err := decodeExtValue(ext)
		if err != nil {
			return notAccepted("Part %q has filename*=%s, which is not accepted: %v; "+
				"send filename*=UTF-8''<percent-encoded UTF-8> or a quoted filename", p.Name, ext, err)
		}
		p.Filename, p.HasFilename, p.FilenameExt = name, true, true
	}
	return nil
}

// decodeExtValue decodes an RFC 5987 ext-value: charset'language'value,
// UTF-8 only.
func decodeExtValue(v string) (string, error) {
	charset, rest, ok1 := strings.Cut(v, "'")
	_, enc, ok2 := strings.Cut(rest, "'")
	if !ok1 || !ok2 {
		return "", errors.New("it is not charset'language'value")
	}
	if !strings.EqualFold(charset, "utf-8") {
		return "", fmt.Errorf("its charset is %q, and only UTF-8 is read", charset)
	}
	var b strings.Builder
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(enc) || !isHex(enc[i+1]) || !isHex(enc[i+2]) {
			return "", fmt.Errorf("%q is not a percent escape", cut(enc[i:]))
		}
		b.WriteByte(unhex(enc[i+1])<<4 | unhex(enc[i+2]))
		i += 2
	}
	return b.String(), nil
}

// cut shortens s for an error message.
func cut(s string) string {
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}

// consumeToken splits off the RFC 2045 token at the start of v.
func consumeToken(v string) (token, rest string) {
	i := 0
	for i < len(v) && isTokenChar(v[i]) {
		i++
	}
	return v[:i], v[i:]
}

// consumeValue splits off a token or a quoted string at the start of v,
// unquoted. As in mime.ParseMediaType, a backslash escapes only the
// characters that need it (tspecials: \" and \\ as curl sends them); before
// any other character it is kept, since MSIE sends paths like "C:\dev\a"
// unescaped. A CR or LF inside is an error, as is a missing end quote.
func consumeValue(v string) (value, rest string, ok bool) {
	if v == "" {
		return "", v, false
	}
	if v[0] != '"' {
		tok, rest := consumeToken(v)
		return tok, rest, tok != ""
	}
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			return b.String(), v[i+1:], true
		case c == '\\' && i+1 < len(v) && isTSpecial(v[i+1]):
			b.WriteByte(v[i+1])
			i++
		case c == '\r' || c == '\n':
			return "", v, false
		default:
			b.WriteByte(c)
		}
	}
	return "", v, false
}

func isTSpecial(c byte) bool { return strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 }

func isTokenChar(c byte) bool { return c > 0x20 && c < 0x7f && !isTSpecial(c) }

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
