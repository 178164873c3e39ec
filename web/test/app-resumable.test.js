// The page's resumable uploads (docs/uploads.md) against the real server
// (`oxdrop serve`, which also serves the embedded app), watched request by
// request: a drop above the small-drop threshold goes plan → tus → commit
// and reads back; a taken name is refused by the plan before any byte; a
// second repository of the same files sends none; a network cut, a pause, a
// reload and a cancel each end as they should.
// Needs the app built first (npm run build): the binary embeds build/dist.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from './helpers.js';
import { formatBytes } from '../js/numbers.js';
import { appMissing, openApp, readRows, startServer, waitDescribed } from './app-helpers.js';
import { skipUnless } from '../../internal/testenv/testenv.js';

const MiB = 2 ** 20;

describe('oxdrop page: resumable uploads', { skip: skipUnless(appMissing()), timeout: 600_000 }, () => {
  let browser;
  let dir;
  const servers = [];
  before(async () => {
    browser = await launchChromium();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxdrop-apptest-resumable-'));
  });
  after(async () => {
    await browser?.close();
    for (const s of servers) await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function server() {
    const s = await startServer();
    servers.push(s);
    return s;
  }

  /** Writes files of random bytes ({name: size}) into a new folder; answers their paths. */
  function makeFiles(folder, sizes) {
    const top = path.join(dir, folder);
    fs.mkdirSync(top, { recursive: true });
    return Object.entries(sizes).map(([name, size]) => {
      const p = path.join(top, name);
      fs.writeFileSync(p, typeof size === 'string' ? fs.readFileSync(path.join(top, size)) : crypto.randomBytes(size));
      return p;
    });
  }

  // Twelve files (over the 8 of a small drop), two of them copies of others.
  const twelve = () => ({ ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}.bin`, 1000 + i * 30_000])), 'copy-of-f1.bin': 'f1.bin', 'copy-of-f2.bin': 'f2.bin' });
  // Three files of 24 MiB: each is a 16 MiB piece and an 8 MiB one.
  const three = () => ({ 'a.bin': 24 * MiB, 'b.bin': 24 * MiB, 'c.bin': 24 * MiB });

  async function newPage(srv) {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    page.requests = [];
    page.on('request', (r) => page.requests.push(r));
    await openApp(page, srv.url);
    return page;
  }

  async function drop(page, files) {
    await page.setInputFiles('input[type=file]:not([webkitdirectory])', files);
    await waitDescribed(page, files.length);
    return Object.fromEntries((await readRows(page)).map((r) => [r.path, r.hash]));
  }

  async function fillForm(page, name) {
    await page.fill('input[name=namespace]', 'ox');
    await page.fill('input[name=repo_name]', name);
    await page.fill('input[name=author_name]', 'Bessie');
    await page.fill('input[name=author_email]', 'bessie@oxen.ai');
  }

  /**
   * A server, a page, files of random bytes ({name: size}) dropped and
   * described, the form filled with `name`, and the upload throttled to
   * `rate` bytes a second when given.
   */
  async function start(name, sizes, { rate = 0 } = {}) {
    const srv = await server();
    const page = await newPage(srv);
    const files = makeFiles(name, sizes);
    const hashes = await drop(page, files);
    await fillForm(page, name);
    if (rate) await throttle(page, rate);
    return { srv, page, files, hashes };
  }

  /** The page's requests of a kind, from index `from` of page.requests on. */
  function kinds(page, from = 0) {
    const out = { plan: [], create: [], head: [], patch: [], commit: [], cancel: [], multipart: [] };
    for (const r of page.requests.slice(from)) {
      const u = new URL(r.url()).pathname;
      const m = r.method();
      if (m === 'POST' && u === '/api/uploads') out.plan.push(r);
      else if (m === 'POST' && /^\/api\/uploads\/[^/]+\/files$/.test(u)) out.create.push(r);
      else if (m === 'HEAD' && u.includes('/files/')) out.head.push(r);
      else if (m === 'PATCH') out.patch.push(r);
      else if (m === 'DELETE' && /^\/api\/uploads\/[^/]+$/.test(u)) out.cancel.push(r);
      else if (m === 'POST' && u === '/api/repos') (/multipart/.test(r.headers()['content-type'] || '') ? out.multipart : out.commit).push(r);
    }
    return out;
  }

  /**
   * Bytes the PATCH requests carried or were to carry (a request cut off
   * has no Content-Length to read): each piece of a blob of `size` bytes
   * starts at its Upload-Offset and is 16 MiB long, or the rest.
   */
  function patchBytes(requests, size) {
    return requests.reduce((n, r) => n + Math.min(16 * MiB, size - Number(r.headers()['upload-offset'])), 0);
  }

  async function waitResult(page, timeout = 180_000) {
    await page.waitForFunction(() => (!document.getElementById('result').hidden && document.querySelector('[data-commit-id]')?.dataset.commitId) || document.querySelector('#error')?.textContent, null, { timeout, polling: 100 });
    assert.equal(await page.textContent('#error'), '', 'no error');
    return page.getAttribute('#result-commit', 'data-commit-id');
  }

  /** The repository as the server reads it back: path → hash. */
  async function readBack(srv, name) {
    const res = await fetch(`${srv.url}api/repos/ox/${name}`);
    assert.equal(res.status, 200, `GET ox/${name}`);
    const body = await res.json();
    return Object.fromEntries(body.metadata_entries.map((e) => [e.resource.path, e.hash]));
  }

  /** Records every text the note, the status and the rows' data-upload take. */
  function recordPanel(page) {
    return page.evaluate(() => {
      window.seen = { note: [], status: [], rows: new Set() };
      const note = document.getElementById('upload-note');
      const status = document.getElementById('upload-status');
      new MutationObserver(() => {
        if (note.textContent && window.seen.note.at(-1) !== note.textContent) window.seen.note.push(note.textContent);
        if (!status.hidden && window.seen.status.at(-1) !== status.textContent) window.seen.status.push(status.textContent);
      }).observe(document.getElementById('upload'), { subtree: true, childList: true, characterData: true, attributes: true });
      new MutationObserver((records) => {
        for (const r of records) if (r.target.dataset?.upload) window.seen.rows.add(r.target.dataset.upload);
      }).observe(document.getElementById('file-list'), { subtree: true, attributes: true, attributeFilter: ['data-upload'] });
    });
  }
  const seen = (page) => page.evaluate(() => ({ ...window.seen, rows: [...window.seen.rows].sort() }));

  async function throttle(page, bytesPerSecond, offline = false) {
    page.cdp ??= await page.context().newCDPSession(page);
    await page.cdp.send('Network.enable');
    await page.cdp.send('Network.emulateNetworkConditions', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
  }

  // The network cut: context.setOffline gives the page navigator.onLine and
  // its offline/online events; the conditions of a CDP session that
  // throttles win over it for requests (Chromium 148 with playwright-core
  // 1.65 sends requests to loopback with setOffline alone in that case), so
  // that session goes offline too, first: the requests fail before the
  // page hears of it, and work again before it does.
  async function cut(page, off) {
    if (page.cdp) await throttle(page, -1, off);
    await page.context().setOffline(off);
  }

  test('a drop of 12 files goes plan → tus → commit, a content dropped twice is sent once, and the repository reads back', async () => {
    const { srv, page, files, hashes } = await start('twelve', twelve());
    await recordPanel(page);
    await page.click('button[type=submit]');
    const commitId = await waitResult(page);
    assert.match(commitId, /^[0-9a-f]{20,32}$/);
    assert.match(await page.textContent('#result-verify'), /All 12 server hashes match/);

    const k = kinds(page);
    assert.equal(k.plan.length, 1, 'one plan');
    assert.equal(k.multipart.length, 0, 'no multipart request');
    assert.equal(k.create.length, 10, 'one tus creation per distinct content');
    assert.equal(k.patch.length, 10, 'one piece each (all under 16 MiB)');
    assert.equal(k.head.length, 0, 'a fresh upload asks nothing');
    assert.equal(k.commit.length, 1, 'one commit');
    const plan = await (await k.plan[0].response()).json();
    const commit = k.commit[0].postDataJSON();
    assert.equal(commit.upload_id, plan.upload.id);
    assert.deepEqual(Object.fromEntries(commit.files.map((f) => [f.path, f.contents.Blob])), hashes);
    assert.deepEqual(commit.files[0].user, { name: 'Bessie', email: 'bessie@oxen.ai' });
    assert.deepEqual(await readBack(srv, 'twelve'), hashes);
    const got = Buffer.from(await (await fetch(`${srv.url}api/repos/ox/twelve/file/main/copy-of-f2.bin`)).arrayBuffer());
    assert.ok(got.equals(fs.readFileSync(files[2])), 'bytes of a copy read back');
    // The rows showed their upload, and show nothing of it after.
    const s = await seen(page);
    assert.ok(s.rows.includes('sent'), `rows went through ${s.rows}`);
    await page.waitForFunction(() => !document.querySelector('#file-list [data-upload]'), null, { timeout: 10_000 });
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('a taken name is refused by the plan (409) before any byte is sent, in the alert, with the focus on the name', async () => {
    const srv = await server();
    // ox/taken exists; ox/held is held by another upload in progress.
    const fd = new FormData();
    fd.append('new_repo', JSON.stringify({ namespace: 'ox', name: 'taken' }));
    fd.append('name', 'A');
    fd.append('email', 'a@b.c');
    assert.ok((await fetch(`${srv.url}api/repos`, { method: 'POST', body: fd })).ok);
    const other = { namespace: 'ox', name: 'held', files: [{ path: 'x', hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', size: 1 }] };
    assert.equal((await fetch(`${srv.url}api/uploads`, { method: 'POST', body: JSON.stringify(other), headers: { 'Content-Type': 'application/json' } })).status, 201);

    const page = await newPage(srv);
    await drop(page, makeFiles('taken', twelve()));
    for (const [name, words] of [['taken', /exists|taken/i], ['held', /held by another upload/]]) {
      const from = page.requests.length;
      await fillForm(page, name);
      await page.evaluate(() => (document.getElementById('error').textContent = ''));
      await page.click('button[type=submit]');
      await page.waitForFunction(() => document.querySelector('#error').textContent.length > 0, null, { timeout: 60_000 });
      const alert = await page.locator('[role=alert]').textContent();
      assert.match(alert, new RegExp(`“${name}” is already taken.*“${name}-2”`), alert);
      assert.match(alert, words, alert);
      const k = kinds(page, from);
      assert.equal(k.plan.length, 1);
      assert.equal((await k.plan[0].response()).status(), 409);
      assert.deepEqual([k.create.length, k.patch.length, k.commit.length, k.multipart.length], [0, 0, 0, 0], 'nothing else was sent');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'repo_name', 'the focus is on the name');
    }
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('a second repository of the same files sends no file byte, and the page says they are already on the server', async () => {
    const srv = await server();
    const page = await newPage(srv);
    const files = makeFiles('again', twelve());
    const hashes = await drop(page, files);
    await fillForm(page, 'first');
    await page.click('button[type=submit]');
    await waitResult(page);
    await page.click('#start-over');
    await waitDescribed(page, 0);

    const from = page.requests.length;
    await drop(page, files);
    await fillForm(page, 'second');
    await recordPanel(page);
    await page.click('button[type=submit]');
    await waitResult(page);
    const k = kinds(page, from);
    assert.deepEqual([k.plan.length, k.create.length, k.patch.length, k.commit.length], [1, 0, 0, 1], 'a plan and a commit, nothing between');
    assert.deepEqual((await (await k.plan[0].response()).json()).upload.missing, []);
    const s = await seen(page);
    const total = files.reduce((n, f) => n + fs.statSync(f).size, 0);
    assert.ok(s.note.includes(`All 12 files are already on the server: ${formatBytes(total)} not sent`), JSON.stringify(s.note));
    assert.deepEqual(s.rows, ['present']);
    assert.deepEqual(await readBack(srv, 'second'), hashes);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('the network cut mid-upload: "Connection lost, retrying", then each blob goes on from the server offset (HEAD) and the repository is created', async () => {
    const { srv, page, hashes } = await start('cut', three(), { rate: 8 * MiB });
    await recordPanel(page);
    const t0 = Date.now();
    await page.click('button[type=submit]');
    await page.waitForResponse((r) => r.request().method() === 'PATCH' && r.status() === 204, { timeout: 120_000 });
    const before = page.requests.length;
    await cut(page, true);
    await page.waitForFunction(() => /Connection lost, retrying in \d+ s/.test(document.getElementById('upload-status').textContent), null, { timeout: 60_000 });
    assert.match(await page.textContent('#upload-status-live'), /Connection lost, retrying automatically/);
    const piecesBefore = kinds(page).patch.length;
    const back = page.requests.length;
    await cut(page, false);
    const commitId = await waitResult(page);
    console.log(`# network cut: created in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.ok(commitId);
    assert.deepEqual(await readBack(srv, 'cut'), hashes);
    const after = kinds(page, back);
    assert.ok(after.head.length >= 1, 'the blobs in flight were asked for their offset');
    assert.equal(after.create.length, 0, 'no blob started again');
    const all = kinds(page);
    const total = 3 * 24 * MiB;
    const sent = patchBytes(all.patch, 24 * MiB);
    console.log(`# network cut: ${all.patch.length} pieces (${piecesBefore} before the cut), ${sent} bytes for ${total}; PATCH during the cut ${kinds(page, before).patch.length - after.patch.length}`);
    assert.ok(sent >= total, 'every byte was sent');
    assert.ok(sent - total <= 3 * 16 * MiB, `re-sent ${sent - total} bytes: at most one piece per file in flight`);
    const s = await seen(page);
    assert.ok(s.status.some((t) => /Connection lost, retrying in \d+ s/.test(t)), JSON.stringify(s.status));
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('Pause (from the keyboard) stops sending, Resume goes on, and the repository is created', async () => {
    const { srv, page, hashes } = await start('paused', three(), { rate: 8 * MiB });
    await page.click('button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#file-list [data-upload="sending"] .up')?.textContent.match(/^[1-9]\d*%$/), null, { timeout: 120_000, polling: 100 });
    // The focus is on Cancel; Pause is just before it.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'cancel-upload');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'pause-upload');
    await page.keyboard.press('Enter');
    const paused = page.requests.length;
    assert.equal(await page.textContent('#pause-upload'), 'Resume');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'pause-upload', 'the focus stays on the button');
    await page.waitForFunction(() => /Paused/.test(document.getElementById('upload-status').textContent));
    // A while paused: no piece starts. (Screenshots of the paused state, for a person to
    // look at, when OXDROP_SCREENSHOTS names a folder.)
    await throttle(page, -1);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.locator('#upload').scrollIntoViewIfNeeded();
      if (process.env.OXDROP_SCREENSHOTS) await page.screenshot({ path: path.join(process.env.OXDROP_SCREENSHOTS, `oxdrop-paused-${width}.png`) });
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `no sideways scroll at ${width} px`);
      const box = await page.evaluate(() => {
        const r = (id) => document.getElementById(id).getBoundingClientRect();
        return { pause: r('pause-upload'), cancel: r('cancel-upload'), upload: r('upload') };
      });
      assert.ok(box.pause.right <= box.cancel.left && box.cancel.right <= box.upload.right, `the buttons fit at ${width} px: ${JSON.stringify(box)}`);
    }
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.waitForTimeout(1500);
    assert.equal(kinds(page, paused).patch.length, 0, 'no PATCH while paused');
    const rows = await page.$$eval('#file-list [data-upload]', (rs) => rs.map((r) => [r.dataset.upload, r.querySelector('.up').textContent, r.dataset.path, r.dataset.hash]));
    assert.ok(rows.some(([state, label]) => state === 'sending' && /^\d+%$/.test(label)), JSON.stringify(rows));
    assert.ok(rows.every(([, , p, h]) => p && h), 'rows keep data-path and data-hash');
    await page.focus('#pause-upload');
    await page.keyboard.press('Space');
    assert.equal(await page.textContent('#pause-upload'), 'Pause');
    await waitResult(page);
    assert.ok(kinds(page, paused).head.length >= 1, 'resumed blobs were asked for their offset');
    assert.deepEqual(await readBack(srv, 'paused'), hashes);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('a reload mid-upload, the same files dropped again under the same name: the same upload goes on where it stopped', async () => {
    const { srv, page, files, hashes } = await start('reloaded', three(), { rate: 8 * MiB });
    await page.click('button[type=submit]');
    await page.waitForResponse((r) => r.request().method() === 'PATCH' && r.status() === 204, { timeout: 120_000 });
    const first = await (await kinds(page).plan[0].response()).json();
    // Still throttled while the page goes (a faster network would finish the
    // upload before the reload cuts it); not once it is back.
    await page.reload();
    await openApp(page, srv.url);
    await throttle(page, -1);
    const from = page.requests.length;
    await drop(page, files);
    await fillForm(page, 'reloaded');
    await page.click('button[type=submit]');
    await waitResult(page);
    const k = kinds(page, from);
    const second = await (await k.plan[0].response()).json();
    assert.equal(second.upload.id, first.upload.id, 'the same upload');
    assert.ok(second.upload.missing.length >= 1);
    let had = 0;
    for (const h of k.head) had += Number((await h.response())?.headers()['upload-offset'] || 0);
    const sent = patchBytes(k.patch, 24 * MiB);
    console.log(`# reload: ${had} bytes were on the server, ${sent} sent after the reload`);
    assert.ok(had >= 16 * MiB, 'at least one piece was kept');
    const missingBytes = second.upload.missing.length * 24 * MiB;
    assert.equal(sent + had, missingBytes, 'only the rest was sent');
    assert.deepEqual(await readBack(srv, 'reloaded'), hashes);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('Cancel deletes the upload, so the name is free at once', async () => {
    const { srv, page } = await start('cancelled', three(), { rate: 4 * MiB });
    await page.click('button[type=submit]');
    await page.waitForRequest((r) => r.method() === 'PATCH', { timeout: 120_000 });
    const id = (await (await kinds(page).plan[0].response()).json()).upload.id;
    const deleted = page.waitForResponse((r) => r.request().method() === 'DELETE');
    await page.click('#cancel-upload');
    assert.equal((await deleted).url(), `${srv.url}api/uploads/${id}`);
    assert.equal((await deleted).status(), 204);
    await page.waitForFunction(() => document.querySelector('#error').textContent.length > 0);
    assert.match(await page.locator('[role=alert]').textContent(), /cancelled.*name is free/i);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'submit');
    const plan = { namespace: 'ox', name: 'cancelled', files: [{ path: 'x', hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', size: 1 }] };
    assert.equal((await fetch(`${srv.url}api/uploads`, { method: 'POST', body: JSON.stringify(plan), headers: { 'Content-Type': 'application/json' } })).status, 201, 'the name is free');
    assert.equal((await fetch(`${srv.url}api/repos/ox/cancelled`)).status, 404, 'nothing was created');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
