// The page in real Chromium (build/dist), for a person: the full hash in
// the preview, copied with its button; the drag-over state over the whole
// page; a drop during an upload said in a live region; and axe-core
// (web/test/axe.js) finding nothing on the empty page, a loaded list (also
// sorted, filtered, grouped and selected, in both themes), an open preview
// and the result of a creation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appMissing, createdBody, dropTree, useApp, waitDescribed } from './app-helpers.js';
import { expectNoAxeViolations } from './axe.js';
import { skipUnless } from '../../internal/testenv/testenv.js';

describe('oxdrop page for a person', { skip: skipUnless(appMissing()), timeout: 240_000 }, () => {
  const app = useApp();

  const TREE = {
    photos: { 'a.txt': 'alpha\n', 'b.csv': 'x,y\n1,2\n', deeper: { 'c.json': '{"a": 1}\n', 'd.bin': 'PK\u0003\u0004zip' } },
    'notes.md': '# Notes\n\nsome text\n',
    'copy.txt': 'alpha\n',
  };

  /** Answers the page's creation with a repository (POST /api/repos), or holds it while hold() is pending. */
  async function fakeServer(page, { hold = null } = {}) {
    await page.route('**/api/limits', (route) => route.fulfill({ status: 404, body: '' }));
    await page.route('**/api/repos', async (route) => {
      if (hold) await hold;
      const body = route.request().postDataBuffer().toString('latin1');
      const manifest = JSON.parse(/name="manifest"\r\n\r\n(.*?)\r\n--/s.exec(body)[1]);
      const entries = Object.entries(manifest).map(([path, hash]) => ({ path, hash, size: 1 }));
      await route.fulfill({ status: 200, contentType: 'application/json', body: createdBody('a11y', 'c0ffee00c0ffee00', entries) });
    });
  }

  async function fillForm(page) {
    await page.fill('#namespace', 'ox');
    await page.fill('#repo_name', 'a11y');
    await page.fill('#author_name', 'Bessie');
    await page.fill('#author_email', 'b@oxen.ai');
  }

  const frame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

  test('the preview shows the full hash; Copy puts it on the clipboard and says so', async () => {
    const page = await app.newPage();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.url).origin });
    await page.setInputFiles('input[type=file]:not([webkitdirectory])', { name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from('Hello') });
    await waitDescribed(page, 1);
    await page.getByRole('button', { name: 'hello.txt', exact: true }).click();
    const hash = page.locator('#preview-hash');
    await hash.waitFor();
    assert.equal(await hash.textContent(), '1bfd09d1a433fb78117b4c7b1583d16d', 'the whole hash, not cut');
    assert.ok(await hash.isVisible());
    const box = await hash.boundingBox();
    const dialog = await page.locator('dialog#preview').boundingBox();
    assert.ok(box.x + box.width <= dialog.x + dialog.width, 'the hash fits in the dialog');
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.waitForFunction(() => document.getElementById('preview-copy').textContent === 'Copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '1bfd09d1a433fb78117b4c7b1583d16d');
    assert.equal(await page.textContent('#preview-copied'), 'The hash copied: 1bfd09d1a433fb78117b4c7b1583d16d');
    assert.equal(await page.getAttribute('#preview-copied', 'role'), 'status');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('files dragged over the page: a layer over all of it says a drop adds them; during an upload it says they are not added, and a drop there is said in a live region', async () => {
    const page = await app.newPage({ width: 1280, height: 720 });
    const drag = (type) =>
      page.evaluate((type) => {
        const ev = new Event(type, { bubbles: true, cancelable: true });
        Object.defineProperty(ev, 'dataTransfer', { value: { types: ['Files'], dropEffect: 'none' } });
        document.querySelector('.files-panel').dispatchEvent(ev);
      }, type);
    const overlay = () =>
      page.evaluate(() => {
        const o = document.getElementById('drop-overlay');
        const r = o.getBoundingClientRect();
        const text = [...o.querySelectorAll('span')].filter((s) => s.offsetParent !== null).map((s) => s.textContent).join('');
        return { shown: getComputedStyle(o).display !== 'none', covers: r.width >= innerWidth && r.height >= innerHeight, text, pointer: getComputedStyle(o).pointerEvents };
      });
    assert.equal((await overlay()).shown, false);
    await drag('dragenter');
    assert.deepEqual(await overlay(), { shown: true, covers: true, text: 'Drop to add these files and folders', pointer: 'none' });
    await drag('dragleave');
    assert.equal((await overlay()).shown, false);

    // An upload that the stand-in server holds open.
    let release;
    await fakeServer(page, { hold: new Promise((r) => (release = r)) });
    await dropTree(page, TREE);
    await waitDescribed(page, 6);
    await fillForm(page);
    await page.click('#submit');
    await page.waitForFunction(() => document.body.classList.contains('is-uploading'));
    await drag('dragenter');
    assert.equal((await overlay()).text, 'An upload is running: files dropped now are not added');
    await dropTree(page, { 'late.txt': 'late' });
    await page.waitForFunction(() => document.getElementById('add-live').textContent.length > 0);
    assert.equal(await page.textContent('#add-live'), 'Files cannot be added while an upload is running: drop or add them again after it ends.');
    assert.equal(await page.getAttribute('#add-live', 'aria-live'), 'assertive');
    assert.match(await page.textContent('#problems'), /cannot be added while an upload is running/);
    assert.equal((await overlay()).shown, false, 'the drop ends the drag-over state');
    assert.equal(await page.getAttribute('#file-list', 'data-total'), '6', 'nothing was added');
    release();
    await page.waitForSelector('[data-commit-id="c0ffee00c0ffee00"]');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('axe-core: no violation on the empty page, a loaded list (sorted, filtered, grouped, selected; light and dark), an open preview, the result', async () => {
    const page = await app.newPage();
    await expectNoAxeViolations(page, 'the empty page');
    await dropTree(page, TREE);
    await waitDescribed(page, 6);
    await frame(page);
    await expectNoAxeViolations(page, 'a loaded list');
    await page.selectOption('#sort-key', 'size');
    await page.click('#type-chips [data-filter="text"]');
    await page.fill('#filter-text', 'a');
    await page.waitForFunction(() => document.getElementById('list-status').textContent.startsWith('Showing'));
    await page.check('#group-folders');
    await page.focus('#file-list .row[tabindex="0"]');
    await page.keyboard.press('Space');
    await frame(page);
    await expectNoAxeViolations(page, 'a sorted, filtered, grouped list with a selection');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectNoAxeViolations(page, 'the list in the dark theme');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.click('#list-status button');
    await page.uncheck('#group-folders');
    await page.getByRole('button', { name: 'photos/b.csv', exact: true }).click();
    await page.locator('dialog#preview table').waitFor();
    await expectNoAxeViolations(page, 'an open preview (a table)');
    await page.keyboard.press('Escape');
    await page.locator('dialog#preview').waitFor({ state: 'hidden' });
    await fakeServer(page);
    await fillForm(page);
    await page.click('#submit');
    await page.waitForSelector('[data-commit-id="c0ffee00c0ffee00"]');
    await page.click('#result-entries-title');
    await expectNoAxeViolations(page, 'the result of a creation, its entries open');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
