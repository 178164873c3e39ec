// Unit tests of the list's rows (web/js/store/view.js) and of the entries
// store (web/js/store/entries.js), in Node: sorts, filters, the folder tree,
// and totals that stay in step through every change.
import test from 'node:test';
import assert from 'node:assert/strict';
import { buildView, keyOf, levelOf } from '../js/store/view.js';
import { EntriesStore } from '../js/store/entries.js';

const entry = (path, size, type, hash = path) => ({ path, lower: path.toLowerCase(), size, state: type ? 'done' : 'queued', info: type ? { data_type: type, hash } : null });
const ENTRIES = [entry('b/Zeta.txt', 30, 'text'), entry('a.csv', 10, 'tabular', 'same'), entry('b/c/d.png', 20, 'image'), entry('waiting.bin', null, null), entry('B/x.csv', 5, 'tabular', 'same')];
const settings = (more = {}) => ({ sort: 'added', desc: false, types: new Set(), text: '', group: false, collapsed: new Set(), ...more });
const dup = (e) => e.info?.hash === 'same';
const paths = (view) => view.items.map(keyOf);

test('sorts: the order added (either way), path without case, size and type with files not described last', () => {
  assert.deepEqual(paths(buildView(ENTRIES, settings(), dup)), ['b/Zeta.txt', 'a.csv', 'b/c/d.png', 'waiting.bin', 'B/x.csv']);
  assert.deepEqual(paths(buildView(ENTRIES, settings({ desc: true }), dup)), ['B/x.csv', 'waiting.bin', 'b/c/d.png', 'a.csv', 'b/Zeta.txt']);
  assert.deepEqual(paths(buildView(ENTRIES, settings({ sort: 'path' }), dup)), ['a.csv', 'b/c/d.png', 'B/x.csv', 'b/Zeta.txt', 'waiting.bin']);
  assert.deepEqual(paths(buildView(ENTRIES, settings({ sort: 'size' }), dup)), ['B/x.csv', 'a.csv', 'b/c/d.png', 'b/Zeta.txt', 'waiting.bin']);
  assert.deepEqual(paths(buildView(ENTRIES, settings({ sort: 'size', desc: true }), dup)), ['b/Zeta.txt', 'b/c/d.png', 'a.csv', 'B/x.csv', 'waiting.bin']);
  assert.deepEqual(paths(buildView(ENTRIES, settings({ sort: 'type' }), dup)), ['b/c/d.png', 'a.csv', 'B/x.csv', 'b/Zeta.txt', 'waiting.bin']);
});

test('filters: types (any of them), duplicates, text without case; files not described pass no type filter', () => {
  assert.deepEqual(paths(buildView(ENTRIES, settings({ types: new Set(['tabular', 'image']) }), dup)), ['a.csv', 'b/c/d.png', 'B/x.csv']);
  assert.deepEqual(paths(buildView(ENTRIES, settings({ types: new Set(['dup']) }), dup)), ['a.csv', 'B/x.csv']);
  assert.deepEqual(paths(buildView(ENTRIES, settings({ text: ' B/ ' }), dup)), ['b/Zeta.txt', 'b/c/d.png', 'B/x.csv']);
  assert.deepEqual(paths(buildView(ENTRIES, settings({ text: 'b/', types: new Set(['tabular']) }), dup)), ['B/x.csv']);
  const none = buildView(ENTRIES, settings({ text: 'nothing' }), dup);
  assert.deepEqual([none.items.length, none.files.length, none.indexOf('a.csv')], [0, 0, -1]);
});

test('the folder tree: folders first by name, then files in the sort; a closed folder hides what it holds; levels', () => {
  const view = buildView(ENTRIES, settings({ group: true, sort: 'size' }), dup);
  assert.deepEqual(paths(view), ['B/', 'B/x.csv', 'b/', 'b/c/', 'b/c/d.png', 'b/Zeta.txt', 'a.csv', 'waiting.bin']);
  assert.deepEqual(view.items.map(levelOf), [1, 2, 1, 2, 3, 2, 1, 1]);
  const b = view.items[view.indexOf('b/')];
  assert.deepEqual([b.kind, b.name, b.expanded, b.files.map((e) => e.path)], ['folder', 'b', true, ['b/Zeta.txt', 'b/c/d.png']]);
  const closed = buildView(ENTRIES, settings({ group: true, collapsed: new Set(['b/']) }), dup);
  assert.deepEqual(paths(closed), ['B/', 'B/x.csv', 'b/', 'a.csv', 'waiting.bin']);
  assert.equal(closed.files.length, 5, 'files counts the rows in closed folders too');
});

test('the store keeps its totals in step through add, progress, results, failures, replacement and removal', () => {
  const store = new EntriesStore();
  const seen = [];
  store.subscribe((mask) => seen.push(mask));
  const a = store.add('a.txt', null).entry;
  const b = store.add('b.txt', null).entry;
  const c = store.add('c.txt', null).entry;
  assert.deepEqual([store.totals.unsized, store.pending()], [3, 3]);
  for (const e of [a, b, c]) store.start(e, new AbortController());
  store.progress(a, 5, 10);
  assert.deepEqual([store.totals.unsized, store.totals.bytes, store.totals.progressBytes], [2, 10, 5]);
  store.described(a, { hash: 'h', size: 10, data_type: 'text' });
  store.described(b, { hash: 'h', size: 10, data_type: 'text' });
  store.failed(c, 'gone');
  assert.deepEqual({ ...store.totals, byType: Object.fromEntries(store.totals.byType) }, { unsized: 0, bytes: 20, described: 2, describedBytes: 20, progressBytes: 20, failed: 1, byType: { text: 2 } });
  assert.deepEqual([store.pending(), store.duplicates(), store.isDuplicate(a)], [0, 1, true]);
  // Replacing a path keeps its place and takes the old entry's share away.
  const { entry: a2, replaced } = store.add('a.txt', null);
  assert.equal(replaced, true);
  assert.equal(a.state, 'removed');
  assert.deepEqual([...store.entries.keys()], ['a.txt', 'b.txt', 'c.txt']);
  assert.deepEqual([store.totals.described, store.totals.unsized, store.duplicates(), store.pending()], [1, 1, 0, 1]);
  store.select([a2, c], true);
  store.remove([a2, c]);
  assert.deepEqual([store.size, store.totals.bytes, store.totals.failed, store.selected.size, store.pending()], [1, 10, 0, 0, 0]);
  store.clear();
  assert.deepEqual({ ...store.totals, byType: Object.fromEntries(store.totals.byType) }, { unsized: 0, bytes: 0, described: 0, describedBytes: 0, progressBytes: 0, failed: 0, byType: { text: 0 } });
  assert.equal(store.byHash.size, 0);
  assert.ok(seen.length > 5);
});

test('the active row moves on to the next one left when its row is removed', () => {
  const store = new EntriesStore();
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((p) => store.add(p, null).entry);
  store.view();
  store.setActive('b');
  store.remove([b, c]);
  store.view();
  assert.equal(store.active, 'd');
  store.remove([d]);
  store.view();
  assert.equal(store.active, 'a', 'the last row gone: the one before it');
  void a;
});
