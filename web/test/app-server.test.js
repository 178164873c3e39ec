// The page against the real server (`oxdrop serve`, which also serves the
// embedded app): the Oxen fixtures chosen as a folder become a repository
// whose files read back byte for byte, the server's hashes match the
// browser's, a taken name gives the 409 message, a missing token the 401
// message, an over-limit upload a limit message before anything is sent, and Cancel stops an upload
// mid-way leaving nothing behind.
// Needs the app built first (npm run build): the binary embeds build/dist.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixturesDir, launchChromium } from './helpers.js';
import { appMissing, fixtureFiles, fixturesMissing, openApp, startServer, waitDescribed } from './app-helpers.js';
import { skipUnless } from '../../internal/testenv/testenv.js';

const skip = skipUnless(appMissing() || fixturesMissing());

describe('oxdrop page with the server', { skip, timeout: 300_000 }, () => {
  let browser;
  const servers = [];
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    for (const s of servers) await s.stop();
  });

  async function server(...args) {
    const s = await startServer(...args);
    servers.push(s);
    return s;
  }

  async function fillForm(page, { namespace = 'ox', name, token = '' }) {
    await page.fill('input[name=namespace]', namespace);
    await page.fill('input[name=repo_name]', name);
    await page.fill('input[name=author_name]', 'Bessie');
    await page.fill('input[name=author_email]', 'bessie@oxen.ai');
    await page.fill('input[name=token]', token);
  }

  test('create a repository from the fixtures folder, read identical bytes back; a taken name shows the 409 message', async () => {
    const srv = await server();
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openApp(page, srv.url);
    await page.setInputFiles('input[type=file][webkitdirectory]', fixturesDir);
    const files = fixtureFiles();
    await waitDescribed(page, files.length);
    await fillForm(page, { name: 'fixtures' });
    await page.click('button[type=submit]');
    const commit = page.locator('[data-commit-id]');
    await page.waitForFunction(() => document.querySelector('[data-commit-id]')?.dataset.commitId || document.querySelector('#error')?.textContent, null, { timeout: 120_000 });
    assert.equal(await page.textContent('#error'), '', 'no error');
    const commitId = await commit.getAttribute('data-commit-id');
    assert.match(commitId, /^[0-9a-f]{20,32}$/);
    assert.match(await page.getAttribute('#result-verify', 'class'), /\bok\b/, await page.textContent('#result-verify'));
    assert.match(await page.textContent('#result-verify'), new RegExp(`All ${files.length} server hashes match`));
    // Opening the entries never widens the page: the table scrolls in its own box, "Create another" stays on screen.
    await page.click('#result-entries-title');
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 800 });
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `the page is no wider than a ${width} px viewport with the entries open`);
    }
    await page.setViewportSize({ width: 1280, height: 720 });

    // The repository link and its latest commit.
    const href = await page.getAttribute('#result-link', 'href');
    assert.equal(href, `${srv.url}api/repos/ox/fixtures`);
    const repo = await (await fetch(href)).json();
    assert.equal(repo.repository?.latest_commit?.id ?? repo.latest_commit?.id, commitId);
    // The repository view, one click from the result: the same commit.
    assert.equal(await page.getAttribute('#result-view', 'href'), 'repo.html#/ox/fixtures');
    const view = await browser.newPage();
    await view.goto(`${srv.url}repo.html#/ox/fixtures`);
    await view.waitForSelector(`[data-commit-id="${commitId}"]`);
    await view.close();

    // Every file reads back byte for byte under its relative path.
    const top = path.basename(fixturesDir);
    for (const rel of files) {
      const url = `${srv.url}api/repos/ox/fixtures/file/main/${[top, ...rel.split('/')].map(encodeURIComponent).join('/')}`;
      const res = await fetch(url);
      assert.equal(res.status, 200, `GET ${url}`);
      const got = Buffer.from(await res.arrayBuffer());
      assert.ok(got.equals(fs.readFileSync(path.join(fixturesDir, rel))), `bytes of ${rel}`);
    }

    // The same name again: 409, said in plain words in the alert.
    await page.click('#start-over');
    await page.setInputFiles('input[type=file]:not([webkitdirectory])', path.join(fixturesDir, 'text/hello.txt'));
    await waitDescribed(page, 1);
    await fillForm(page, { name: 'fixtures' });
    await page.click('button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#error').textContent.length > 0, null, { timeout: 60_000 });
    const alert = await page.locator('[role=alert]').textContent();
    assert.match(alert, /“fixtures” is already taken/);
    assert.match(alert, /fixtures-2/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('401 without a token, over-limit uploads refused before sending, and Cancel mid-upload leaves nothing behind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxdrop-apptest-auth-'));
    try {
      const tokens = path.join(dir, 'tokens');
      fs.writeFileSync(tokens, 'sesame\n');
      const srv = await server({ args: ['-tokens', tokens, '-max-body', '4MiB'] });
      const page = await browser.newPage();
      await openApp(page, srv.url);
      const big = path.join(dir, 'big.bin');
      fs.writeFileSync(big, Buffer.alloc(3 << 20, 7));
      await page.setInputFiles('input[type=file]:not([webkitdirectory])', big);
      await waitDescribed(page, 1);

      const submitAndReadAlert = async () => {
        await page.evaluate(() => (document.getElementById('error').textContent = ''));
        await page.click('button[type=submit]');
        await page.waitForFunction(() => document.querySelector('#error').textContent.length > 0, null, { timeout: 60_000 });
        return page.locator('[role=alert]').textContent();
      };
      await fillForm(page, { name: 'locked' });
      assert.match(await submitAndReadAlert(), /token is missing or wrong/);

      // Cancel: slow the upload down so it is still running when Cancel is pressed.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 512 * 1024 });
      await fillForm(page, { name: 'cancelled', token: 'sesame' });
      await page.click('button[type=submit]');
      // The figures of the 401 attempt are still on the page until the new upload starts: wait for the upload itself.
      await page.waitForFunction(() => document.body.classList.contains('is-uploading') && !document.getElementById('upload').hidden
        && /left|estimating/.test(document.getElementById('upload-figures').textContent), null, { timeout: 30_000 });
      // A drop while the upload runs is not ignored: the problems box says why nothing was added.
      await page.evaluate(() => {
        const file = new File(['late'], 'late.txt');
        const dt = { types: ['Files'], files: [file], items: [{ kind: 'file', webkitGetAsEntry: () => null, getAsFile: () => file }] };
        const ev = new Event('drop', { bubbles: true, cancelable: true });
        Object.defineProperty(ev, 'dataTransfer', { value: dt });
        document.getElementById('dropzone').dispatchEvent(ev);
      });
      // The drop is collected asynchronously (folders are walked first), so wait for the words.
      await page.waitForFunction(() => /cannot be added while an upload is running/.test(document.getElementById('problems').textContent), null, { timeout: 10_000 });
      await page.click('#cancel-upload');
      await page.waitForFunction(() => document.querySelector('#error').textContent.length > 0);
      assert.match(await page.locator('[role=alert]').textContent(), /cancelled/i);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'submit', 'after Cancel the focus is on the Create button, not on <body>');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      const gone = await fetch(`${srv.url}api/repos/ox/cancelled`);
      assert.equal(gone.status, 404, 'a cancelled upload creates nothing');

      // Over the limit: 5 MiB against 4 MiB.
      const bigger = path.join(dir, 'bigger.bin');
      fs.writeFileSync(bigger, Buffer.alloc(5 << 20, 9));
      await page.setInputFiles('input[type=file]:not([webkitdirectory])', bigger);
      await waitDescribed(page, 2);
      await fillForm(page, { name: 'toolarge', token: 'sesame' });
      // Refused before sending, from GET /api/limits: the alert names the
      // file and the server's per-file limit (4 MiB: -max-file defaults to -max-body).
      let posts = 0;
      page.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/api/repos') && posts++);
      assert.match(await submitAndReadAlert(), /“bigger\.bin” is 5\.24 MB; this server accepts files up to 4\.19 MB/);
      assert.equal(posts, 0, 'nothing was sent');
      assert.equal((await fetch(`${srv.url}api/repos/ox/toolarge`)).status, 404, 'no repository was created');

      // Under the per-file limit but over the total: both files together.
      const big2 = path.join(dir, 'big2.bin');
      fs.writeFileSync(big2, Buffer.alloc(2 << 20, 5));
      await page.click('#clear-all');
      await waitDescribed(page, 0);
      await page.setInputFiles('input[type=file]:not([webkitdirectory])', [big, big2]);
      await waitDescribed(page, 2);
      await fillForm(page, { name: 'toolarge', token: 'sesame' });
      const total = await submitAndReadAlert();
      assert.match(total, /this server accepts uploads up to 4\.19 MB in total/, total);
      assert.equal(posts, 0, 'nothing was sent');
      assert.equal((await fetch(`${srv.url}api/repos/ox/toolarge`)).status, 404, 'no repository was created');
      await page.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
