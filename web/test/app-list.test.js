// The file list in real Chromium (build/dist): one tab stop for the whole
// list with the grid's keys (arrows, Home, End, Page Up/Down, Enter, Space,
// Delete); 100,000 rows listed through the test entry point
// (window.oxdrop.testing.addDescribed, web/js/README.md) keep the page's
// rows few; sort, filters, folders and selection; the drag-over state and a
// drop during an upload. Timings are printed, never asserted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appMissing, readRows, useApp, waitDescribed } from './app-helpers.js';
import { skipUnless } from '../../internal/testenv/testenv.js';

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
});
