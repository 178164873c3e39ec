// The name and path rules on the page, in headless Chromium with the real
// engine (build/dist): every row of the shared tables the Go tests use
// (core/repo/testdata/names.json and paths.json) gives the same answer
// through the engine pool, and the page refuses, before any upload, the
// files the server would refuse, with the server's words. Needs
// `npm run build` first. Run: node --test web/test/paths.test.js
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, repoRoot, startStaticServer } from './helpers.js';
import { appDir, appMissing, dropTree, openApp, readRows, waitDescribed } from './app-helpers.js';
import { skipUnless } from '../../internal/testenv/testenv.js';

const skip = skipUnless(appMissing());

const table = (name) => JSON.parse(fs.readFileSync(path.join(repoRoot, 'core/repo/testdata', name), 'utf8'));

// A table text: a string, or [string, count] parts repeated and joined (as
// core/repo/table_test.go reads it).
const text = (t) => (typeof t === 'string' ? t : t.map(([s, n]) => s.repeat(n)).join(''));

// want checks one answer ("" when valid) against a table row's error part.
function want(got, error, what) {
  if (!error) assert.equal(got, '', `${what}: want it valid`);
  else assert.ok(got.includes(error), `${what}: ${JSON.stringify(got)} does not contain ${JSON.stringify(error)}`);
}

const label = (s) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

describe('names and paths', { skip, timeout: 180_000 }, () => {
  let server;
  let browser;
  let page; // a bare page with an engine pool, for the tables
  before(async () => {
    const enginePage = `<!doctype html><meta charset="utf-8"><title>rules</title>
<script type="module">
import { EnginePool } from './js/engine/pool.js';
import { validatePath } from './js/oxdrop.js';
window.validatePath = validatePath;
window.pool = new EnginePool({ size: 2 });
window.poolReady = window.pool.ready().then(() => 'ok', (e) => 'error: ' + e.message);
</script>`;
    server = await startStaticServer({ root: appDir, routes: { '/rules-test.html': enginePage } });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(server.url + 'rules-test.html');
    assert.equal(await page.evaluate(() => window.poolReady), 'ok');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  // appPage opens the app itself; errors collects its uncaught errors.
  async function appPage() {
    const app = await (await browser.newContext()).newPage();
    app.errors = [];
    app.on('pageerror', (e) => app.errors.push(e.message));
    await openApp(app, server.url);
    return app;
  }

  test('names.json: the engine answers every row as the Go tests do', async () => {
    const rows = table('names.json').names.map((r) => ({ name: text(r.name), error: r.error || '' }));
    assert.ok(rows.length >= 15);
    const got = await page.evaluate((names) => Promise.all(names.map((n) => window.pool.validateName(n))), rows.map((r) => r.name));
    rows.forEach((r, i) => want(got[i], r.error, `validateName(${label(r.name)})`));
  });

  test('paths.json: each path alone, and each set in one batch, as the Go tests', async () => {
    const { paths, sets } = table('paths.json');
    const single = paths.map((r) => ({ path: text(r.path), error: r.error || '' }));
    assert.ok(single.length >= 40 && sets.length >= 10);
    const got = await page.evaluate((ps) => Promise.all(ps.map((p) => window.pool.checkPaths([p]).then((m) => m[0]))), single.map((r) => r.path));
    single.forEach((r, i) => want(got[i], r.error, `checkPaths([${label(r.path)}])`));
    for (const set of sets) {
      const ps = set.paths.map(text);
      const msgs = await page.evaluate((ps) => window.pool.checkPaths(ps), ps);
      assert.equal(msgs.length, ps.length);
      ps.forEach((p, i) => want(msgs[i], set.errors[i], `set ${label(ps.join(' | '))}: ${label(p)}`));
    }
  });

  test('validatePath (JavaScript, synchronous) says what Go says, word for word: the table and 4,000 generated paths', async () => {
    const { paths } = table('paths.json');
    const fromTable = paths.map((r) => text(r.path));
    // Generated: pieces that hit every rule, joined at random (seeded, so a failure repeats).
    const pieces = ['a', 'é', 'dir', '/', '/', '.', '..', '.oxen', '.OXEN. ', '\\', ' ', '\u202e', '\u200b', '\ufeff', '\u00ad', '\u2028', '\u3164', '\u2800',
      '\u0000', '\u001f', '\u007f', '\u0085', '\u009f', '\u00a0', '"', '\t', '\n', '\u{1F600}', '\u2764\ufe0f', '\u{E0041}', '\ud800', 'x'.repeat(120), 'é'.repeat(70), '\u0301', '\u180e', '\u061c', '\u2066'];
    let seed = 14;
    const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const generated = [];
    for (let i = 0; i < 4000; i++) {
      let p = '';
      const n = 1 + rand(8);
      for (let k = 0; k < n; k++) p += pieces[rand(pieces.length)];
      generated.push(p);
    }
    generated.push('a/'.repeat(520), `${'x'.repeat(1100)}\u202e`);
    const all = [...fromTable, ...generated];
    const diff = await page.evaluate(async (ps) => {
      const out = [];
      for (let i = 0; i < ps.length; i += 500) {
        const batch = ps.slice(i, i + 500);
        const goSays = await Promise.all(batch.map((p) => window.pool.checkPaths([p]).then((m) => m[0])));
        batch.forEach((p, k) => {
          const js = window.validatePath(p) ?? '';
          if (js !== goSays[k]) out.push({ p, js, go: goSays[k] });
        });
      }
      return out;
    }, all);
    assert.deepEqual(diff.slice(0, 5), [], `${diff.length} of ${all.length} paths differ`);
    const invalid = await page.evaluate((ps) => ps.filter((p) => window.validatePath(p) !== null).length, all);
    assert.ok(invalid > 1000 && invalid < all.length - 100, `both kinds are generated: ${invalid} invalid of ${all.length}`);
  });

  test('checkPaths: listed paths count, an equal path replaces, 20,000 paths in one batch', async (t) => {
    const r = await page.evaluate(async () => {
      const listed = [];
      for (let i = 0; i < 10_000; i++) listed.push(`dir${i % 100}/file${i}.txt`);
      const added = [];
      for (let i = 0; i < 10_000; i++) added.push(`new${i % 100}/file${i}.txt`);
      added.push('dir7/file7.txt', 'dir7', 'dir7/file7.txt/x', 'new1/file1.txt');
      const t0 = performance.now();
      const msgs = await window.pool.checkPaths(added, listed);
      return { ms: performance.now() - t0, n: msgs.length, bad: msgs.map((m, i) => [i, m]).filter(([, m]) => m) };
    });
    assert.equal(r.n, 10_004);
    assert.deepEqual(r.bad.map(([i]) => i), [10_001, 10_002, 10_003]);
    assert.match(r.bad[0][1], /^File path "dir7" is also a folder of other files$/);
    assert.match(r.bad[1][1], /puts a file inside "dir7\/file7.txt", which is a file/);
    assert.match(r.bad[2][1], /^Duplicate file path "new1\/file1.txt"/);
    t.diagnostic(`20,004 paths checked against 10,000 listed in ${r.ms.toFixed(0)} ms`);
    assert.ok(r.ms < 5000, `${r.ms} ms for 20,000 paths`);
  });

  // problems reads the problem list: {path: message}.
  const problems = (page) =>
    page.$$eval('#problems li', (lis) => Object.fromEntries(lis.map((li) => [li.querySelector('code')?.textContent ?? '', li.textContent.slice((li.querySelector('code')?.textContent ?? '').length + 1)])));

  test('the page: hostile, conflicting and twin paths are listed as problems with the server’s words, the rest is added', async () => {
    const page = await appPage();

    const long = 'n'.repeat(256);
    await dropTree(page, {
      'evil\u202Etxt.exe': 'x',
      'zero\u200Bwidth.txt': 'x',
      '\uFEFFbom.txt': 'x',
      [long]: 'x',
      'caf\u00E9.txt': 'composed',
      'cafe\u0301.txt': 'decomposed',
      'A.txt': 'upper',
      'a.txt': 'lower',
      '.OXEN': { config: 'x' },
      top: { sub: { 'f.txt': 'x' } },
    });
    await page.waitForFunction(() => document.querySelectorAll('#problems li').length >= 6);
    await waitDescribed(page, 4);
    const rows = (await readRows(page)).map((r) => r.path).sort();
    assert.deepEqual(rows, ['A.txt', 'a.txt', 'caf\u00E9.txt', 'top/sub/f.txt'].sort());
    const p = await problems(page);
    // The page shows the invisible characters of a refused path.
    assert.match(p['evil⟨U+202E⟩txt.exe'], /U\+202E RIGHT-TO-LEFT OVERRIDE/);
    assert.match(p['zero⟨U+200B⟩width.txt'], /U\+200B ZERO WIDTH SPACE/);
    assert.match(p['⟨U+FEFF⟩bom.txt'], /U\+FEFF/);
    assert.match(p[long], /has a name of 256 bytes, over the limit of 255 bytes/);
    assert.match(p['.OXEN/config'], /which is \.oxen on macOS and Windows/);
    assert.equal(Object.keys(p).length, 6, JSON.stringify(p));
    assert.match(await page.textContent('#problems'), /6 items were not added/);
    // The decomposed twin came second: refused. Its row is not listed.
    assert.match(p['cafe\u0301.txt'], /Unicode normalisation twin/);

    // A second drop is checked against the list: a file where a folder is
    // listed and the reverse; the same path again replaces its row.
    await dropTree(page, { top: { sub: 'x' }, 'A.txt': { 'inside.txt': 'x' }, 'a.txt': 'again' });
    await page.waitForFunction(() => /replaced/.test(document.getElementById('problems').textContent));
    const p2 = await problems(page);
    assert.equal(p2['top/sub'], 'File path "top/sub" is also a folder of other files');
    assert.equal(p2['A.txt/inside.txt'], 'File path "A.txt/inside.txt" puts a file inside "A.txt", which is a file');
    await waitDescribed(page, 4);
    assert.equal((await readRows(page)).length, 4);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('the page: an author over the server\'s 255 bytes, or with a control character, is refused before any upload', async () => {
    const page = await appPage();
    await page.fill('#namespace', 'ox');
    await page.fill('#repo_name', 'authors');
    await page.fill('#author_name', '\u00e9'.repeat(128)); // 128 characters, 256 bytes
    await page.fill('#author_email', 'bessie@oxen.ai');
    await page.click('#submit');
    await page.waitForFunction(() => document.getElementById('author_name').getAttribute('aria-invalid') === 'true');
    assert.match(await page.textContent('#author_name-msg'), /name is 256 bytes long, over the limit of 255 bytes\.$/);
    await page.fill('#author_name', '\u00e9'.repeat(127));
    await page.fill('#author_email', 'bessie\u0085@oxen.ai');
    await page.click('#submit');
    await page.waitForFunction(() => document.getElementById('author_email').getAttribute('aria-invalid') === 'true');
    assert.match(await page.textContent('#author_email-msg'), /control character U\+0085/);
    assert.equal(await page.getAttribute('#author_name', 'aria-invalid'), null);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('the page: a repository name over 100 bytes is refused', async () => {
    const page = await appPage();
    await page.fill('#repo_name', 'r'.repeat(101));
    await page.waitForFunction(() => document.getElementById('repo_name').getAttribute('aria-invalid') === 'true');
    assert.match(await page.textContent('#repo_name-msg'), /is 101 bytes long, over the limit of 100 bytes$/);
    await page.fill('#repo_name', 'r'.repeat(100));
    await page.waitForFunction(() => !document.getElementById('repo_name').hasAttribute('aria-invalid'));
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
