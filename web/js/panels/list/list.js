// The file list: a row per entry, drawn from the store. Rendering is
// batched per animation frame so the page stays responsive with tens of
// thousands of rows.

import { CHANGED } from '../../store/entries.js';
import { unwatchThumbnail } from '../../thumbs.js';
import { makeRow, paintRow } from './row.js';

const FRAME_BUDGET_MS = 8;
// Results arrive dozens a second; a frame per result pays style, paint and
// layerize each time for a row or two. Once the backlog is drawn, the next
// frame waits until RESULT_GAP_MS after the last one, so a burst of results
// is drawn in one pass. New rows and a backlog still go every frame.
const RESULT_GAP_MS = 100;
// Rows live in chunks of CHUNK_ROWS with content-visibility: auto, so the
// browser skips style, layout and paint of every chunk out of view.
const CHUNK_ROWS = 100;
const ROW_HEIGHT = 47; // px, a guess for chunks not yet rendered

export class ListPanel {
  #rows = new Map(); // path → row element
  #pending = []; // entries without a row yet, in order
  #dirty = new Set(); // entries whose row needs repainting
  #frame = false;
  #lastFrameAt = -Infinity;

  constructor({ store, onOpen, onRemove }) {
    this.store = store;
    this.el = document.getElementById('file-list');
    this.template = document.getElementById('row-template').content.firstElementChild;
    store.subscribe((mask, entry) => this.#changed(mask, entry));
    this.el.addEventListener('click', (e) => {
      const button = e.target.closest('button');
      const row = e.target.closest('.row');
      if (!button || !row) return;
      const entry = store.entries.get(row.dataset.path);
      if (!entry) return;
      if (button.classList.contains('rm')) onRemove(entry, row);
      else if (button.classList.contains('name')) onOpen(entry);
    });
  }

  /** The row showing path, or null. */
  rowOf(path) {
    return this.#rows.get(path) || null;
  }

  #changed(mask, entry) {
    if (mask & CHANGED.LIST) {
      if (entry) {
        if (this.#rows.has(entry.path)) this.#dirty.add(entry);
        else this.#pending.push(entry);
      } else this.#dropRemoved();
    }
    if (mask & CHANGED.ROW && entry && this.#rows.has(entry.path)) this.#dirty.add(entry);
    if (mask & (CHANGED.LIST | CHANGED.ROW)) this.#schedule();
  }

  #dropRemoved() {
    const { entries } = this.store;
    for (const [path, row] of this.#rows) {
      if (entries.has(path)) continue;
      unwatchThumbnail(row);
      const chunk = row.parentElement;
      row.remove();
      if (chunk && chunk !== this.el && chunk.childElementCount === 0) chunk.remove();
      this.#rows.delete(path);
    }
    this.#pending = this.#pending.filter((e) => e.state !== 'removed');
  }

  #schedule(now = false) {
    if (this.#frame) return;
    this.#frame = true;
    const wait = now || this.#pending.length ? 0 : this.#lastFrameAt + RESULT_GAP_MS - performance.now();
    if (wait > 0) setTimeout(() => requestAnimationFrame(() => this.#render()), wait);
    else requestAnimationFrame(() => this.#render());
  }

  #lastChunk() {
    let chunk = this.el.lastElementChild;
    if (!chunk || chunk.childElementCount >= CHUNK_ROWS) {
      chunk = document.createElement('div');
      chunk.className = 'chunk';
      chunk.setAttribute('role', 'presentation');
      this.el.append(chunk);
    }
    return chunk;
  }

  #render() {
    this.#frame = false;
    const start = performance.now();
    this.#lastFrameAt = start;
    const { store } = this;
    while (this.#pending.length && performance.now() - start < FRAME_BUDGET_MS) {
      const chunk = this.#lastChunk();
      const frag = document.createDocumentFragment();
      // Small steps, so the time budget is checked often.
      const room = Math.min(20, CHUNK_ROWS - chunk.childElementCount);
      for (let n = 0; n < room && this.#pending.length; n++) {
        const entry = this.#pending.shift();
        if (entry.state === 'removed') continue;
        const row = makeRow(this.template, entry, store);
        this.#rows.set(entry.path, row);
        frag.append(row);
      }
      chunk.append(frag);
      chunk.style.containIntrinsicSize = `auto ${chunk.childElementCount * ROW_HEIGHT}px`;
    }
    for (const entry of this.#dirty) {
      if (performance.now() - start > FRAME_BUDGET_MS * 1.5) break;
      this.#dirty.delete(entry);
      const current = store.entries.get(entry.path);
      const row = this.#rows.get(entry.path);
      if (current && row) paintRow(row, current, store);
    }
    if (this.#pending.length || this.#dirty.size) this.#schedule(true);
  }

  /** Rows in the order shown that are drawn. */
  rowsInOrder() {
    return [...this.#rows.values()];
  }
}
