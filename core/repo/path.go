package repo

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxPathBytes bounds a file path inside a repository, MaxNameBytes each
// of its names (the common file system limit, NAME_MAX).
const (
	MaxPathBytes = 1024
	MaxNameBytes = 255
)

// CleanPath validates a file path of a dropped file or folder tree: a
// relative, slash-separated path whose every segment is a real name, with
// no control characters, no invisible characters and no text-direction
// controls (see invisible). It does not rewrite anything (a path that needs
// cleaning is an error, so the path a user sees is the path stored), and
// returns p itself when valid. Rules between paths (duplicates, a file that
// is also a folder, normalisation twins) are PathSet's.
func CleanPath(p string) (string, error) {
	switch {
	case p == "":
		return "", fmt.Errorf("file path is empty")
	case len(p) > MaxPathBytes:
		return "", fmt.Errorf("file path %.64q... is %d bytes long, over the limit of %d bytes", p, len(p), MaxPathBytes)
	case !utf8.ValidString(p):
		return "", fmt.Errorf("file path %q is not valid UTF-8", p)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return "", fmt.Errorf("file path %q contains the control character %U", p, r)
		}
		if r >= 0xa0 {
			if what := invisible(r); what != "" {
				return "", fmt.Errorf("file path %q contains %s; paths may not hold invisible characters, text-direction controls or line breaks, which can make a name look like another", p, what)
			}
		}
	}
	switch {
	case strings.ContainsRune(p, '\\'):
		return "", fmt.Errorf("file path %q contains a backslash; use / to separate folders", p)
	case p[0] == '/':
		return "", fmt.Errorf("file path %q is absolute; it must be relative to the repository root", p)
	case p[len(p)-1] == '/':
		return "", fmt.Errorf("file path %q ends with /, so it names a folder, not a file", p)
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "":
			return "", fmt.Errorf("file path %q contains an empty segment (//)", p)
		case ".":
			return "", fmt.Errorf("file path %q contains a . segment", p)
		case "..":
			return "", fmt.Errorf("file path %q contains a .. segment, which would leave the repository", p)
		}
		if len(seg) > MaxNameBytes {
			return "", fmt.Errorf("file path %q has a name of %d bytes, over the limit of %d bytes per file or folder name", p, len(seg), MaxNameBytes)
		}
	}
	if first, _, _ := strings.Cut(p, "/"); first == ".oxen" {
		return "", fmt.Errorf("file path %q is inside .oxen, which Oxen reserves for itself", p)
	} else if strings.EqualFold(strings.TrimRight(first, ". "), ".oxen") {
		// What git does for .git: macOS and Windows ignore case, and
		// Windows drops trailing dots and spaces, so a clone there would
		// write these files into the repository's own .oxen.
		return "", fmt.Errorf("file path %q is inside %q, which is .oxen on macOS and Windows; Oxen reserves .oxen for itself", p, first)
	}
	return p, nil
}

// invisible describes r ("the text-direction control U+202E RIGHT-TO-LEFT
// OVERRIDE") when a path may not contain it, else returns "". Refused:
//
//   - every format character (general category Cf): the text-direction
//     controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069),
//     zero-width space, non-joiner and joiner (U+200B-U+200D), word joiner
//     and invisible operators (U+2060-U+2064), the byte order mark U+FEFF,
//     the soft hyphen U+00AD, tag characters (U+E0001, U+E0020-U+E007F) and
//     the rest of Cf;
//   - the line and paragraph separators U+2028 and U+2029;
//   - characters that draw nothing although they are letters or symbols:
//     the Hangul fillers U+115F, U+1160, U+3164, U+FFA0, the braille blank
//     U+2800, the combining grapheme joiner U+034F and the Khmer inherent
//     vowels U+17B4, U+17B5.
//
// Accepted: variation selectors (U+FE00-U+FE0F, U+E0100-U+E01EF, the
// Mongolian U+180B-U+180D, U+180F), since emoji need them (a red heart is
// U+2764 U+FE0F), and spaces of every width (visible as space).
func invisible(r rune) string {
	kind := "the invisible character"
	switch {
	case r == 0x2028 || r == 0x2029:
		kind = "the line break character"
	case r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
		kind = "the text-direction control"
	case r == 0x034f || r == 0x115f || r == 0x1160 || r == 0x17b4 || r == 0x17b5 || r == 0x2800 || r == 0x3164 || r == 0xffa0:
	case unicode.Is(unicode.Cf, r):
	default:
		return ""
	}
	if name := runeNames[r]; name != "" {
		return fmt.Sprintf("%s %U %s", kind, r, name)
	}
	return fmt.Sprintf("%s %U", kind, r)
}

// runeNames names the refused characters most likely to be met.
var runeNames = map[rune]string{
	0x00ad: "SOFT HYPHEN",
	0x034f: "COMBINING GRAPHEME JOINER",
	0x061c: "ARABIC LETTER MARK",
	0x115f: "HANGUL CHOSEONG FILLER",
	0x1160: "HANGUL JUNGSEONG FILLER",
	0x17b4: "KHMER VOWEL INHERENT AQ",
	0x17b5: "KHMER VOWEL INHERENT AA",
	0x180e: "MONGOLIAN VOWEL SEPARATOR",
	0x200b: "ZERO WIDTH SPACE",
	0x200c: "ZERO WIDTH NON-JOINER",
	0x200d: "ZERO WIDTH JOINER",
	0x200e: "LEFT-TO-RIGHT MARK",
	0x200f: "RIGHT-TO-LEFT MARK",
	0x2028: "LINE SEPARATOR",
	0x2029: "PARAGRAPH SEPARATOR",
	0x202a: "LEFT-TO-RIGHT EMBEDDING",
	0x202b: "RIGHT-TO-LEFT EMBEDDING",
	0x202c: "POP DIRECTIONAL FORMATTING",
	0x202d: "LEFT-TO-RIGHT OVERRIDE",
	0x202e: "RIGHT-TO-LEFT OVERRIDE",
	0x2060: "WORD JOINER",
	0x2066: "LEFT-TO-RIGHT ISOLATE",
	0x2067: "RIGHT-TO-LEFT ISOLATE",
	0x2068: "FIRST STRONG ISOLATE",
	0x2069: "POP DIRECTIONAL ISOLATE",
	0x2800: "BRAILLE PATTERN BLANK",
	0x3164: "HANGUL FILLER",
	0xfeff: "ZERO WIDTH NO-BREAK SPACE (byte order mark)",
	0xffa0: "HALFWIDTH HANGUL FILLER",
}
