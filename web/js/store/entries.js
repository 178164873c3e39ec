// The page's one source of truth about its files: every entry (its path,
// its File, how far the engine got describing it, its part in an upload),
// the totals, the selection, the active row, and how the list is sorted,
// filtered and grouped. Panels render from it and subscribe to its changes;
// none keeps a copy. Totals are derived in one place (#account), which adds
// an entry's share before a change and takes it away after, so they cannot
// drift from the entries.

import { buildView, keyOf } from './view.js';

/** What a change touched (a bit mask): listeners redraw only what they show of it. */
export const CHANGED = {
  LIST: 1, // entries added or removed: the rows and their order
  ROW: 2, // one entry's state (passed along with the change)
  TOTALS: 4,
  VIEW: 8, // sort, filter, grouping or a folder opened or closed
  SELECTION: 16,
  ACTIVE: 32,
  LOCK: 64, // an upload started or ended
  UPLOAD: 128, // an entry's part in the upload (passed along with the change, with ROW)
};

/**
 * One file in the list.
 * @typedef {{path: string, lower: string, file: File|null, size: number|null, sizeUnknown: boolean,
 *   state: 'queued'|'hashing'|'done'|'error'|'removed', info: any, error: string, done: number,
 *   controller: AbortController|null, upload: {state: 'waiting'|'sending'|'sent'|'present', pct: number}|null}} Entry
 */

export class EntriesStore {
  /** @type {Map<string, Entry>} in the order added (a replaced path keeps its place) */
  entries = new Map();
  /** @type {Map<string, Set<Entry>>} content hash → the described entries with that content */
  byHash = new Map();
  totals = { unsized: 0, bytes: 0, described: 0, describedBytes: 0, progressBytes: 0, failed: 0, byType: new Map() };
  /** sort: 'added' | 'path' | 'size' | 'type'; types: data types and 'dup'/'failed' shown (none: all); collapsed: folder keys */
  settings = { sort: 'added', desc: false, types: new Set(), text: '', group: false, collapsed: new Set() };
  /** @type {Set<string>} paths of the selected entries */
  selected = new Set();
  /** The key of the active row (the list's focus): a path, or a folder's path ending in "/". */
  active = null;
  /** True while an upload runs: nothing is added or removed then. */
  locked = false;

  #listeners = new Set();
  #waiters = [];
  #view = null;
  #viewAt = 0;
  #hard = true; // the cached view misses or holds entries
  #soft = false; // entries changed what the sort or the filter reads
  #activeHint = 0; // the active row's index, for when its row goes

  /** Calls fn(mask, entry) after every change; returns the unsubscribe function. */
  subscribe(fn) {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #emit(mask, entry = null) {
    for (const fn of this.#listeners) fn(mask, entry);
  }

  get size() {
    return this.entries.size;
  }

  /** Entries listed and not yet described or failed: O(1), it runs per result. */
  pending() {
    return this.entries.size - this.totals.described - this.totals.failed;
  }

  /** Extra copies: each described entry is in one set of byHash. */
  duplicates() {
    return this.totals.described - this.byHash.size;
  }

  /** A string naming the totals once nothing is pending (or the list is empty), else null. */
  settledKey() {
    if (this.entries.size > 0 && this.pending() > 0) return null;
    return `${this.entries.size}/${this.totals.failed}/${this.totals.bytes}/${this.byHash.size}`;
  }

  /** The entries with the same content as entry (itself included), or null. */
  sameContent(entry) {
    return entry.state === 'done' ? this.byHash.get(entry.info.hash) || null : null;
  }

  isDuplicate = (entry) => (this.sameContent(entry)?.size ?? 0) > 1;

  // ---------------------------------------------------------------------
  // Totals: an entry's share, added (sign 1) or taken away (sign -1).

  #account(e, sign) {
    const t = this.totals;
    if (e.size === null) t.unsized += sign;
    else t.bytes += sign * e.size;
    t.progressBytes += sign * e.done;
    if (e.state === 'error') t.failed += sign;
    if (e.state !== 'done') return;
    t.described += sign;
    t.describedBytes += sign * e.size;
    const type = e.info.data_type;
    t.byType.set(type, (t.byType.get(type) || 0) + sign);
    let same = this.byHash.get(e.info.hash);
    if (sign > 0) {
      if (!same) this.byHash.set(e.info.hash, (same = new Set()));
      same.add(e);
    } else if (same) {
      same.delete(e);
      if (same.size === 0) this.byHash.delete(e.info.hash);
    }
    // Rows of the same content show how many copies there are.
    if (same) for (const other of same) if (other !== e) this.#emit(CHANGED.ROW, other);
  }

  /** Changes entry through fn, keeping the totals in step; tells listeners. */
  #update(entry, fn, { sorts = false } = {}) {
    if (entry.state === 'removed') return;
    this.#account(entry, -1);
    fn(entry);
    this.#account(entry, 1);
    if (sorts) this.#soft = true;
    this.#emit(CHANGED.ROW | CHANGED.TOTALS, entry);
    this.#settle();
  }

  // ---------------------------------------------------------------------
  // Entries in and out

  /** Lists a file under path; a path already listed is replaced in its place. Returns {entry, replaced}. */
  add(path, file) {
    const old = this.entries.get(path);
    if (old) this.#retire(old);
    /** @type {Entry} */
    const entry = { path, lower: path.toLowerCase(), file, size: null, sizeUnknown: false, state: 'queued', info: null, error: '', done: 0, controller: null, upload: null };
    this.entries.set(path, entry);
    this.#account(entry, 1);
    this.#hard = true;
    this.#emit(CHANGED.LIST | CHANGED.TOTALS | CHANGED.ROW, entry);
    return { entry, replaced: !!old };
  }

  /**
   * Lists entries already described, without a File: for tests that need a
   * long list without the engine (window.oxdrop.testing.addDescribed).
   * @param {{path: string, info: any}[]} items
   */
  addDescribed(items) {
    for (const { path, info } of items) {
      const old = this.entries.get(path);
      if (old) this.#retire(old);
      const entry = { path, lower: path.toLowerCase(), file: null, size: info.size, sizeUnknown: false, state: 'done', info, error: '', done: info.size, controller: null, upload: null };
      this.entries.set(path, entry);
      this.#account(entry, 1);
    }
    this.#hard = true;
    this.#emit(CHANGED.LIST | CHANGED.TOTALS);
  }

  /** Takes entries out of the list (their work is stopped). */
  remove(entries) {
    if (!entries.length) return;
    this.#rememberActive();
    this.#activeAfter(new Set(entries));
    for (const e of entries) {
      if (e.state === 'removed' || this.entries.get(e.path) !== e) continue;
      this.#retire(e);
      this.entries.delete(e.path);
      this.selected.delete(e.path);
    }
    this.#hard = true;
    this.#emit(CHANGED.LIST | CHANGED.TOTALS | CHANGED.SELECTION);
    this.#settle();
  }

  /** Empties the list; its filters go too (a new drop shows in full). */
  clear() {
    this.remove([...this.entries.values()]);
    this.showAll();
  }

  /** An entry leaves the totals and stops its work; its state says so to whoever still holds it. */
  #retire(entry) {
    entry.controller?.abort();
    entry.controller = null;
    this.#account(entry, -1);
    entry.state = 'removed';
  }

  // ---------------------------------------------------------------------
  // Describing (files/describe.js)

  /** The engine took the entry; controller stops it. */
  start(entry, controller) {
    if (entry.state !== 'queued') return;
    entry.state = 'hashing';
    entry.controller = controller;
  }

  /** done of total bytes hashed; the first report tells the size. */
  progress(entry, done, total) {
    if (entry.state !== 'hashing') return;
    this.#update(entry, (e) => {
      if (e.size === null && Number.isFinite(total)) e.size = total;
      e.done = done;
    });
  }

  /** The engine's description (Go's model.FileInfo). */
  described(entry, info) {
    if (entry.state !== 'hashing') return;
    this.#update(
      entry,
      (e) => {
        e.info = info;
        e.state = 'done';
        e.size ??= info.size;
        e.done = e.size;
        e.controller = null;
      },
      { sorts: true },
    );
  }

  /** The entry could not be read: counted as 0 bytes when its size was never learnt. */
  failed(entry, message) {
    if (entry.state !== 'hashing' && entry.state !== 'queued') return;
    this.#update(
      entry,
      (e) => {
        e.state = 'error';
        e.error = message;
        e.controller = null;
        if (e.size === null) {
          e.size = 0;
          e.sizeUnknown = true;
        }
      },
      { sorts: true },
    );
  }

  /** Resolves once every listed entry is described or failed. */
  whenSettled() {
    if (this.pending() <= 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #settle() {
    if (!this.#waiters.length || this.pending() > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  // ---------------------------------------------------------------------
  // Uploads

  lock(on) {
    this.locked = on;
    this.#emit(CHANGED.LOCK);
  }

  /** A content's upload state on every entry that holds it (copies share it); frac is 0 to 1. */
  markUpload(hash, state, frac) {
    const pct = Math.floor(frac * 100);
    for (const e of this.byHash.get(hash) || []) {
      if (e.upload?.state === state && e.upload.pct === pct) continue;
      e.upload = { state, pct };
      this.#emit(CHANGED.ROW | CHANGED.UPLOAD, e);
    }
  }

  clearUploads() {
    for (const e of this.entries.values()) {
      if (!e.upload) continue;
      e.upload = null;
      this.#emit(CHANGED.ROW | CHANGED.UPLOAD, e);
    }
  }

  // ---------------------------------------------------------------------
  // How the list shows them

  #setView(fn) {
    this.#rememberActive();
    fn(this.settings);
    this.#hard = true;
    this.#emit(CHANGED.VIEW);
  }

  setSort(sort, desc = this.settings.desc) {
    this.#setView((s) => Object.assign(s, { sort, desc }));
  }

  setText(text) {
    if (text !== this.settings.text) this.#setView((s) => (s.text = text));
  }

  /** Shows only the types in the set (none: every file). */
  setTypes(types) {
    this.#setView((s) => (s.types = new Set(types)));
  }

  /** Drops the type and text filters. */
  showAll() {
    if (this.settings.types.size || this.settings.text) this.#setView((s) => Object.assign(s, { types: new Set(), text: '' }));
  }

  setGroup(on) {
    this.#setView((s) => (s.group = on));
  }

  /** Opens or closes a folder of the tree. */
  setExpanded(key, expanded) {
    if (expanded === !this.settings.collapsed.has(key)) return;
    this.#setView((s) => (expanded ? s.collapsed.delete(key) : s.collapsed.add(key)));
  }

  /**
   * The rows shown (store/view.js), rebuilt when entries come or go or the
   * settings change; when only results changed what a sort or a filter
   * reads, a view younger than maxAge ms is kept, so a stream of results
   * does not sort the whole list every frame.
   */
  view(maxAge = 0) {
    const fresh = !this.#hard && (!this.#soft || performance.now() - this.#viewAt < maxAge);
    if (fresh) return this.#view;
    const s = this.settings;
    const reads = s.sort === 'size' || s.sort === 'type' || s.types.size > 0;
    if (!this.#hard && !reads) {
      this.#soft = false;
      return this.#view;
    }
    this.#view = buildView(this.entries.values(), s, this.isDuplicate);
    this.#viewAt = performance.now();
    this.#hard = false;
    this.#soft = false;
    // The active row went (removed, filtered out): the row now in its place is.
    if (this.active !== null && this.#view.indexOf(this.active) < 0) {
      const items = this.#view.items;
      this.active = items.length ? keyOf(items[Math.min(this.#activeHint, items.length - 1)]) : null;
    }
    return this.#view;
  }

  /** Whether view() would give something else now (results changed what the sort or filter reads). */
  get viewStale() {
    return this.#hard || this.#soft;
  }

  #rememberActive() {
    if (this.active === null || !this.#view || this.#hard) return;
    const i = this.#view.indexOf(this.active);
    if (i >= 0) this.#activeHint = i;
  }

  // When the active row goes, the row after it that stays (else the one
  // before) becomes active: the focus moves on in the list, not to its top.
  #activeAfter(removed) {
    const view = this.#view;
    const i = this.active === null || !view || this.#hard ? -1 : view.indexOf(this.active);
    if (i < 0) return;
    const items = view.items;
    const gone = (it) => (it.kind === 'folder' ? it.files.every((e) => removed.has(e)) : removed.has(it));
    if (!gone(items[i])) return;
    let j = i + 1;
    while (j < items.length && gone(items[j])) j++;
    if (j === items.length) for (j = i - 1; j >= 0 && gone(items[j]); ) j--;
    this.active = j >= 0 ? keyOf(items[j]) : null;
  }

  setActive(key) {
    if (key === this.active) return;
    this.active = key;
    this.#emit(CHANGED.ACTIVE);
  }

  // ---------------------------------------------------------------------
  // Selection

  isSelected(entry) {
    return this.selected.has(entry.path);
  }

  /** Selects (on) or unselects entries. */
  select(entries, on) {
    let changed = false;
    for (const e of entries) {
      if (e.state === 'removed' || this.isSelected(e) === on) continue;
      if (on) this.selected.add(e.path);
      else this.selected.delete(e.path);
      changed = true;
    }
    if (changed) this.#emit(CHANGED.SELECTION);
  }

  clearSelection() {
    if (!this.selected.size) return;
    this.selected.clear();
    this.#emit(CHANGED.SELECTION);
  }

  /** The selected entries, in the order added. */
  selectedEntries() {
    const out = [];
    for (const path of this.selected) {
      const e = this.entries.get(path);
      if (e) out.push(e);
    }
    return out;
  }
}
