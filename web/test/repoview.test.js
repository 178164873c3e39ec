// The repository view (repo.html#/namespace/name) in headless Chromium
// against the real server (`oxdrop serve`, which serves the embedded app):
// a repository created through the API shows its commit and every path;
// the treegrid is one tab stop and its folders open and close with the
// keyboard; previews load from the server (a big csv by Range requests
// only, a big json's schema from its metadata without a fetch, an image,
// text, bytes) with the full hash copyable; downloads link
// to the file endpoint; a missing repository, a bad address and an
// unreachable server say so in [role=alert]; the app on another static host
// reads the API its Settings name; offline, the service worker serves
// repo.html under its own name; 10,000 files keep a bounded number of
// rows in the DOM; axe-core finds nothing on the view, with a preview open,
// in the dark theme and on a phone.
// Needs the app built first (npm run build): the binary embeds build/dist.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { launchChromium, repoRoot, startStaticServer } from './helpers.js';
import { appDir, startServer } from './app-helpers.js';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const screenshot = fs.readFileSync(path.join(repoRoot, 'docs', 'screenshot.png'));
const author = { name: 'Bessie', email: 'bessie@oxen.ai' };

// A csv over 1 MiB (the view fetches smaller tables whole): 60,000 rows.
const bigCSV = Buffer.from(`id,name,score\n${Array.from({ length: 60_000 }, (_, i) => `${i},name-${i},${i / 2}\n`).join('')}`);
// A json table over 1 MiB: the view shows its schema from the metadata, fetching nothing.
const bigJSON = Buffer.from(JSON.stringify(Array.from({ length: 40_000 }, (_, i) => ({ id: i, word: `word-${i}` }))));
const FILES = {
  'tables/big.json': bigJSON,
  'images/shots/screen.png': screenshot,
  'tables/big.csv': bigCSV,
  'tables/small.csv': Buffer.from('a,b\n1,2\n3,4\n'),
  'docs/notes/readme.txt': Buffer.from('Hello from the repository view\n'),
  'docs/deep/a/b/c.md': Buffer.from('# deep\n'),
  'top.bin': Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
};
const FOLDERS = ['docs', 'docs/deep', 'docs/deep/a', 'docs/deep/a/b', 'docs/notes', 'images', 'images/shots', 'tables'];

/** Creates namespace/name from {path: bytes} with one multipart POST; returns the API's answer. */
async function createRepo(url, name, files) {
  const fd = new FormData();
  fd.append('new_repo', JSON.stringify({ namespace: 'ox', name }));
  fd.append('name', author.name);
  fd.append('email', author.email);
  for (const [p, bytes] of Object.entries(files)) fd.append('file[]', new Blob([bytes]), p);
  const res = await fetch(`${url}api/repos`, { method: 'POST', body: fd });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

/** axe-core's violations on the page, as readable lines ([] when none). */
async function axeViolations(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(axeSource);
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Opens url and waits until the repository is shown or an error is. */
async function openView(page, url) {
  await page.goto(url);
  await settled(page);
}

function settled(page) {
  return page.waitForFunction(() => document.querySelector('[data-commit-id]')?.dataset.commitId || document.getElementById('error').textContent, null, { timeout: 60_000 });
}

const activeInfo = (page) => page.evaluate(() => {
  const a = document.activeElement;
  const row = a?.closest('[role=row]');
  return { role: a?.getAttribute('role') || a?.tagName.toLowerCase(), path: row?.dataset.path, dir: row?.dataset.dir, expanded: row?.getAttribute('aria-expanded') };
});

/** Escape, then wait until the dialog's close is handled: the address names the repository again. */
async function closePreview(page) {
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.getElementById('preview').open && /^#\/ox\/\w+$/.test(location.hash));
}

const treePaths = (page) => page.$$eval('[role=treegrid] [data-path]', (rows) => rows.map((r) => r.dataset.path).sort());
const nextFrame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

describe('repository view', { timeout: 600_000 }, () => {
  let browser;
  let srv;
  let host; // the app on another static host, reading srv's API
  let answer; // the API's answer for ox/view
  const errors = [];
  before(async () => {
    for (const f of ['repo.html', 'oxdrop.wasm', 'js/repoview/main.js']) {
      assert.ok(fs.existsSync(path.join(appDir, f)), `the built app has ${f} (run npm run build)`);
    }
    host = await startStaticServer({ root: appDir });
    srv = await startServer({ args: ['-cors-origin', host.url.replace(/\/$/, '')] });
    browser = await launchChromium();
    answer = await createRepo(srv.url, 'view', FILES);
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
    await host?.close();
  });

  async function newPage(opts = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    return page;
  }

  const entryOf = (p) => answer.metadata_entries.find((e) => e.resource.path === p);
  const fileURL = (base, p) => `${base}api/repos/ox/view/file/main/${p}`;

  test('the commit and every path; one tab stop; folders close and open with the keyboard; a file row’s cells', async () => {
    const page = await newPage();
    await openView(page, `${srv.url}repo.html#/ox/view`);
    assert.equal(await page.textContent('#error'), '');
    const commit = answer.repository.latest_commit;
    assert.equal(await page.getAttribute('[data-commit-id]', 'data-commit-id'), commit.id);
    assert.equal(await page.textContent('[data-commit-id]'), commit.id);
    assert.equal((await page.textContent('h1')).replace(/\s+/g, ''), 'ox/view');
    assert.equal(await page.textContent('#rv-message'), 'Initial commit');
    assert.equal(await page.textContent('#rv-author'), 'Bessie <bessie@oxen.ai>');
    assert.equal(await page.getAttribute('#rv-date', 'datetime'), commit.timestamp);
    assert.equal(await page.title(), 'ox/view · oxdrop');

    assert.deepEqual(await treePaths(page), Object.keys(FILES).sort());
    assert.deepEqual(await page.$$eval('[role=treegrid] [data-dir]', (rows) => rows.map((r) => r.dataset.dir).sort()), FOLDERS);
    for (const row of await page.$$eval('[role=treegrid] [data-path]', (rows) => rows.map((r) => ({ ...r.dataset })))) {
      const e = entryOf(row.path);
      assert.deepEqual([row.hash, row.type, row.mime], [e.hash, e.data_type, e.mime_type], row.path);
    }
    assert.match(await page.textContent('[data-path="tables/big.csv"]'), /60,000 rows × 3 cols/);
    assert.match(await page.textContent('#rv-summary'), /^7 files · .* · 8 folders$/);

    // One tab stop: Tab from the button before the tree lands on its first row.
    assert.equal(await page.locator('[role=treegrid] [tabindex="0"]').count(), 1);
    await page.focus('#rv-collapse');
    await page.keyboard.press('Tab');
    assert.deepEqual(await activeInfo(page), { role: 'row', path: undefined, dir: 'docs', expanded: 'true' });
    await page.keyboard.press('ArrowLeft');
    assert.deepEqual(await activeInfo(page), { role: 'row', path: undefined, dir: 'docs', expanded: 'false' });
    assert.equal(await page.locator('[data-path="docs/notes/readme.txt"]').count(), 0, 'a closed folder hides its files');
    assert.equal(await page.getAttribute('[role=treegrid]', 'aria-rowcount'), '10', 'the heading row, docs, images (2), tables (4), top.bin');
    await page.keyboard.press('ArrowRight');
    assert.equal((await activeInfo(page)).expanded, 'true');
    assert.equal(await page.locator('[data-path="docs/notes/readme.txt"]').count(), 1);
    await page.keyboard.press('ArrowDown');
    assert.equal((await activeInfo(page)).dir, 'docs/deep');
    await page.keyboard.press('ArrowLeft'); // closes docs/deep
    assert.equal(await page.locator('[data-path="docs/deep/a/b/c.md"]').count(), 0);
    await page.keyboard.press('ArrowLeft'); // a closed folder: up to its parent
    assert.equal((await activeInfo(page)).dir, 'docs');
    await page.keyboard.press('Enter'); // Enter toggles a folder too
    assert.equal((await activeInfo(page)).expanded, 'false');
    await page.keyboard.press('Enter');
    assert.equal((await activeInfo(page)).expanded, 'true');
    assert.equal(await page.locator('[data-dir="docs/deep"]').getAttribute('aria-expanded'), 'false', 'docs/deep stays closed');

    // End: the last row; Right goes into its cells, End to the download link, Left and Home back.
    await page.keyboard.press('End');
    assert.deepEqual(await activeInfo(page), { role: 'row', path: 'top.bin', dir: undefined, expanded: null });
    await page.keyboard.press('ArrowRight');
    assert.equal((await activeInfo(page)).role, 'gridcell');
    await page.keyboard.press('End');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Download top.bin');
    assert.equal(await page.locator('[role=treegrid] [tabindex="0"]').count(), 1, 'still one tab stop');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowLeft');
    assert.deepEqual(await activeInfo(page), { role: 'row', path: 'top.bin', dir: undefined, expanded: null });
    // Leaving and coming back with Tab returns to the same row.
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'rv-collapse');
    await page.keyboard.press('Tab');
    assert.equal((await activeInfo(page)).path, 'top.bin');
    // Enter opens its preview (its first bytes in hexadecimal); Escape gives the focus back to the row.
    await page.keyboard.press('Enter');
    await page.waitForSelector('#preview[open] .preview-hex');
    assert.match(await page.textContent('.preview-hex'), /^000000 {2}00 01 02 03/);
    assert.equal(await page.evaluate(() => location.hash), '#/ox/view/top.bin', 'the address names the file shown');
    await closePreview(page);
    assert.equal((await activeInfo(page)).path, 'top.bin');
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('previews from the server: a big csv by Range requests only, a big json’s schema with no fetch, text, an image; the hash copied; downloads; axe', async () => {
    const page = await newPage();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url.replace(/\/$/, '') });
    const fetched = [];
    page.on('response', (r) => {
      if (r.url().includes('/file/main/')) fetched.push({ path: r.url().split('/file/main/')[1], range: r.request().headers().range, status: r.status() });
    });
    await openView(page, `${srv.url}repo.html#/ox/view`);
    assert.deepEqual(await axeViolations(page), [], 'the view');

    await page.click('[data-path="tables/big.csv"]');
    await page.waitForFunction(() => document.querySelectorAll('#preview[open] .preview-table tbody tr').length === 20, null, { timeout: 60_000 });
    const rows = await page.$$eval('.preview-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.deepEqual(rows.slice(0, 3), [['0', 'name-0', '0'], ['1', 'name-1', '0.5'], ['2', 'name-2', '1']]);
    assert.deepEqual(await page.$$eval('.preview-table thead th', (ths) => ths.map((th) => th.textContent)), ['idi64', 'namestr', 'scoref64']);
    assert.equal(await page.textContent('.preview-table caption'), 'First 20 rows of 60,000');
    const big = fetched.filter((f) => f.path === 'tables/big.csv');
    assert.ok(big.length > 0 && big.every((f) => /^bytes=\d+-\d+$/.test(f.range ?? '') && f.status === 206), JSON.stringify(big));
    const sent = big.reduce((n, f) => n + 1 + Number(f.range.split('-')[1]) - Number(f.range.slice(6).split('-')[0]), 0);
    assert.ok(sent < bigCSV.length / 4, `the preview fetched ${sent} of ${bigCSV.length} bytes`);

    // The full hash, copied; the download link of the file shown.
    const hash = entryOf('tables/big.csv').hash;
    assert.equal(await page.textContent('#preview-hash'), hash);
    await page.click('#preview-copy-hash');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), hash);
    assert.match(await page.textContent('#rv-live'), /hash copied/);
    assert.equal(await page.getAttribute('#preview-download', 'href'), fileURL(srv.url, 'tables/big.csv'));
    assert.equal(await page.getAttribute('#preview-download', 'download'), 'big.csv');
    assert.deepEqual(await axeViolations(page), [], 'a table preview open');

    // Next: the following file in the tree, big.json: a table too big to fetch whole and not
    // made of lines, so its schema from the metadata, and not a byte fetched.
    await page.click('#preview-next');
    await page.waitForFunction(() => document.getElementById('preview-title').textContent === 'tables/big.json' && document.querySelector('.preview-table caption'));
    assert.equal(await page.evaluate(() => location.hash), '#/ox/view/tables/big.json');
    assert.equal(await page.textContent('.preview-table caption'), '40,000 rows; the preview shows the schema');
    assert.deepEqual(await page.$$eval('.preview-table thead th', (ths) => ths.map((th) => th.textContent)), ['idi64', 'wordstr']);
    assert.deepEqual(fetched.filter((f) => f.path === 'tables/big.json'), []);
    // And small.csv, fetched whole (one Range of all its bytes).
    await page.click('#preview-next');
    await page.waitForFunction(() => document.getElementById('preview-title').textContent === 'tables/small.csv' && document.querySelectorAll('.preview-table tbody tr').length === 2);
    assert.deepEqual(fetched.filter((f) => f.path === 'tables/small.csv').map((f) => f.range), ['bytes=0-11']);
    await closePreview(page);

    // An address with a file path opens its preview: the image loads from the file endpoint.
    await page.evaluate(() => (location.hash = '#/ox/view/images/shots/screen.png'));
    await page.waitForFunction(() => {
      const img = document.querySelector('#preview[open] img.preview-image');
      return img?.complete && img.naturalWidth > 0;
    });
    assert.equal(await page.evaluate(() => document.querySelector('img.preview-image').naturalWidth), 1280);
    assert.equal(await page.getAttribute('img.preview-image', 'src'), fileURL(srv.url, 'images/shots/screen.png'));
    assert.match(await page.textContent('#preview-facts'), /image\/png · 1280×800/);
    assert.deepEqual(await axeViolations(page), [], 'an image preview open');
    await closePreview(page);

    // Text: the start of the file, by Range.
    await page.click('[data-path="docs/notes/readme.txt"]');
    await page.waitForSelector('#preview[open] pre.preview-text');
    assert.equal(await page.textContent('pre.preview-text'), 'Hello from the repository view\n');
    assert.deepEqual(fetched.filter((f) => f.path === 'docs/notes/readme.txt').map((f) => [f.range, f.status]), [['bytes=0-30', 206]]);
    await closePreview(page);

    // Each file row links to its bytes for download.
    const link = page.locator('[data-path="images/shots/screen.png"] a[download]');
    assert.equal(await link.getAttribute('href'), fileURL(srv.url, 'images/shots/screen.png'));
    assert.equal(await link.getAttribute('download'), 'screen.png');
    const bytes = Buffer.from(await (await fetch(await link.getAttribute('href'))).arrayBuffer());
    assert.ok(bytes.equals(screenshot), 'the link gives the file’s bytes');

    // The dark theme and a phone: nothing for axe, and the page no wider than the screen.
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.deepEqual(await axeViolations(page), [], 'the view, dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await nextFrame(page);
    assert.deepEqual(await axeViolations(page), [], 'the view, dark, 390 px');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'no sideways scrolling at 390 px');
    await page.click('[data-path="tables/big.csv"]');
    await page.waitForSelector('#preview[open] .preview-table tbody tr');
    assert.deepEqual(await axeViolations(page), [], 'a table preview, dark, 390 px');
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('a missing repository, a bad address and an unreachable server are said in the alert; Settings fixes the server', async () => {
    const page = await newPage();
    await openView(page, `${srv.url}repo.html#/ox/none`);
    assert.match(await page.locator('[role=alert]').textContent(), /^Repository ox\/none not found\./);
    assert.equal((await page.textContent('h1')).replace(/\s+/g, ''), 'ox/none');
    assert.deepEqual(await axeViolations(page), [], 'the 404 message');

    await openView(page, `${srv.url}repo.html`);
    assert.match(await page.locator('[role=alert]').textContent(), /This address names no repository\. A repository’s address ends in #\/namespace\/name/);
    await page.evaluate(() => (location.hash = '#/ox/bad..name!'));
    await page.waitForFunction(() => /is not a valid repository name/.test(document.getElementById('error').textContent));
    await page.evaluate(() => (location.hash = '#/ox/view'));
    await settled(page);
    assert.equal(await page.textContent('#error'), '');
    assert.equal(await page.getAttribute('[data-commit-id]', 'data-commit-id'), answer.repository.latest_commit.id);

    // The API base the app's Settings stored (localStorage "oxdrop.api_base"): a port nothing listens on.
    const dead = await startStaticServer({ root: appDir });
    const deadURL = dead.url.replace(/\/$/, '');
    await dead.close();
    await page.evaluate((u) => localStorage.setItem('oxdrop.api_base', u), deadURL);
    await page.reload();
    await settled(page);
    assert.match(await page.locator('[role=alert]').textContent(), new RegExp(`^Could not reach the server at ${deadURL.replace(/[.]/g, '\\.')} `));
    // Settings shows that server; emptying it reads this site's API again and forgets the stored one.
    await page.click('.settings summary');
    assert.equal(await page.inputValue('#api-base'), deadURL);
    await page.fill('#api-base', '');
    await page.dispatchEvent('#api-base', 'change');
    await settled(page);
    assert.equal(await page.textContent('#error'), '');
    assert.equal(await page.evaluate(() => localStorage.getItem('oxdrop.api_base')), null);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('the app on another static host reads the API its Settings name: tree, csv and image previews across origins', async () => {
    const page = await newPage();
    await page.addInitScript((u) => localStorage.setItem('oxdrop.api_base', u), srv.url);
    await openView(page, `${host.url}repo.html#/ox/view/tables/big.csv`);
    assert.equal(await page.getAttribute('[data-commit-id]', 'data-commit-id'), answer.repository.latest_commit.id);
    assert.deepEqual(await treePaths(page), Object.keys(FILES).sort());
    await page.waitForFunction(() => document.querySelectorAll('#preview[open] .preview-table tbody tr').length === 20, null, { timeout: 60_000 });
    await page.click('#preview-prev'); // before tables/big.csv in the tree: images/shots/screen.png
    await page.waitForFunction(() => document.querySelector('#preview[open] img.preview-image')?.naturalWidth === 1280);
    assert.equal(await page.getAttribute('[data-path="top.bin"] a[download]', 'href'), fileURL(srv.url, 'top.bin'));
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('offline after one visit: the service worker serves repo.html (not as index.html) and the alert says the server is out of reach', async () => {
    const page = await newPage();
    await page.addInitScript((u) => localStorage.setItem('oxdrop.api_base', u), srv.url);
    await openView(page, `${host.url}repo.html#/ox/view`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    });
    const cached = await page.evaluate(async () => {
      const out = [];
      for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) out.push(new URL(r.url).pathname);
      return out;
    });
    for (const p of ['/repo.html', '/repo.css', '/js/repoview/main.js', '/js/repoview/treegrid.js', '/index.html']) assert.ok(cached.includes(p), `${p} cached`);
    await page.context().setOffline(true);
    await page.reload();
    await settled(page);
    assert.match(await page.locator('[role=alert]').textContent(), /^Could not reach the server at /);
    assert.equal((await page.textContent('h1')).replace(/\s+/g, ''), 'ox/view');
    // The app's own page is still the app, not the repository view cached under its name.
    await page.goto(host.url);
    assert.equal(await page.locator('#rv-grid').count(), 0);
    assert.equal(await page.locator('#folder-input').count(), 1);
    await page.context().setOffline(false);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('10,000 files: a bounded number of rows in the DOM, whatever is scrolled to or focused', async () => {
    const files = [];
    for (let d = 0; d < 100; d++) for (let f = 0; f < 100; f++) files.push({ path: `set-${d}/item-${f}.txt`, contents: { Text: `${d}/${f}\n` }, user: author });
    const res = await fetch(`${srv.url}api/repos`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ namespace: 'ox', name: 'many', files }) });
    assert.equal(res.status, 200, await res.text());

    const page = await newPage();
    await openView(page, `${srv.url}repo.html#/ox/many`);
    assert.equal(await page.textContent('#error'), '');
    assert.match(await page.textContent('#rv-summary'), /^10,000 files · .* · 100 folders$/);
    const grid = page.locator('[role=treegrid]');
    assert.equal(await grid.getAttribute('aria-rowcount'), String(1 + 100 + 10_000));
    // What fits in the grid's box, the overscan above and below (8 each), and the focused row.
    const bound = await grid.evaluate((g) => Math.ceil(g.clientHeight / parseFloat(getComputedStyle(g).getPropertyValue('--rv-row-h'))) + 2 * 8 + 2);
    const rendered = () => page.locator('.rv-body [role=row]').count();
    assert.ok(await rendered() <= bound, `${await rendered()} rows in the DOM, at most ${bound}`);

    await grid.evaluate((g) => (g.scrollTop = g.scrollHeight / 2));
    await nextFrame(page);
    const middle = await page.$$eval('.rv-body [role=row]', (rows) => rows.map((r) => Number(r.getAttribute('aria-rowindex'))));
    assert.ok(middle.length <= bound && middle.some((i) => Math.abs(i - 5050) < 30), `rows around the middle: ${middle}`);
    assert.deepEqual(middle, [...middle].sort((a, b) => a - b), 'the rows are in the DOM in the tree’s order');

    await page.focus('#rv-collapse');
    await page.keyboard.press('Tab');
    assert.equal((await activeInfo(page)).dir, 'set-0', 'the tab stop stayed on the first row, scrolled away');
    await page.keyboard.press('End');
    assert.equal((await activeInfo(page)).path, 'set-99/item-99.txt');
    assert.ok(await rendered() <= bound);
    const pageRows = await grid.evaluate((g) => Math.floor((g.clientHeight - g.querySelector('.rv-body').offsetTop) / parseFloat(getComputedStyle(g).getPropertyValue('--rv-row-h'))) - 1);
    await page.keyboard.press('PageUp');
    assert.equal((await activeInfo(page)).path, `set-99/item-${99 - pageRows}.txt`, `Page Up moves ${pageRows} rows, a box of rows less one`);
    await page.keyboard.press('Control+Home');
    assert.equal((await activeInfo(page)).dir, 'set-0');
    assert.ok(await rendered() <= bound);

    await page.click('#rv-collapse');
    assert.equal(await grid.getAttribute('aria-rowcount'), '101');
    await page.click('#rv-expand');
    assert.equal(await grid.getAttribute('aria-rowcount'), '10101');
    assert.deepEqual(await axeViolations(page), [], '10,000 files');
    assert.deepEqual(errors, []);
    await page.context().close();
  });
});
