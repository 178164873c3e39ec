// The file list: an ARIA grid (a treegrid when grouped by folder) of
// fixed-height rows, drawn only where the list's box can show them (plus a
// few on either side, and the active row), so the page holds a few dozen
// rows whether 10 or 100,000 files are listed. The whole list is one stop
// in the tab order: the active row has tabindex 0, the others -1, and the
// keys (keys.js) move the active row. Rows are reused as it scrolls.
// #file-list carries data-total, data-described and data-failed (counts of
// every entry, drawn or not), the page's contract with its tests.

import { CHANGED } from '../../store/entries.js';
import { keyOf, levelOf } from '../../store/view.js';
import { warmFonts } from './fonts.js';
import { onGridKey } from './keys.js';
import { paintFolder, paintRow, resetRow, setPath } from './row.js';

const OVERSCAN = 6; // rows drawn beyond each edge of the box
// Results arrive dozens a second; a frame per result pays style, paint and
// layerize each time for a row or two. The next frame for results waits
// until RESULT_GAP_MS after the last one; scrolling, keys and the last
// result draw at once.
const RESULT_GAP_MS = 100;
// While results stream in, a list sorted or filtered by what they tell is
// sorted again at most this often.
const RESORT_MS = 400;
const SPARE_ROWS = 64;

const setAttr = (el, name, value) => {
  const v = String(value);
  if (el.getAttribute(name) !== v) el.setAttribute(name, v);
};

export class FileGrid {
  #rows = new Map(); // key → row element drawn
  #spare = { file: [], folder: [] };
  #dirty = new Set(); // keys of rows to repaint
  #frame = 0; // a requested animation frame
  #timer = 0; // a frame requested later (results)
  #resort = 0;
  #lastFrameAt = -Infinity;
  #rowH = 46;
  #headH = 0;
  #anchor = null; // where a range selection starts

  /**
   * @param {{store: import('../../store/entries.js').EntriesStore, open: (entry: any) => void,
   *          emptied: () => void}} deps  open: preview a file; emptied: the last row went (focus elsewhere)
   */
  constructor({ store, open, emptied }) {
    this.store = store;
    this.open = open;
    this.emptied = emptied;
    this.el = document.getElementById('file-list');
    this.body = this.el.querySelector('.list-body');
    this.head = this.el.querySelector('.list-head');
    this.keysHint = document.getElementById('list-keys');
    this.templates = { file: document.getElementById('row-template').content.firstElementChild, folder: document.getElementById('folder-template').content.firstElementChild };
    warmFonts(this.el.closest('.panel') ?? this.el, document.getElementById('row-template'));
    store.subscribe((mask, entry) => {
      if (mask & CHANGED.ROW && entry && this.#rows.has(entry.path)) this.#dirty.add(entry.path);
      if (mask & (CHANGED.LIST | CHANGED.VIEW | CHANGED.SELECTION | CHANGED.ACTIVE | CHANGED.LOCK | CHANGED.UPLOAD)) this.schedule(true);
      // The result that leaves nothing pending (one big file's hash, the
      // end of a drop) is what people wait for: drawn at the next frame.
      else if (mask & (CHANGED.ROW | CHANGED.TOTALS)) this.schedule(store.pending() === 0);
    });
    this.el.addEventListener('scroll', () => this.schedule(true), { passive: true });
    new ResizeObserver(() => {
      this.#measure();
      this.schedule(true);
    }).observe(this.el);
    this.el.addEventListener('keydown', (e) => onGridKey(e, this));
    this.el.addEventListener('click', (e) => this.#click(e));
    // Whatever gets the focus in the list (a row, a click on its name)
    // makes its row the active one: the list's tab stop.
    this.el.addEventListener('focusin', (e) => {
      const row = e.target.closest('.row');
      if (row?._item) store.setActive(keyOf(row._item));
    });
    this.#measure();
  }

  #measure() {
    this.#rowH = parseFloat(getComputedStyle(this.el).getPropertyValue('--row-h')) || 46;
    this.#headH = this.head.offsetHeight;
  }

  /** Asks for a frame: now (scrolling, keys, new rows) or after the results' gap. */
  schedule(now) {
    if (this.#frame) return;
    const wait = now ? 0 : this.#lastFrameAt + RESULT_GAP_MS - performance.now();
    if (wait > 0) {
      this.#timer ||= setTimeout(() => {
        this.#timer = 0;
        this.schedule(true);
      }, wait);
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = 0;
    this.#frame = requestAnimationFrame(() => this.render());
  }

  /** The rows shown, in order (store/view.js). */
  get view() {
    return this.store.view(RESORT_MS);
  }

  /** The index of the active row, or -1. */
  activeIndex() {
    return this.store.active === null ? -1 : this.view.indexOf(this.store.active);
  }

  /** How many rows a page (Page Up, Page Down) moves. */
  pageSize() {
    return Math.max(1, Math.floor((this.el.clientHeight - this.#headH) / this.#rowH) - 1);
  }

  /** Draws the rows the box shows now (and the active one). */
  render() {
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.#lastFrameAt = performance.now();
    const { store, el } = this;
    const view = this.view;
    const items = view.items;
    const n = items.length;
    const empty = store.size === 0;
    el.hidden = empty;
    this.keysHint.hidden = empty;
    setAttr(el, 'data-total', store.size);
    setAttr(el, 'data-described', store.totals.described);
    setAttr(el, 'data-failed', store.totals.failed);
    setAttr(el, 'data-shown', n);
    setAttr(el, 'aria-rowcount', n + 1);
    setAttr(el, 'role', store.settings.group ? 'treegrid' : 'grid');
    this.body.style.height = `${n * this.#rowH}px`;
    if (n && (store.active === null || view.indexOf(store.active) < 0)) store.active = keyOf(items[0]);
    const active = n ? view.indexOf(store.active) : -1;
    const top = el.scrollTop - this.#headH;
    const first = Math.max(0, Math.floor(top / this.#rowH) - OVERSCAN);
    const last = Math.min(n, Math.ceil((top + el.clientHeight) / this.#rowH) + OVERSCAN);
    const wanted = new Map();
    for (let i = first; i < last; i++) wanted.set(keyOf(items[i]), i);
    if (active >= 0) wanted.set(store.active, active);
    for (const [key, row] of this.#rows) {
      if (wanted.has(key)) continue;
      this.#release(row);
      this.#rows.delete(key);
    }
    const dirtyAny = this.#dirty.size > 0;
    for (const [key, i] of wanted) this.#draw(key, items[i], i, i === active, dirtyAny);
    this.#dirty.clear();
    if (store.viewStale && !this.#resort) {
      this.#resort = setTimeout(() => {
        this.#resort = 0;
        this.schedule(true);
      }, RESORT_MS);
    }
  }

  #draw(key, item, i, isActive, dirtyAny) {
    const { store } = this;
    const folder = item.kind === 'folder';
    let row = this.#rows.get(key);
    let paint = this.#dirty.has(key) || (folder && dirtyAny);
    if (!row) {
      row = this.#spare[folder ? 'folder' : 'file'].pop() || this.templates[folder ? 'folder' : 'file'].cloneNode(true);
      row._item = item;
      if (!folder) setPath(row, item.path);
      this.#rows.set(key, row);
      this.body.append(row);
      paint = true;
    } else if (row._item !== item) {
      // The same path, another entry (a file replaced), or a folder of a
      // rebuilt view: the row stays (it may have the focus), redrawn.
      if (!folder) {
        resetRow(row);
        setPath(row, item.path);
      }
      row._item = item;
      paint = true;
    }
    if (row._i !== i) {
      row._i = i;
      row.style.transform = `translateY(${i * this.#rowH}px)`;
      setAttr(row, 'aria-rowindex', i + 2);
    }
    if (paint) {
      if (folder) paintFolder(row, item);
      else paintRow(row, item, store);
    }
    setAttr(row, 'tabindex', isActive ? 0 : -1);
    setAttr(row, 'aria-selected', folder ? item.files.length > 0 && item.files.every(store.isSelected, store) : store.isSelected(item));
    if (store.settings.group) {
      setAttr(row, 'aria-level', levelOf(item));
      row.style.setProperty('--level', levelOf(item));
    } else if (row.hasAttribute('aria-level')) {
      row.removeAttribute('aria-level');
      row.style.removeProperty('--level');
    }
  }

  #release(row) {
    row.remove();
    row._item = null;
    row._i = -1;
    const kind = row.classList.contains('folder') ? 'folder' : 'file';
    if (kind === 'file') resetRow(row);
    if (this.#spare[kind].length < SPARE_ROWS) this.#spare[kind].push(row);
  }

  /** The row drawn for key, or null. */
  rowOf(key) {
    return this.#rows.get(key) || null;
  }

  /** Scrolls the box so that row i is in full view (below the sticky head). */
  reveal(i) {
    const el = this.el;
    const top = i * this.#rowH;
    const height = el.clientHeight - this.#headH;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + this.#rowH > el.scrollTop + height) el.scrollTop = top + this.#rowH - height;
  }

  /** Makes row i active, in view and focused; select: also selects the rows from the anchor. */
  moveTo(i, { extend = false } = {}) {
    const items = this.view.items;
    if (!items.length) return;
    i = Math.max(0, Math.min(items.length - 1, i));
    const from = this.activeIndex();
    if (extend) {
      this.#anchor ??= from;
      const [a, b] = this.#anchor < i ? [this.#anchor, i] : [i, this.#anchor];
      this.store.select(filesOf(items.slice(a, b + 1)), true);
    } else this.#anchor = null;
    this.store.setActive(keyOf(items[i]));
    this.focusActive(i);
  }

  /** Draws now and puts the focus on the active row (first revealing row i). */
  focusActive(i = this.activeIndex()) {
    if (i >= 0) this.reveal(i);
    this.render();
    const row = this.store.active === null ? null : this.#rows.get(this.store.active);
    if (row) row.focus({ preventScroll: true });
    else this.emptied();
  }

  /** Toggles the selection of an item (a folder: every file shown under it); range: from the anchor. */
  toggleSelect(item, { range = false } = {}) {
    const items = this.view.items;
    const i = items.indexOf(item);
    if (range && this.#anchor !== null && i >= 0) {
      const [a, b] = this.#anchor < i ? [this.#anchor, i] : [i, this.#anchor];
      this.store.select(filesOf(items.slice(a, b + 1)), true);
      return;
    }
    const files = filesOf([item]);
    this.store.select(files, !files.every(this.store.isSelected, this.store));
    this.#anchor = i;
  }

  /** Opens or closes a folder row. */
  setExpanded(folder, expanded) {
    this.store.setExpanded(folder.key, expanded);
  }

  /** Removes the selected files, else those of the active row; the focus stays in the list. */
  removeChosen() {
    const { store } = this;
    if (store.locked) return;
    let files = store.selectedEntries();
    if (!files.length) {
      const item = this.view.items[this.activeIndex()];
      files = item ? filesOf([item]) : [];
    }
    this.removeFiles(files);
  }

  /** Removes files and keeps the focus in the list (on the row now in the active one's place). */
  removeFiles(files) {
    if (!files.length || this.store.locked) return;
    const hadFocus = this.el.contains(document.activeElement);
    this.store.remove(files);
    if (hadFocus) this.focusActive();
  }

  #click(e) {
    const row = e.target.closest('.row');
    const item = row?._item;
    if (!item) return;
    if (e.target.closest('.rm')) {
      row.focus({ preventScroll: true });
      this.removeFiles([item]);
    } else if (e.target.closest('.c-sel')) this.toggleSelect(item, { range: e.shiftKey });
    else if (e.target.closest('.name')) {
      if (item.kind === 'folder') this.setExpanded(item, !item.expanded);
      else this.open(item);
    }
    this.render(); // what a click did shows at once
  }
}

/** The files of rows: a file row's entry, a folder row's files. */
export function filesOf(items) {
  const out = [];
  for (const it of items) {
    if (it.kind !== 'folder') out.push(it);
    else for (const e of it.files) out.push(e);
  }
  return out;
}
