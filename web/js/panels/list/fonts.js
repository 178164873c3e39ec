// Lays out, once at start-up, the text the Files panel first shows when
// files arrive: its hidden parts (progress, list tools, the list's head)
// and a row with every kind of cell, the type glyphs and chips. On Linux,
// Chromium looks a system font up (each family, weight and size, and a
// fallback for a glyph the first font lacks) with a synchronous call to
// the browser process the first time it is needed. The first files arrive
// just as the engine's workers start reading, when that process is at its
// busiest, and the frame that first drew the list waited 40-80 ms on those
// lookups: a long task after every first choice of a file (bench:hash's
// start-up race; bench:many, 10,000 files, in 4 runs of 5 when only the
// row's text was sampled). The copy is invisible, laid out off screen,
// with no attribute but its classes, hidden from assistive technology and
// inert, and removed two frames later (Chromium keeps the fonts it found for the page's life).

import { DATA_TYPES } from '../../types.js';

const ROW_TEXT = {
  'c-ic': DATA_TYPES.map((t) => t.glyph).join(''),
  'c-name': 'folder/file-name_01.csv …',
  meta: '640×480 · 12 rows × 4 columns · 0:03',
  mime: 'text/csv application/json image/png',
  size: '1,023.9 KiB 12 B',
  hash: '0123456789abcdef ✕',
};

/**
 * @param {Element} panel the Files panel (copied, not changed)
 * @param {HTMLTemplateElement | null} rowTemplate the list's row
 */
export function warmFonts(panel, rowTemplate, host = document.body) {
  const box = document.createElement('div');
  box.className = 'font-warm';
  box.setAttribute('aria-hidden', 'true');
  box.inert = true;
  const copy = panel.cloneNode(true);
  const row = rowTemplate?.content.firstElementChild?.cloneNode(true);
  if (row) {
    for (const [cls, text] of Object.entries(ROW_TEXT)) {
      const cell = row.querySelector(`.${cls}`);
      if (cell) (cell.querySelector('button, .ic') ?? cell).textContent = text;
    }
    (copy.querySelector('.list-body') ?? copy).append(row);
  }
  const chips = copy.querySelector('.chips') ?? copy;
  for (const t of DATA_TYPES) {
    const chip = document.createElement('button');
    chip.type = 'button';
    chip.className = `chip chip-${t.type}`;
    chip.textContent = `${t.glyph} 1,234 ${t.label.toLowerCase()}`;
    chips.append(chip);
  }
  // Only its text and classes matter: nothing a test or assistive
  // technology finds the real panel by (ids, roles, labels, data-total...)
  // may exist twice, even for two frames.
  for (const el of [copy, ...copy.querySelectorAll('*')]) {
    for (const { name } of [...el.attributes]) {
      if (name !== 'class' && name !== 'type') el.removeAttribute(name);
    }
  }
  // The weight a pressed chip and a row being sent take from attributes.
  chips.querySelector('.chip')?.style.setProperty('font-weight', '600');
  box.append(copy);
  host.append(box);
  requestAnimationFrame(() => requestAnimationFrame(() => box.remove()));
}
