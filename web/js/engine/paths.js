// One path on its own, checked synchronously with the server's rules: the
// JavaScript twin of core/repo's CleanPath (core/repo/path.go), word for
// word, so engine.validatePath() can answer without a round trip to a
// worker. The rules between paths (duplicates, a file that is also a
// folder, normalisation twins) stay in Go (the engine's checkPaths).
//
// The two cannot drift unnoticed: core/repo/testdata/paths.json is run by
// the Go tests and against this file (web/test/paths.test.js), and a
// Chromium test compares this file's message with Go's, character for
// character, for thousands of generated paths (web/test/engine-api.test.js).

export const MAX_PATH_BYTES = 1024;
export const MAX_NAME_BYTES = 255;

const utf8 = new TextEncoder();
const bytes = (s) => utf8.encode(s).length;

// Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and
// the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const FORMAT = /^\p{Cf}$/u;
const hex = (n, width) => n.toString(16).padStart(width, '0');

/** Go's %q of s (strconv.Quote); with runes, only the first that many characters (%.Nq). */
export function goQuote(s, runes = Infinity) {
  let out = '"';
  let n = 0;
  for (const ch of s) {
    if (n++ >= runes) break;
    const r = ch.codePointAt(0);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (r >= 0x20 && r < 0x7f) out += ch;
    else if (r >= 0x80 && PRINTABLE.test(ch)) out += ch;
    else if (r === 7) out += '\\a';
    else if (r === 8) out += '\\b';
    else if (r === 12) out += '\\f';
    else if (r === 10) out += '\\n';
    else if (r === 13) out += '\\r';
    else if (r === 9) out += '\\t';
    else if (r === 11) out += '\\v';
    else if (r < 0x20 || r === 0x7f) out += `\\x${hex(r, 2)}`;
    else if (r < 0x10000) out += `\\u${hex(r, 4)}`;
    else out += `\\U${hex(r, 8)}`;
  }
  return `${out}"`;
}

/** Go's %U: U+0041, U+1F600. */
const goU = (r) => `U+${r.toString(16).toUpperCase().padStart(4, '0')}`;

const RUNE_NAMES = new Map([
  [0x00ad, 'SOFT HYPHEN'],
  [0x034f, 'COMBINING GRAPHEME JOINER'],
  [0x061c, 'ARABIC LETTER MARK'],
  [0x115f, 'HANGUL CHOSEONG FILLER'],
  [0x1160, 'HANGUL JUNGSEONG FILLER'],
  [0x17b4, 'KHMER VOWEL INHERENT AQ'],
  [0x17b5, 'KHMER VOWEL INHERENT AA'],
  [0x180e, 'MONGOLIAN VOWEL SEPARATOR'],
  [0x200b, 'ZERO WIDTH SPACE'],
  [0x200c, 'ZERO WIDTH NON-JOINER'],
  [0x200d, 'ZERO WIDTH JOINER'],
  [0x200e, 'LEFT-TO-RIGHT MARK'],
  [0x200f, 'RIGHT-TO-LEFT MARK'],
  [0x2028, 'LINE SEPARATOR'],
  [0x2029, 'PARAGRAPH SEPARATOR'],
  [0x202a, 'LEFT-TO-RIGHT EMBEDDING'],
  [0x202b, 'RIGHT-TO-LEFT EMBEDDING'],
  [0x202c, 'POP DIRECTIONAL FORMATTING'],
  [0x202d, 'LEFT-TO-RIGHT OVERRIDE'],
  [0x202e, 'RIGHT-TO-LEFT OVERRIDE'],
  [0x2060, 'WORD JOINER'],
  [0x2066, 'LEFT-TO-RIGHT ISOLATE'],
  [0x2067, 'RIGHT-TO-LEFT ISOLATE'],
  [0x2068, 'FIRST STRONG ISOLATE'],
  [0x2069, 'POP DIRECTIONAL ISOLATE'],
  [0x2800, 'BRAILLE PATTERN BLANK'],
  [0x3164, 'HANGUL FILLER'],
  [0xfeff, 'ZERO WIDTH NO-BREAK SPACE (byte order mark)'],
  [0xffa0, 'HALFWIDTH HANGUL FILLER'],
]);

// invisible(r) in core/repo/path.go: what r is when a path may not hold it, else ''.
function invisible(r, ch) {
  let kind = 'the invisible character';
  if (r === 0x2028 || r === 0x2029) kind = 'the line break character';
  else if (r === 0x061c || r === 0x200e || r === 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)) kind = 'the text-direction control';
  else if (r === 0x034f || r === 0x115f || r === 0x1160 || r === 0x17b4 || r === 0x17b5 || r === 0x2800 || r === 0x3164 || r === 0xffa0) {
    // drawn as nothing although a letter or symbol
  } else if (!FORMAT.test(ch)) return '';
  const name = RUNE_NAMES.get(r);
  return name ? `${kind} ${goU(r)} ${name}` : `${kind} ${goU(r)}`;
}

// ASCII-only case folding is enough here: no other character folds to . o x e n.
const isOxen = (s) => s.length === 5 && s.toLowerCase() === '.oxen';

/**
 * null when p is a valid file path inside a repository, else the server's
 * message (the same words, quoted as Go quotes them). A lone UTF-16
 * surrogate is read as U+FFFD, as it is when the path reaches Go.
 */
export function pathProblem(p) {
  p = String(p);
  p = p.toWellFormed ? p.toWellFormed() : p.replace(/\p{Cs}/gu, '\uFFFD');
  if (p === '') return 'file path is empty';
  const n = bytes(p);
  if (n > MAX_PATH_BYTES) return `file path ${goQuote(p, 64)}... is ${n} bytes long, over the limit of ${MAX_PATH_BYTES} bytes`;
  const q = goQuote(p);
  for (const ch of p) {
    const r = ch.codePointAt(0);
    if (r < 0x20 || r === 0x7f || (r >= 0x80 && r < 0xa0)) return `file path ${q} contains the control character ${goU(r)}`;
    if (r >= 0xa0) {
      const what = invisible(r, ch);
      if (what) return `file path ${q} contains ${what}; paths may not hold invisible characters, text-direction controls or line breaks, which can make a name look like another`;
    }
  }
  if (p.includes('\\')) return `file path ${q} contains a backslash; use / to separate folders`;
  if (p[0] === '/') return `file path ${q} is absolute; it must be relative to the repository root`;
  if (p.endsWith('/')) return `file path ${q} ends with /, so it names a folder, not a file`;
  for (const seg of p.split('/')) {
    if (seg === '') return `file path ${q} contains an empty segment (//)`;
    if (seg === '.') return `file path ${q} contains a . segment`;
    if (seg === '..') return `file path ${q} contains a .. segment, which would leave the repository`;
    const len = bytes(seg);
    if (len > MAX_NAME_BYTES) return `file path ${q} has a name of ${len} bytes, over the limit of ${MAX_NAME_BYTES} bytes per file or folder name`;
  }
  const first = p.split('/', 1)[0];
  if (first === '.oxen') return `file path ${q} is inside .oxen, which Oxen reserves for itself`;
  if (isOxen(first.replace(/[. ]+$/, ''))) return `file path ${q} is inside ${goQuote(first)}, which is .oxen on macOS and Windows; Oxen reserves .oxen for itself`;
  return null;
}
