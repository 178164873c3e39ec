// The Files panel's head: how many files and bytes, a chip per data type
// (then duplicates and unreadable files) that filters the list, the overall
// hashing bar with its label and a polite live announcement when the phase
// changes, the empty list's message, and Clear all.

import { CHANGED } from '../store/entries.js';
import { formatBytes, formatCount } from '../format.js';
import { DATA_TYPES } from '../types.js';
import { throttledDraw } from './throttle.js';

export function mountTotals({ store, engine, problems }) {
  const $ = (id) => document.getElementById(id);
  const els = { totals: $('totals'), chips: $('type-chips'), overall: $('overall'), bar: $('hash-progress'), label: $('hash-label'), live: $('hash-live'), empty: $('empty-list'), clearAll: $('clear-all') };
  let lastLive = '';
  const setLive = (text) => {
    // Polite announcements only when the phase changes, not on every frame.
    if (text === lastLive) return;
    lastLive = text;
    els.live.textContent = text;
  };

  function draw() {
    const { totals } = store;
    const count = store.size;
    els.empty.hidden = count > 0;
    document.body.classList.toggle('has-files', count > 0);
    els.clearAll.disabled = count === 0 || store.locked;
    if (count === 0) {
      els.totals.textContent = 'None yet';
      els.chips.replaceChildren();
      els.chips.dataset.key = '';
      els.overall.hidden = true;
      setLive('');
      return;
    }
    const bytes = totals.unsized ? `${formatBytes(totals.bytes)} so far` : formatBytes(totals.bytes);
    els.totals.textContent = `${formatCount(count)} ${count === 1 ? 'file' : 'files'} · ${bytes}`;
    drawChips();
    const pending = store.pending();
    els.overall.hidden = false;
    // By bytes once every size is known, by files before that.
    const frac = totals.unsized ? (count - pending) / count : totals.bytes > 0 ? totals.progressBytes / totals.bytes : pending === 0 ? 1 : 0;
    els.bar.value = Math.max(0, Math.min(1, frac));
    if (pending > 0) {
      els.label.textContent = engine.pool
        ? `Hashing ${formatCount(totals.described + totals.failed)} of ${formatCount(count)} files · ${formatBytes(totals.progressBytes)}${totals.unsized ? '' : ` of ${formatBytes(totals.bytes)}`}`
        : engine.error
          ? 'The engine is not running'
          : 'Waiting for the engine…';
      setLive(`Hashing ${formatCount(count)} files`);
    } else {
      els.label.textContent = `${count === 1 ? '1 file' : `All ${formatCount(count)} files`} hashed${totals.failed ? `, ${formatCount(totals.failed)} could not be read` : ''}`;
      setLive(els.label.textContent);
    }
  }

  // Chips: how many of each type, then duplicates and failures; each a
  // toggle that shows only its files (types.js order). A type filtered on
  // keeps its chip at 0, so it can be turned off.
  function drawChips() {
    const { totals, settings } = store;
    const chips = [];
    for (const { type, glyph, label } of DATA_TYPES) {
      const n = totals.byType.get(type) || 0;
      if (n > 0 || settings.types.has(type)) chips.push([type, `${glyph} ${formatCount(n)} ${label.toLowerCase()}`]);
    }
    const dupes = store.duplicates();
    if (dupes || settings.types.has('dup')) chips.push(['dup', `${formatCount(dupes)} duplicate${dupes === 1 ? '' : 's'}`]);
    if (totals.failed || settings.types.has('failed')) chips.push(['failed', `${formatCount(totals.failed)} unreadable`]);
    const key = chips.map((c) => `${c[1]}${settings.types.has(c[0]) ? '+' : ''}`).join('|');
    if (els.chips.dataset.key === key) return;
    els.chips.dataset.key = key;
    const focused = els.chips.contains(document.activeElement) ? document.activeElement.dataset.filter : null;
    const stop = chips.some((c) => c[0] === chipStop) ? chipStop : chips[0]?.[0];
    els.chips.replaceChildren(
      ...chips.map(([t, text]) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = `chip chip-${t}`;
        b.dataset.filter = t;
        b.textContent = text;
        b.setAttribute('aria-pressed', String(settings.types.has(t)));
        b.tabIndex = t === stop ? 0 : -1;
        return b;
      }),
    );
    if (focused) els.chips.querySelector(`[data-filter="${focused}"]`)?.focus();
  }

  // The chips are one tab stop (a toolbar): ← and → move between them.
  let chipStop = null;
  els.chips.addEventListener('click', (e) => {
    const chip = e.target.closest('.chip');
    if (!chip) return;
    const types = new Set(store.settings.types);
    const t = chip.dataset.filter;
    if (types.has(t)) types.delete(t);
    else types.add(t);
    chipStop = t;
    store.setTypes(types);
    drawChips();
  });
  els.chips.addEventListener('keydown', (e) => {
    const chips = [...els.chips.querySelectorAll('.chip')];
    const i = chips.indexOf(document.activeElement);
    const j = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: chips.length - 1 }[e.key];
    if (i < 0 || j === undefined || !chips.length) return;
    e.preventDefault();
    const next = chips[(j + chips.length) % chips.length];
    for (const c of chips) c.tabIndex = c === next ? 0 : -1;
    chipStop = next.dataset.filter;
    next.focus();
  });

  const request = throttledDraw(draw, store);
  store.subscribe((mask) => {
    if (mask & (CHANGED.LIST | CHANGED.TOTALS | CHANGED.LOCK | CHANGED.VIEW)) request();
  });
  els.clearAll.addEventListener('click', () => {
    store.clear();
    problems.hide();
  });
  draw();
  return { draw };
}
