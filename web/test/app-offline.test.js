// Offline: after one visit the service worker has cached the app and the Go
// engine, so with the network off (context.setOffline) the page still loads,
// hashes, classifies and previews. Also checks the cache is per build and
// never holds API answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fixturesDir, launchChromium, startStaticServer } from './helpers.js';
import { appDir, appMissing, fixturesMissing, openApp, readRows, waitDescribed } from './app-helpers.js';
import { skipUnless } from '../../internal/testenv/testenv.js';

const skip = skipUnless(appMissing() || fixturesMissing());

describe('oxdrop page offline', { skip, timeout: 180_000 }, () => {
  let server;
  let browser;
  const requests = [];
  before(async () => {
    server = await startStaticServer({
      root: appDir,
      routes: {
        // offline.js alone, its whenIdle in the test's hands.
        '/offline-probe.html': `<!doctype html><meta charset="utf-8"><title>probe</title><script type="module">
          import { registerOffline } from './js/offline.js';
          const idle = new Promise((r) => { window.release = r; });
          window.registered = registerOffline(() => idle).then((reg) => reg?.scope ?? null);
        </script>`,
        // An API answer the service worker must never cache.
        '/api/ping': (req, res) => {
          requests.push(req.url);
          res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
        },
      },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('after a first visit, the page loads, hashes, classifies and previews with the network off', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openApp(page, server.url);
    // The app registers its service worker once its first drop is described
    // (or after 10 s with none): a file, then the registration within 6 s.
    assert.equal(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r ?? null)), null, 'not registered before anything is dropped');
    await page.setInputFiles('input[type=file]:not([webkitdirectory])', path.join(fixturesDir, 'text/hello.txt'));
    await waitDescribed(page, 1);
    const registeredWithin = await page.evaluate(async () => {
      const t0 = performance.now();
      while (!(await navigator.serviceWorker.getRegistration())) {
        if (performance.now() - t0 > 6000) return null;
        await new Promise((r) => setTimeout(r, 100));
      }
      return performance.now() - t0;
    });
    assert.notEqual(registeredWithin, null, 'the service worker registered within 6 s of the first drop being described');
    // Wait until the service worker is installed and controls the page.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    });
    await page.evaluate(() => fetch('api/ping').then((r) => r.json()));
    const buildId = JSON.parse(fs.readFileSync(path.join(appDir, 'version.json'), 'utf8')).build_id;
    const caches = await page.evaluate(async () => {
      const out = {};
      for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
      return out;
    });
    assert.deepEqual(Object.keys(caches), [`oxdrop-${buildId}`], 'one cache, named after the build');
    const cached = Object.values(caches)[0];
    for (const p of ['/', '/index.html', '/js/app.js', '/js/engine/pool.js', '/js/engine/worker.js', '/wasm_exec.js', '/oxdrop.wasm']) assert.ok(cached.includes(p), `${p} cached`);
    assert.ok(!cached.some((p) => p.startsWith('/api/')), 'no API answer cached');

    await context.setOffline(true);
    await page.reload();
    await openApp(page, server.url);
    // Debian's Chromium 148 with playwright-core 1.65 keeps the requests of
    // the reloaded document offline but reports navigator.onLine as true in
    // it: going offline again delivers the state (and the offline event)
    // that a real network loss gives the page.
    await context.setOffline(false);
    await context.setOffline(true);
    await page.waitForFunction(() => !navigator.onLine);
    assert.equal(await page.isVisible('#net-status'), true, 'the page says it is offline');
    await page.setInputFiles('input[type=file]:not([webkitdirectory])', [path.join(fixturesDir, 'text/hello.txt'), path.join(fixturesDir, 'csvs/mixed_data_types.csv')]);
    await page.setInputFiles('input[type=file]:not([webkitdirectory])', { name: 'note.html', mimeType: 'text/html', buffer: Buffer.from('<h1>not a heading</h1>') });
    await waitDescribed(page, 3);
    const rows = Object.fromEntries((await readRows(page)).map((r) => [r.path, r]));
    assert.deepEqual([rows['hello.txt'].hash, rows['hello.txt'].type, rows['hello.txt'].mime], ['1bfd09d1a433fb78117b4c7b1583d16d', 'text', 'text/plain']);
    assert.deepEqual([rows['mixed_data_types.csv'].hash, rows['mixed_data_types.csv'].type], ['32dccc805d10ddb843964ed810734862', 'tabular']);
    assert.equal(rows['note.html'].mime, 'text/html');

    const dialog = page.locator('dialog#preview');
    await page.getByRole('button', { name: 'note.html', exact: true }).click();
    await dialog.locator('pre.preview-text').waitFor();
    assert.equal(await dialog.locator('pre.preview-text').textContent(), '<h1>not a heading</h1>');
    assert.equal(await dialog.locator('h1').count(), 0);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'mixed_data_types.csv', exact: true }).click();
    await dialog.locator('tbody tr').first().waitFor();
    assert.equal(await dialog.locator('tbody tr').count(), 4);
    await page.keyboard.press('Escape');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the service worker registers only once nothing is being hashed', async () => {
    // Its install reads the whole shell through the browser process that
    // also reads the files being hashed (offline.js): registering while a
    // file hashes slowed it ~20%.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}offline-probe.html`);
    await page.waitForFunction(() => typeof window.release === 'function');
    // Past the idle callback's 1 s timeout.
    await page.waitForTimeout(2000);
    assert.equal(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r ?? null)), null, 'no registration while files are being described');
    await page.evaluate(() => window.release());
    assert.equal(await page.evaluate(() => window.registered), server.url, 'registered once idle, for the app root');
    assert.ok(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => Boolean(r))));
    await context.close();
  });

  test('an engine that cannot start: the error in [role=alert], and files it never describes do not hold the service worker back', async () => {
    const context = await browser.newContext();
    await context.route('**/oxdrop.wasm', (route) => route.fulfill({ status: 404, body: 'gone' }));
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => document.querySelector('#engine-status')?.dataset.state === 'error', null, { timeout: 30_000 });
    const alert = page.locator('[role=alert]');
    await alert.waitFor();
    assert.match(await alert.textContent(), /The file engine could not start/);
    await page.setInputFiles('input[type=file]:not([webkitdirectory])', path.join(fixturesDir, 'text/hello.txt'));
    // Never described; the registration comes 10 s after load all the same.
    const registered = await page.evaluate(async () => {
      const t0 = performance.now();
      while (!(await navigator.serviceWorker.getRegistration())) {
        if (performance.now() - t0 > 15_000) return false;
        await new Promise((r) => setTimeout(r, 200));
      }
      return true;
    });
    assert.equal(registered, true, 'registered without an engine');
    await context.close();
  });
});
