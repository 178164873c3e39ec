// Shapes, once at start-up, the text the list first draws when results
// arrive: the monospaced hash, the type glyphs, sizes, mime types, the type
// chips. On Linux, Chromium looks a system font up (and a fallback for a
// glyph the first font lacks) with a synchronous call to the browser
// process the first time it is needed. The first results of a burst arrive
// just as the engine's workers start reading, when that process is at its
// busiest, and the frame that first drew a hash waited 40-60 ms on the
// lookup (bench:many, 10,000 files: a long task in 4 runs of 5; 0 of 5
// with this). The sample is laid out off screen, hidden from assistive
// technology and inert, and removed two frames later (Chromium keeps the
// fonts it found for the page's life).

import { DATA_TYPES } from '../../types.js';

export function warmFonts(host = document.body) {
  const box = document.createElement('div');
  box.className = 'font-warm';
  box.setAttribute('aria-hidden', 'true');
  box.inert = true;
  const glyphs = DATA_TYPES.map((t) => `${t.glyph} 1,234 ${t.label.toLowerCase()}`).join(' ');
  const add = (parent, cls, text) => {
    const span = document.createElement('span');
    span.className = cls;
    span.textContent = text;
    parent.append(span);
    return span;
  };
  // The cells inside a .row, as the list's rules select them.
  const row = add(box, 'row', '');
  add(row, 'ic', DATA_TYPES.map((t) => t.glyph).join(''));
  add(row, 'name', 'folder/file-name_01.csv …');
  add(row, 'meta', '640×480 · 12 rows × 4 columns · 0:03');
  add(row, 'mime', 'text/csv application/json image/png');
  add(row, 'size num', '1,023.9 KiB 12 B');
  add(row, 'hash', '0123456789abcdef ✕');
  add(box, 'chip', glyphs);
  host.append(box);
  requestAnimationFrame(() => requestAnimationFrame(() => box.remove()));
}
