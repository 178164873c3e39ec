// The file list in real Chromium (build/dist): one tab stop for the whole
// list with the grid's keys (arrows, Home, End, Page Up/Down, Enter, Space,
// Delete); 100,000 rows listed through the test entry point
// (window.oxdrop.testing.addDescribed, web/js/README.md) keep the page's
// rows few; sort, filters, folders and selection; the drag-over state and a
// drop during an upload. Timings are printed, never asserted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appMissing, dropTree, openApp, readRows, useApp, waitDescribed } from './app-helpers.js';
import { skipUnless } from '../../internal/testenv/testenv.js';
import { png } from '../../bench/browser-many/files.mjs';

describe('oxdrop file list', { skip: skipUnless(appMissing()), timeout: 240_000 }, () => {
  const app = useApp();
  const newPage = (viewport) => app.newPage(viewport);

  /** Chooses files {name: text} with the file picker and waits until they are described. */
  async function choose(page, files) {
    const list = Object.entries(files).map(([name, text]) => ({ name, mimeType: 'text/plain', buffer: Buffer.from(text) }));
    const before = Number(await page.getAttribute('#file-list', 'data-total'));
    await page.setInputFiles('input[type=file]:not([webkitdirectory])', list);
    await waitDescribed(page, before + list.length);
  }

  /** The focused element: {inList, path, rowindex, tag, id}. */
  const focused = (page) =>
    page.evaluate(() => {
      const a = document.activeElement;
      const row = a?.closest('.row');
      return { inList: !!a?.closest('#file-list'), path: row?.dataset.path ?? null, rowindex: Number(row?.getAttribute('aria-rowindex') ?? 0), tag: a?.tagName, id: a?.id };
    });

  const total = (page) => page.getAttribute('#file-list', 'data-total').then(Number);

  test("the fonts' off-screen copy of the Files panel duplicates nothing a test or screen reader finds, and is gone after start-up", async () => {
    // fonts.js lays the panel out once, off screen, for two frames: seen
    // here the moment it is inserted.
    const context = await app.browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.__warm = [];
      new MutationObserver((records) => {
        for (const r of records) {
          for (const n of r.addedNodes) {
            if (!n.classList?.contains('font-warm')) continue;
            const attrs = new Set();
            for (const el of n.querySelectorAll('*')) for (const a of el.attributes) attrs.add(a.name);
            window.__warm.push({ attrs: [...attrs].sort(), rows: n.querySelectorAll('.row').length, chips: n.querySelectorAll('.chip').length, hidden: n.getAttribute('aria-hidden'), inert: n.inert, text: n.textContent.length });
          }
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await openApp(page, app.url);
    const warm = await page.evaluate(() => window.__warm);
    assert.equal(warm.length, 1, 'one copy laid out');
    assert.deepEqual(warm[0].attrs, ['class', 'style', 'type'], 'no ids, roles, labels, names or data-* in the copy');
    assert.equal(warm[0].rows, 1, 'a filled row');
    assert.ok(warm[0].chips >= 6, 'a chip per type');
    assert.ok(warm[0].text > 200, 'the panel\'s text');
    assert.equal(warm[0].hidden, 'true');
    assert.equal(warm[0].inert, true);
    assert.equal(await page.locator('.font-warm').count(), 0, 'removed');
    assert.equal(await page.locator('[data-total]').count(), 1);
    await context.close();
  });

  test('the list is one tab stop; arrows, Home, End, Page Up and Down move; Enter previews; Space selects; Delete removes', async () => {
    const page = await newPage();
    const files = {};
    for (let i = 0; i < 40; i++) files[`f${String(i).padStart(2, '0')}.txt`] = `file ${i}\n`;
    await choose(page, files);

    // From the top of the page to Create: the list is one stop, however many rows.
    await page.evaluate(() => document.activeElement?.blur());
    const stops = [];
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      stops.push(f);
      if (f.id === 'submit') break;
    }
    assert.equal(stops.at(-1).id, 'submit', `Create reached by Tab: ${JSON.stringify(stops.map((s) => s.id || s.tag))}`);
    const inList = stops.filter((s) => s.inList);
    assert.equal(inList.length, 1, 'one stop in the list');
    assert.equal(inList[0].rowindex, 2, 'the first row (after the head) is the stop');
    console.log(`# Tab stops from the top to Create with 40 files: ${stops.length}`);

    // Into the list, then the keys.
    await page.focus('#file-list .row[tabindex="0"]');
    const at = async () => (await focused(page)).rowindex;
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await at(), 4);
    await page.keyboard.press('ArrowUp');
    assert.equal(await at(), 3);
    await page.keyboard.press('End');
    assert.equal((await focused(page)).path, 'f39.txt', 'End: the last row, drawn and focused though it was out of view');
    await page.keyboard.press('Home');
    assert.equal((await focused(page)).path, 'f00.txt');
    await page.keyboard.press('PageDown');
    const page1 = await at();
    assert.ok(page1 > 6, `Page Down moves a page (to row ${page1})`);
    await page.keyboard.press('PageUp');
    assert.equal(await at(), 2);
    // Still one tab stop: the active row only.
    assert.equal(await page.locator('#file-list [tabindex="0"]').count(), 1);

    // Enter previews the active row; Escape gives the focus back to it.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator('dialog#preview pre.preview-text').waitFor();
    assert.equal(await page.textContent('#preview-title'), 'f01.txt');
    await page.keyboard.press('ArrowRight'); // the next file, in the list's order
    await page.waitForFunction(() => document.getElementById('preview-title').textContent === 'f02.txt');
    await page.keyboard.press('Escape');
    await page.locator('dialog#preview').waitFor({ state: 'hidden' });
    // The dialog's close event, which gives the focus back, comes just after it hides.
    await page.waitForFunction(() => document.activeElement?.closest('.row')?.dataset.path === 'f02.txt', null, { timeout: 5_000 }).catch(() => {});
    assert.equal((await focused(page)).path, 'f02.txt', 'the focus is on the row last previewed');

    // Space selects; Delete removes the selected rows and keeps the focus in the list.
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    assert.deepEqual(await page.$$eval('#file-list .row[aria-selected="true"]', (rs) => rs.map((r) => r.dataset.path)), ['f02.txt', 'f03.txt']);
    await page.keyboard.press('Delete');
    await page.waitForFunction(() => document.getElementById('file-list').dataset.total === '38');
    const after = await focused(page);
    assert.ok(after.inList && after.path === 'f04.txt', `focus after Delete: ${JSON.stringify(after)}`);
    const paths = (await readRows(page)).map((r) => r.path);
    assert.ok(!paths.includes('f02.txt') && !paths.includes('f03.txt') && paths.length === 38);
    // No selection: Delete removes the active row.
    await page.keyboard.press('Delete');
    await page.waitForFunction(() => document.getElementById('file-list').dataset.total === '37');
    assert.equal((await focused(page)).path, 'f05.txt');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('thumbnails: a row scrolled away and back shows its image again without decoding it again', async () => {
    const page = await newPage();
    const files = Array.from({ length: 150 }, (_, i) => ({ name: `img${String(i).padStart(3, '0')}.png`, mimeType: 'image/png', buffer: png(i) }));
    await page.setInputFiles('input[type=file]:not([webkitdirectory])', files);
    await waitDescribed(page, 150);
    const stats = () => page.evaluate(() => ({ ...window.oxdrop.testing.thumbStats }));
    const thumbAt = (path) => page.waitForSelector(`#file-list [data-path="${path}"] canvas.thumb`, { timeout: 30_000 });
    await thumbAt('img000.png');
    const top = await stats();
    assert.ok(top.decoded > 0 && top.decoded < 150, `only rows near the view are decoded: ${top.decoded}`);
    await page.evaluate(() => (document.getElementById('file-list').scrollTop = 1e9));
    await thumbAt('img149.png');
    const bottom = await stats();
    assert.ok(bottom.decoded > top.decoded);
    await page.evaluate(() => (document.getElementById('file-list').scrollTop = 0));
    // img000.png is the active row, which stays drawn (the list's tab stop): wait for rows drawn anew.
    await thumbAt('img005.png');
    await page.waitForFunction((before) => window.oxdrop.testing.thumbStats.cached >= before + 5, bottom.cached, { timeout: 30_000 });
    const back = await stats();
    assert.equal(back.decoded, bottom.decoded, 'nothing decoded again');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('100,000 rows: the page draws only the rows in view; scrolling and End reach the last one', async (t) => {
    const page = await newPage();
    const ms = await page.evaluate(() => {
      const types = [['image', 'image/png'], ['text', 'text/plain'], ['tabular', 'text/csv'], ['binary', 'application/octet-stream']];
      const items = [];
      for (let i = 0; i < 100_000; i++) {
        const [data_type, mime_type] = types[i % 4];
        const hash = (i + 1).toString(16).padStart(32, '0');
        items.push({ path: `d${String(i % 100).padStart(2, '0')}/f${String(i).padStart(6, '0')}.bin`, info: { hash, size: 100 + (i % 1000), data_type, mime_type, extension: 'bin', metadata: null } });
      }
      const t0 = performance.now();
      window.oxdrop.testing.addDescribed(items);
      return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0))));
    });
    await waitDescribed(page, 100_000);
    const nodes = () => page.evaluate(() => ({ rows: document.querySelectorAll('#file-list .row').length, all: document.querySelectorAll('#file-list *').length, page: document.querySelectorAll('*').length }));
    const first = await nodes();
    assert.ok(first.rows <= 60, `${first.rows} rows drawn for 100,000 files`);
    assert.ok(first.all <= 1000, `${first.all} elements in the list`);
    assert.match(await page.textContent('#totals'), /^100,000 files/);
    // Halfway down: the rows drawn are those around the middle.
    const middle = await page.evaluate(async () => {
      const list = document.getElementById('file-list');
      const t0 = performance.now();
      list.scrollTop = list.scrollHeight / 2;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      // (The active row, the first, stays drawn: it is the list's tab stop.)
      const idx = [...list.querySelectorAll('.row:not([tabindex="0"])')].map((r) => Number(r.getAttribute('aria-rowindex')));
      return { ms: performance.now() - t0, min: Math.min(...idx), max: Math.max(...idx) };
    });
    assert.ok(middle.min > 49_000 && middle.max < 51_100, JSON.stringify(middle));
    // End from the keyboard: the last row is drawn, focused and in view.
    await page.focus('#file-list .row[tabindex="0"]');
    const t0 = Date.now();
    await page.keyboard.press('End');
    const last = await focused(page);
    assert.equal(last.path, 'd99/f099999.bin');
    assert.equal(last.rowindex, 100_001);
    assert.ok(await page.locator('#file-list .row:focus').isVisible());
    const end = await nodes();
    assert.ok(end.rows <= 60 && end.all <= 1000, JSON.stringify(end));
    t.diagnostic(`100,000 rows: listed and drawn in ${ms.toFixed(0)} ms; scroll to the middle drawn in ${middle.ms.toFixed(0)} ms; End in ${Date.now() - t0} ms; ${end.rows} rows and ${end.all} elements in the list, ${end.page} in the page`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  // Seven files in folders: two tables, four texts (two of the same
  // content), one binary; sizes 5 to 204 bytes.
  const TREE = {
    top: { 'a.csv': 'x,y\n1,2\n', 'big.csv': `x,y\n${'1,2\n'.repeat(50)}`, sub: { 'cat.txt': 'meow\n', 'dog.txt': 'woof woof woof\n' } },
    'notes.txt': 'n'.repeat(100),
    'copy.txt': 'meow\n',
    'blob.bin': 'PK\u0003\u0004binary', // a zip's magic: binary
  };
  const ADDED = ['top/a.csv', 'top/big.csv', 'top/sub/cat.txt', 'top/sub/dog.txt', 'notes.txt', 'copy.txt', 'blob.bin'];
  const paths = async (page) => (await readRows(page)).map((r) => r.path);
  /** Waits a frame after a control changed, then reads the paths shown. */
  const shown = async (page) => {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    return paths(page);
  };

  test('sort by the order added, path, size and type, either way, from the menu and the column heads', async () => {
    const page = await newPage();
    await dropTree(page, TREE);
    await waitDescribed(page, 7);
    assert.deepEqual(await paths(page), ADDED);
    await page.selectOption('#sort-key', 'path');
    assert.deepEqual(await shown(page), ['blob.bin', 'copy.txt', 'notes.txt', 'top/a.csv', 'top/big.csv', 'top/sub/cat.txt', 'top/sub/dog.txt']);
    assert.equal(await page.getAttribute('.list-head [data-sort="path"]', 'aria-sort'), 'ascending');
    await page.click('#sort-dir');
    assert.deepEqual(await shown(page), ['top/sub/dog.txt', 'top/sub/cat.txt', 'top/big.csv', 'top/a.csv', 'notes.txt', 'copy.txt', 'blob.bin']);
    assert.equal(await page.getAttribute('#sort-dir', 'aria-label'), 'Sort direction: descending');
    assert.equal(await page.getAttribute('.list-head [data-sort="path"]', 'aria-sort'), 'descending');
    // A column head: size, smallest first (ties by path); again: largest first.
    await page.click('.list-head [data-sort="size"]');
    assert.deepEqual(await shown(page), ['copy.txt', 'top/sub/cat.txt', 'top/a.csv', 'blob.bin', 'top/sub/dog.txt', 'notes.txt', 'top/big.csv']);
    assert.equal(await page.inputValue('#sort-key'), 'size');
    await page.click('.list-head [data-sort="size"]');
    assert.deepEqual(await shown(page), ['top/big.csv', 'notes.txt', 'top/sub/dog.txt', 'blob.bin', 'top/a.csv', 'copy.txt', 'top/sub/cat.txt'], 'ties stay by path');
    await page.click('#sort-dir');
    await page.selectOption('#sort-key', 'type');
    assert.deepEqual(await shown(page), ['blob.bin', 'top/a.csv', 'top/big.csv', 'copy.txt', 'notes.txt', 'top/sub/cat.txt', 'top/sub/dog.txt']);
    assert.deepEqual((await readRows(page)).map((r) => r.type), ['binary', 'tabular', 'tabular', 'text', 'text', 'text', 'text']);
    await page.selectOption('#sort-key', 'added');
    assert.deepEqual(await shown(page), ADDED);

    // The column heads from the keyboard: ↑ on the first row goes up to them (never a tab stop),
    // → to the next one, Enter sorts by it, Space again the other way, ↓ back to the rows.
    assert.deepEqual(await page.$$eval('.list-head [data-sort]', (hs) => hs.map((h) => h.tabIndex)), [-1, -1, -1]);
    await page.locator('#file-list [role=row][data-path]').first().click();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.sort), 'path', 'no sort yet by a column: the first one');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.sort), 'size');
    await page.keyboard.press('Enter');
    assert.deepEqual(await shown(page), ['copy.txt', 'top/sub/cat.txt', 'top/a.csv', 'blob.bin', 'top/sub/dog.txt', 'notes.txt', 'top/big.csv']);
    assert.equal(await page.getAttribute('.list-head [data-sort="size"]', 'aria-sort'), 'ascending');
    await page.keyboard.press(' ');
    assert.deepEqual(await shown(page), ['top/big.csv', 'notes.txt', 'top/sub/dog.txt', 'blob.bin', 'top/a.csv', 'copy.txt', 'top/sub/cat.txt']);
    assert.equal(await page.getAttribute('.list-head [data-sort="size"]', 'aria-sort'), 'descending');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement.closest('[role=row]')?.dataset.path), 'top/big.csv', 'back on the first row');
    // On a phone the heads are hidden (Sort by does it): ↑ on the first row stays on it.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.focus('#file-list .row[tabindex="0"]');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.evaluate(() => document.activeElement.closest('[role=row]')?.dataset.path), 'top/big.csv', 'the focus stays in the rows');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('filter by type (the type counts are toggles, one tab stop) and by text; the status says how many are shown', async () => {
    const page = await newPage();
    await dropTree(page, TREE);
    await waitDescribed(page, 7);
    await page.waitForFunction(() => document.querySelectorAll('#type-chips .chip').length === 4);
    assert.deepEqual(await page.$$eval('#type-chips .chip', (cs) => cs.map((c) => [c.dataset.filter, c.textContent, c.getAttribute('aria-pressed')])), [
      ['tabular', '▦ 2 table', 'false'],
      ['text', '¶ 4 text', 'false'],
      ['binary', '⬡ 1 binary', 'false'],
      ['dup', '1 duplicate', 'false'],
    ]);
    await page.click('#type-chips [data-filter="text"]');
    assert.deepEqual(await shown(page), ['top/sub/cat.txt', 'top/sub/dog.txt', 'notes.txt', 'copy.txt']);
    assert.equal(await page.getAttribute('#type-chips [data-filter="text"]', 'aria-pressed'), 'true');
    assert.equal(await page.textContent('#list-status'), 'Showing 4 of 7 files.Show all');
    assert.equal(await page.getAttribute('#file-list', 'data-total'), '7', 'data-total counts every entry');
    assert.equal(await page.getAttribute('#file-list', 'data-shown'), '4');
    // The chips are a toolbar: one tab stop, arrows move, Space toggles.
    assert.equal(await page.locator('#type-chips [tabindex="0"]').count(), 1);
    await page.focus('#type-chips [data-filter="text"]');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.filter), 'tabular');
    await page.keyboard.press('Space');
    assert.deepEqual(await shown(page), ['top/a.csv', 'top/big.csv', 'top/sub/cat.txt', 'top/sub/dog.txt', 'notes.txt', 'copy.txt']);
    await page.click('#type-chips [data-filter="text"]');
    await page.click('#type-chips [data-filter="tabular"]');
    await page.click('#type-chips [data-filter="dup"]');
    assert.deepEqual(await shown(page), ['top/sub/cat.txt', 'copy.txt']);
    await page.click('#type-chips [data-filter="dup"]');
    // Text: a part of the path, any case.
    await page.fill('#filter-text', 'SUB/');
    await page.waitForFunction(() => document.getElementById('file-list').dataset.shown === '2');
    assert.deepEqual(await shown(page), ['top/sub/cat.txt', 'top/sub/dog.txt']);
    await page.fill('#filter-text', 'nothing like it');
    await page.waitForFunction(() => document.getElementById('file-list').dataset.shown === '0');
    assert.match(await page.textContent('#list-status'), /^No file matches the filter \(7 files listed\)\./);
    await page.click('#list-status button');
    await page.waitForFunction(() => document.getElementById('file-list').dataset.shown === '7');
    assert.equal(await page.inputValue('#filter-text'), '');
    assert.equal(await page.textContent('#list-status'), '');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('group by folder: a tree grid whose folders open and close by click and by ← →; Space on a folder selects its files', async () => {
    const page = await newPage();
    await dropTree(page, TREE);
    await waitDescribed(page, 7);
    await page.check('#group-folders');
    await page.waitForFunction(() => document.getElementById('file-list').getAttribute('role') === 'treegrid');
    const tree = () =>
      page.evaluate(async () => {
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return [...document.querySelectorAll('#file-list .row')]
          .sort((a, b) => a.getAttribute('aria-rowindex') - b.getAttribute('aria-rowindex'))
          .map((r) => `${r.getAttribute('aria-level')} ${r.dataset.folder ?? r.dataset.path}${r.hasAttribute('aria-expanded') ? ` ${r.getAttribute('aria-expanded')}` : ''}`);
      });
    assert.deepEqual(await tree(), ['1 top/ true', '2 top/sub/ true', '3 top/sub/cat.txt', '3 top/sub/dog.txt', '2 top/a.csv', '2 top/big.csv', '1 notes.txt', '1 copy.txt', '1 blob.bin']);
    assert.match(await page.textContent('#file-list [data-folder="top/sub/"] .meta'), /^2 files$/);
    // A click on a folder's name closes it.
    await page.click('#file-list [data-folder="top/sub/"] .name');
    assert.deepEqual(await tree(), ['1 top/ true', '2 top/sub/ false', '2 top/a.csv', '2 top/big.csv', '1 notes.txt', '1 copy.txt', '1 blob.bin']);
    // Keys: ← closes a folder (or goes up to it), → opens it.
    await page.focus('#file-list .row[tabindex="0"]');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.folder), 'top/sub/');
    await page.keyboard.press('ArrowRight');
    assert.deepEqual((await tree()).slice(0, 4), ['1 top/ true', '2 top/sub/ true', '3 top/sub/cat.txt', '3 top/sub/dog.txt']);
    await page.keyboard.press('ArrowRight'); // into the folder: its first row
    assert.equal(await page.evaluate(() => document.activeElement.dataset.path), 'top/sub/cat.txt');
    await page.keyboard.press('ArrowLeft'); // up to its folder
    assert.equal(await page.evaluate(() => document.activeElement.dataset.folder), 'top/sub/');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowLeft'); // closes top/
    assert.deepEqual(await tree(), ['1 top/ false', '1 notes.txt', '1 copy.txt', '1 blob.bin']);
    assert.equal(await page.evaluate(() => document.activeElement.dataset.folder), 'top/', 'the folder keeps the focus');
    // Space on a folder selects every file under it.
    await page.keyboard.press('Space');
    assert.equal(await page.getAttribute('#file-list [data-folder="top/"]', 'aria-selected'), 'true');
    await page.waitForFunction(() => document.getElementById('remove-selected').textContent === 'Remove 4 selected');
    await page.keyboard.press('Enter'); // opens it
    assert.equal((await tree()).length, 9);
    assert.equal(await page.locator('#file-list .row[aria-selected="true"]').count(), 6, 'the two folders and their four files are selected');
    await page.uncheck('#group-folders');
    await page.waitForFunction(() => document.getElementById('file-list').getAttribute('role') === 'grid');
    assert.deepEqual(await shown(page), ADDED);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('select many (click, Shift+click, Select all shown, Ctrl+A) and remove them at once', async () => {
    const page = await newPage();
    await dropTree(page, TREE);
    await waitDescribed(page, 7);
    // A click on a row's box selects it; Shift+click selects the rows between.
    await page.click('#file-list [data-path="top/a.csv"] .c-sel');
    await page.click('#file-list [data-path="top/sub/dog.txt"] .c-sel', { modifiers: ['Shift'] });
    const selected = () =>
      page.evaluate(async () => {
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return [...document.querySelectorAll('#file-list .row[aria-selected="true"]')].map((r) => r.dataset.path);
      });
    assert.deepEqual(await selected(), ['top/a.csv', 'top/big.csv', 'top/sub/cat.txt', 'top/sub/dog.txt']);
    assert.equal(await page.evaluate(() => document.getElementById('select-shown').indeterminate), true);
    await page.click('#file-list [data-path="top/big.csv"] .c-sel');
    assert.deepEqual(await selected(), ['top/a.csv', 'top/sub/cat.txt', 'top/sub/dog.txt']);
    // Escape in the list clears the selection; Ctrl+A selects what is shown.
    await page.focus('#file-list .row[tabindex="0"]');
    await page.keyboard.press('Escape');
    assert.deepEqual(await selected(), []);
    await page.click('#type-chips [data-filter="text"]');
    // The filtered list is drawn in the next frame: focus its tab stop then, not the row it replaces.
    assert.deepEqual(await shown(page), ['top/sub/cat.txt', 'top/sub/dog.txt', 'notes.txt', 'copy.txt']);
    await page.focus('#file-list .row[tabindex="0"]');
    await page.keyboard.press('Control+a');
    assert.deepEqual(await selected(), ['top/sub/cat.txt', 'top/sub/dog.txt', 'notes.txt', 'copy.txt']);
    assert.equal(await page.isChecked('#select-shown'), true);
    await page.click('#select-shown');
    assert.deepEqual(await selected(), []);
    // Select all shown (the texts), then remove them: the others stay.
    await page.click('#select-shown');
    await page.waitForFunction(() => document.getElementById('remove-selected').textContent === 'Remove 4 selected');
    await page.click('#remove-selected');
    await waitDescribed(page, 3);
    await page.waitForFunction(() => document.getElementById('remove-selected').disabled);
    assert.equal(await page.textContent('#remove-selected'), 'Remove selected');
    assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), 'BODY', 'the focus did not fall to the page');
    // The text chip stays, at 0, while it filters: pressed again, it shows the rest.
    // (The counts are drawn throttled: wait for the last draw.)
    await page.waitForFunction(() => document.querySelector('#type-chips [data-filter="text"]')?.textContent === '¶ 0 text', null, { timeout: 5_000 });
    await page.click('#type-chips [data-filter="text"]');
    assert.deepEqual(await shown(page), ['top/a.csv', 'top/big.csv', 'blob.bin']);
    assert.match(await page.textContent('#totals'), /^3 files · /);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
