// The controls above the list: filter by path, sort (by the order added,
// path, size or type; either way), group by folder, select every row shown
// and remove the selected files; the column heads show and set the sort;
// a status line says how many files a filter shows (a polite live region),
// with a button that shows them all again. All of it is the store's
// settings and selection (store/entries.js); this only draws and sets them.

import { CHANGED } from '../../store/entries.js';
import { formatCount } from '../../format.js';
import { throttledDraw } from '../throttle.js';

const FILTER_MS = 150;

/**
 * @param {{store: import('../../store/entries.js').EntriesStore, grid: import('./grid.js').FileGrid}} deps
 */
// Sets an element's text only when it changes: the same text set again
// still replaces the text node, which costs a style and layout pass.
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

export function mountListTools({ store, grid }) {
  const $ = (id) => document.getElementById(id);
  const els = { tools: $('list-tools'), text: $('filter-text'), sort: $('sort-key'), dir: $('sort-dir'), group: $('group-folders'), shown: $('select-shown'), remove: $('remove-selected'), status: $('list-status') };
  const heads = grid.head.querySelectorAll('[data-sort]');

  let typing = 0;
  els.text.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => store.setText(els.text.value), FILTER_MS);
  });
  els.sort.addEventListener('change', () => store.setSort(els.sort.value));
  els.dir.addEventListener('click', () => store.setSort(store.settings.sort, !store.settings.desc));
  const sortBy = (head) => {
    const key = head.dataset.sort;
    store.setSort(key, store.settings.sort === key ? !store.settings.desc : false);
  };
  // The sortable headings are part of the grid's keyboard model (as in the
  // APG grid): ↑ on the first row goes up to them, ← and → move between
  // them, Enter or Space sorts, ↓ goes to the first row, Escape back to the
  // row that was active. They
  // are never in the Tab order: the list stays one tab stop.
  const list = [...heads];
  for (const [i, head] of list.entries()) {
    head.tabIndex = -1;
    head.addEventListener('click', () => sortBy(head));
    head.addEventListener('keydown', (e) => {
      const to = { ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: list.length - 1 }[e.key];
      if (to !== undefined) list[Math.max(0, Math.min(list.length - 1, to))].focus();
      else if (e.key === 'Enter' || e.key === ' ') sortBy(head);
      else if (e.key === 'ArrowDown') grid.moveTo(0);
      else if (e.key === 'Escape') grid.focusActive();
      else return;
      e.preventDefault();
      e.stopPropagation();
    });
  }
  grid.el.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowUp' || e.altKey || e.shiftKey || e.ctrlKey || e.metaKey || !e.target.closest('[role=row]:not(.list-head)')) return;
    // The phone layout hides the heads (the toolbar's Sort by does it there).
    if (grid.activeIndex() !== 0 || !list.some((h) => h.getClientRects().length)) return;
    (list.find((h) => h.hasAttribute('aria-sort')) ?? list[0]).focus();
    e.preventDefault();
    e.stopImmediatePropagation();
  }, { capture: true });
  els.group.addEventListener('change', () => store.setGroup(els.group.checked));
  els.shown.addEventListener('change', () => store.select(grid.view.files, els.shown.checked));
  els.remove.addEventListener('click', () => {
    grid.removeFiles(store.selectedEntries());
    // The button is disabled with the selection gone: the focus goes to
    // the list (grid.emptied when no row is left to show).
    draw();
    grid.focusActive();
  });
  els.status.addEventListener('click', (e) => {
    if (!e.target.closest('button')) return;
    els.text.value = '';
    store.showAll();
    grid.focusActive();
  });

  let frame = 0;
  let said = '';
  function draw() {
    frame = 0;
    const { settings, selected } = store;
    els.tools.hidden = store.size === 0;
    if (document.activeElement !== els.text && els.text.value !== settings.text) els.text.value = settings.text;
    els.sort.value = settings.sort;
    const desc = settings.desc;
    setText(els.dir, desc ? '↓ Descending' : '↑ Ascending');
    els.dir.setAttribute('aria-label', `Sort direction: ${desc ? 'descending' : 'ascending'}`);
    els.group.checked = settings.group;
    for (const head of heads) {
      if (head.dataset.sort === settings.sort) head.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
      else head.removeAttribute('aria-sort');
    }
    const view = grid.view;
    const shown = view.files.length;
    let chosen = 0;
    if (selected.size) for (const e of view.files) if (selected.has(e.path)) chosen++;
    els.shown.checked = shown > 0 && chosen === shown;
    els.shown.indeterminate = chosen > 0 && chosen < shown;
    els.shown.disabled = shown === 0;
    const n = selected.size;
    els.remove.disabled = n === 0 || store.locked;
    setText(els.remove, n ? `Remove ${formatCount(n)} selected` : 'Remove selected');
    drawStatus(shown);
  }

  function drawStatus(shown) {
    const filtered = store.settings.types.size > 0 || store.settings.text.trim() !== '';
    const text = !filtered || !store.size ? '' : shown ? `Showing ${formatCount(shown)} of ${formatCount(store.size)} files.` : `No file matches the filter (${formatCount(store.size)} files listed).`;
    if (text === said) return;
    said = text;
    els.status.replaceChildren();
    if (!text) return;
    const all = document.createElement('button');
    all.type = 'button';
    all.className = 'btn btn-quiet';
    all.textContent = 'Show all';
    els.status.append(text, all);
  }

  // What people act on (the list, the view, a selection, the lock) is drawn
  // in the next frame; a result coming in (totals) changes at most the
  // counts, drawn throttled: drawn every frame while 10,000 files were
  // described, it cost a style and layout pass a frame (bench:many --trace).
  const later = throttledDraw(() => (frame ||= requestAnimationFrame(draw)), store);
  store.subscribe((mask) => {
    if (mask & (CHANGED.LIST | CHANGED.VIEW | CHANGED.SELECTION | CHANGED.LOCK)) frame ||= requestAnimationFrame(draw);
    else if (mask & CHANGED.TOTALS) later();
  });
  draw();
}
