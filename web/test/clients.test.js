// Uppy against the real server, in headless Chromium, with the page on
// another origin than the server (oxdrop serve -cors-origin <the page's>):
// the Uppy recipes of docs/clients.md as written (bundled with esbuild;
// only the server's address is replaced), a folder picked in the
// Dashboard's folder input. The XHRUpload recipe creates one repository
// keeping the folder paths; the recipe without each of its settings gets
// the server's refusal in the Dashboard, not a network error; stock Uppy
// shows its own "network error" for a 400 it did receive (the cause:
// docs/clients.md); a page of an origin the server does not allow reads its
// 403; the Tus recipe goes plan, tus, commit. tus-js-client itself is
// tested in server/worker/test/conformance.test.js and by
// clients-recipes.test.js.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { launchChromium, repoRoot, startStaticServer } from './helpers.js';
import { startServer } from './app-helpers.js';
import { compareRepo, recipe, writeFolder } from './recipes.js';

const uppyNetworkError = 'This looks like a network error';

/** Bundles code (an ES module importing npm packages) into { js, css }. */
async function bundle(code) {
  const built = await esbuild.build({
    stdin: { contents: code, resolveDir: repoRoot, loader: 'js', sourcefile: 'recipe.js' },
    bundle: true, format: 'esm', platform: 'browser', write: false, outdir: '/out', logLevel: 'silent',
  });
  const out = { js: '', css: '' };
  for (const f of built.outputFiles) out[f.path.endsWith('.css') ? 'css' : 'js'] += f.text;
  return out;
}

/** A recipe of docs/clients.md for server, with each of `drop` (lines) removed and the Uppy instance on globalThis. */
function uppyRecipe(name, server, drop = []) {
  let { code } = recipe(name, server);
  for (const line of drop) {
    const lines = code.split('\n').filter((l) => l.includes(line));
    assert.equal(lines.length, 1, `recipe ${name} has one line with ${JSON.stringify(line)}`);
    code = code.replace(lines[0] + '\n', '');
  }
  return `${code}\nglobalThis.uppy = uppy;\n`;
}

describe('Uppy against oxdrop, from another origin (Chromium)', { timeout: 300_000 }, () => {
  let browser;
  let site;
  let srv;
  let dir;
  let folder;
  let files;
  const routes = {};
  let n = 0;
  before(async () => {
    site = await startStaticServer({ routes });
    srv = await startServer({ args: ['-cors-origin', site.url.replace(/\/$/, '')] });
    browser = await launchChromium();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxdrop-clients-'));
    ({ folder, files } = writeFolder(dir, 'uppy'));
    // A picked folder's files are named from the folder itself.
    files = new Map([...files].map(([p, b]) => [`my-folder/${p}`, b]));
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await srv?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a page running code (bundled); answers { page, apiRequests }. */
  async function open(code) {
    const { js, css } = await bundle(code);
    const base = `/p${++n}/`;
    routes[`${base}index.html`] = `<!doctype html><meta charset="utf-8"><link rel="stylesheet" href="app.css"><div id="uppy"></div><script type="module" src="app.js"></script>`;
    routes[`${base}app.js`] = js;
    routes[`${base}app.css`] = css;
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    const apiRequests = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/') && r.method() !== 'OPTIONS') apiRequests.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    await page.goto(new URL(`${base}index.html`, site.url).href);
    await page.waitForFunction(() => globalThis.uppy);
    page.errors = errors;
    return { page, apiRequests };
  }

  /** Picks my-folder in the Dashboard's folder input, presses Upload; answers the result and what Uppy shows. */
  async function pickAndUpload(page) {
    await page.locator('.uppy-Dashboard-input[webkitdirectory]').setInputFiles(folder);
    await page.waitForFunction((count) => globalThis.uppy.getFiles().length === count, files.size);
    // Done at 'complete'; an upload that fails before its uploaders (a
    // refused plan) emits only 'error'.
    const done = page.evaluate(() => new Promise((resolve) => {
      globalThis.uppy.once('complete', (r) => resolve({ successful: r.successful.length, failed: r.failed.length }));
      globalThis.uppy.once('error', (e) => setTimeout(() => resolve({ error: e.message }), 2000));
    }));
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    const result = await done;
    const shown = await page.evaluate(() => ({
      fileErrors: globalThis.uppy.getFiles().map((f) => f.error).filter(Boolean),
      info: globalThis.uppy.getState().info.map((i) => `${i.message} ${i.details ?? ''}`),
      html: document.querySelector('#uppy').innerHTML,
    }));
    return { ...result, ...shown };
  }

  /** The refusal shows as the server's message, in the files' errors and in the Dashboard. */
  function assertShows(r, message) {
    assert.ok(r.fileErrors.length > 0 && r.fileErrors.every((e) => e.includes(message)), `file errors ${JSON.stringify(r.fileErrors)} should say ${message}`);
    assert.ok(r.info.some((i) => i.includes(message)), `Uppy's informer ${JSON.stringify(r.info)} should say ${message}`);
    assert.ok(!r.fileErrors.some((e) => e.includes(uppyNetworkError)), 'a network error was reported');
    assert.ok(r.html.includes(message), 'the Dashboard does not show the message');
  }

  async function noRepository(name) {
    const res = await fetch(`${srv.url}api/repos/ox/${name}`);
    assert.equal(res.status, 404, `ox/${name} exists`);
  }

  test('stock Uppy (XHRUpload, bundle): the 400 reaches the page, Uppy calls it a network error after 3 retries', async () => {
    const { page, apiRequests } = await open(`
      import Uppy from '@uppy/core';
      import Dashboard from '@uppy/dashboard';
      import XHRUpload from '@uppy/xhr-upload';
      import '@uppy/core/css/style.min.css';
      import '@uppy/dashboard/css/style.min.css';
      const uppy = new Uppy({ meta: { new_repo: JSON.stringify({ namespace: 'ox', name: 'stock' }), name: 'Ada', email: 'ada@example.com' } })
        .use(Dashboard, { inline: true, target: '#uppy', fileManagerSelectionType: 'both' })
        .use(XHRUpload, { endpoint: '${srv.url}api/repos', bundle: true });
      globalThis.seen = [];
      uppy.on('upload-error', (file, error, request) => globalThis.seen.push({ message: error.message, status: request?.status, text: request?.responseText }));
      globalThis.uppy = uppy;`);
    const r = await pickAndUpload(page);
    const seen = await page.evaluate(() => globalThis.seen);
    assert.ok(seen.length > 0);
    for (const s of seen) {
      assert.ok(s.message.startsWith(uppyNetworkError), s.message);
      assert.equal(s.status, 400, 'the answer was readable: not a network error');
      assert.match(JSON.parse(s.text).status_message, /^File part "files\[\]" \(filename "[^"/]+"\) is not accepted: send files as "file\[\]"/);
    }
    assert.ok(r.fileErrors.every((e) => e.startsWith(uppyNetworkError)));
    assert.deepEqual(apiRequests, Array(4).fill('POST /api/repos'), "Uppy's fetcher retries a 400 three times");
    await noRepository('stock');
    assert.deepEqual(page.errors, []);
  });

  test('the recipe without fieldName: the server refuses files[] and Uppy shows it, one request', async () => {
    const { page, apiRequests } = await open(uppyRecipe('uppy-xhr', srv.url, ["fieldName: 'file[]'"]));
    assertShows(await pickAndUpload(page), 'is not accepted: send files as');
    assert.deepEqual(apiRequests, ['POST /api/repos']);
    await noRepository('from-uppy');
  });

  test('the recipe without onBeforeUpload (basenames): a duplicate path is refused, naming it', async () => {
    const { page, apiRequests } = await open(uppyRecipe('uppy-xhr', srv.url, ['onBeforeUpload', '([id, f]) =>']));
    const r = await pickAndUpload(page);
    assertShows(r, 'Duplicate file path');
    assert.ok(r.fileErrors[0].includes('cat.txt') && r.fileErrors[0].includes('loses the folders'), r.fileErrors[0]);
    assert.deepEqual(apiRequests, ['POST /api/repos']);
    await noRepository('from-uppy');
  });

  test('the recipe without bundle (a request per file): each refused, no repository', async () => {
    const { page, apiRequests } = await open(uppyRecipe('uppy-xhr', srv.url, ['bundle: true']));
    const r = await pickAndUpload(page);
    assertShows(r, 'one request creates one repository');
    assert.equal(apiRequests.length, files.size, `one request per file, none retried: ${JSON.stringify({ apiRequests, r: { ...r, html: undefined } })}`);
    await noRepository('from-uppy');
  });

  test('a page of an origin the server does not allow reads its 403', async () => {
    const other = await startServer(); // no -cors-origin
    try {
      const { page, apiRequests } = await open(uppyRecipe('uppy-xhr', other.url));
      assertShows(await pickAndUpload(page), 'Cross-origin request refused');
      assert.deepEqual(apiRequests, ['POST /api/repos']);
    } finally {
      await other.stop();
    }
  });

  test('the XHRUpload recipe: a picked folder becomes one repository, paths and bytes kept', async () => {
    const { page, apiRequests } = await open(uppyRecipe('uppy-xhr', srv.url));
    const r = await pickAndUpload(page);
    assert.deepEqual({ successful: r.successful, failed: r.failed, fileErrors: r.fileErrors }, { successful: files.size, failed: 0, fileErrors: [] });
    assert.deepEqual(apiRequests, ['POST /api/repos']);
    assert.deepEqual(await compareRepo(srv.url, 'from-uppy', files), []);
    assert.deepEqual(page.errors, []);
  });

  test('the Tus recipe: plan, each distinct missing blob with tus, commit', async () => {
    const { page, apiRequests } = await open(uppyRecipe('uppy-tus', srv.url));
    const created = page.evaluate(() => new Promise((resolve) => globalThis.uppy.once('oxdrop:created', resolve)));
    const r = await pickAndUpload(page);
    assert.deepEqual({ failed: r.failed, fileErrors: r.fileErrors }, { failed: 0, fileErrors: [] });
    assert.equal((await created).repository.name, 'from-uppy-tus');
    assert.deepEqual(await compareRepo(srv.url, 'from-uppy-tus', files), []);
    const count = (re) => apiRequests.filter((x) => re.test(x)).length;
    assert.equal(count(/^POST \/api\/uploads$/), 1, apiRequests.join('\n'));
    assert.equal(count(/^POST \/api\/uploads\/[^/]+\/files$/), files.size - 1, 'two files of one content: sent once');
    assert.equal(count(/^POST \/api\/repos$/), 1);
    assert.deepEqual(page.errors, []);
  });

  test('the Tus recipe for a taken name: the plan refuses it, Uppy shows the 409, no blob sent', async () => {
    const { page, apiRequests } = await open(uppyRecipe('uppy-tus', srv.url));
    const r = await pickAndUpload(page);
    assert.ok(r.error?.includes('Repo already exists') || r.info.some((i) => i.includes('Repo already exists')), JSON.stringify(r));
    assert.deepEqual(apiRequests, ['POST /api/uploads']);
  });
});
