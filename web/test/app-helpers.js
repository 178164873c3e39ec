// Helpers for the page's browser tests (app*.test.js): where the built app
// is, serving it with a Chromium for a describe block, waiting until every
// listed file is described, reading the rows of the list (which draws only
// those in view), and building the oxdrop binary for the tests that need
// the real server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before } from 'node:test';
import { distDir, fixturesDir, launchChromium, listFiles, repoRoot, startStaticServer } from './helpers.js';
import { fixturesMissing, needs } from '../../internal/testenv/testenv.js';

export { fixturesMissing };

const run = promisify(execFile);

/** The built app under test: build/dist, or OXDROP_APP_DIR. */
export const appDir = process.env.OXDROP_APP_DIR || distDir;

/** Why the app tests cannot run (a testenv needs(...) message), or false when they can. */
export function appMissing() {
  const index = path.join(appDir, 'index.html');
  if (!fs.existsSync(index)) return needs(`the built app (${index})`, 'run "npm run build" first');
  if (!fs.readFileSync(index, 'utf8').includes('id="folder-input"')) return needs(`this page built (${index} is another)`, 'run "npm run build" again');
  if (!fs.existsSync(path.join(appDir, 'oxdrop.wasm'))) return needs(`the built engine (${appDir}/oxdrop.wasm)`, 'run "npm run build"');
  return false;
}

/** Every fixture file, relative to the fixtures folder. */
export function fixtureFiles() {
  return listFiles(fixturesDir);
}

/** Opens the app and waits until the engine is up (or failed, which fails the test). */
export async function openApp(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => document.querySelector('#engine-status')?.dataset.state !== 'loading', null, { timeout: 30_000 });
  const state = await page.getAttribute('#engine-status', 'data-state');
  if (state !== 'ready') throw new Error(`engine did not start: ${await page.textContent('#error')}`);
}

/**
 * For a describe block: the built app served on 127.0.0.1 and a Chromium,
 * started before its tests and stopped after. app.newPage(viewport) opens
 * the app in a new context (page.errors collects its uncaught errors);
 * app.url is where it is served.
 */
export function useApp() {
  const app = { server: null, browser: null };
  before(async () => {
    app.server = await startStaticServer({ root: appDir });
    app.browser = await launchChromium();
  });
  after(async () => {
    await app.browser?.close();
    await app.server?.close();
  });
  Object.defineProperty(app, 'url', { get: () => app.server.url });
  app.newPage = async (viewport = { width: 1280, height: 800 }) => {
    const context = await app.browser.newContext({ viewport });
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    await openApp(page, app.server.url);
    return page;
  };
  return app;
}

/**
 * Waits until the list counts `count` entries (#file-list's data-total)
 * and every one is described or failed (data-described + data-failed).
 * The list draws only the rows its box shows; these counts are of all.
 */
export async function waitDescribed(page, count, timeout = 120_000) {
  await page.waitForFunction(
    (n) => {
      const d = document.getElementById('file-list')?.dataset;
      return d && Number(d.total) === n && Number(d.described) + Number(d.failed) === n;
    },
    count,
    { timeout, polling: 250 },
  );
}

/**
 * Every row of the list, in order, as {path, hash, type, mime, state, meta,
 * duplicate, error}: the list draws only the rows in view, so its box is
 * scrolled from top to bottom and each row read as it is drawn (then
 * scrolled back). Folder rows (grouped by folder) are left out.
 */
export function readRows(page) {
  return page.evaluate(async () => {
    const list = document.getElementById('file-list');
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const seen = new Map();
    const read = () => {
      for (const r of list.querySelectorAll('[data-path]')) {
        seen.set(Number(r.getAttribute('aria-rowindex')), {
          path: r.dataset.path,
          hash: r.dataset.hash,
          type: r.dataset.type,
          mime: r.dataset.mime,
          state: r.dataset.state,
          meta: r.querySelector('.meta')?.textContent ?? '',
          duplicate: r.dataset.duplicate ?? '',
          error: r.dataset.state === 'error' ? r.querySelector('.hash')?.textContent : '',
        });
      }
    };
    const keep = list.scrollTop;
    const step = Math.max(40, list.clientHeight - 60);
    list.scrollTop = 0;
    await frame();
    read();
    while (list.scrollTop + list.clientHeight < list.scrollHeight - 1) {
      const before = list.scrollTop;
      list.scrollTop += step;
      await frame();
      read();
      if (list.scrollTop === before) break;
    }
    list.scrollTop = keep;
    await frame();
    return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row);
  });
}

/**
 * Drops a folder tree on the page, as a drop of files and folders from the
 * desktop gives it (entries read through readEntries): tree is {name: text
 * of a file | tree of a folder}.
 */
export function dropTree(page, tree) {
  return page.evaluate((tree) => {
    const entry = (name, v) =>
      typeof v === 'string'
        ? { name, isFile: true, isDirectory: false, file: (ok) => setTimeout(() => ok(new File([v], name))) }
        : {
            name,
            isFile: false,
            isDirectory: true,
            createReader() {
              let done = false;
              return { readEntries: (ok) => setTimeout(() => ok(done ? [] : ((done = true), Object.entries(v).map(([n, c]) => entry(n, c))))) };
            },
          };
    const items = Object.entries(tree).map(([n, v]) => ({ kind: 'file', webkitGetAsEntry: () => entry(n, v), getAsFile: () => null }));
    const ev = new Event('drop', { bubbles: true, cancelable: true });
    Object.defineProperty(ev, 'dataTransfer', { value: { types: ['Files'], files: [], items } });
    document.getElementById('dropzone').dispatchEvent(ev);
  }, tree);
}

/** Scrolls the list until the row of path is drawn and in view (the list draws only what it shows). */
export async function revealRow(page, path) {
  const found = await page.evaluate(async (path) => {
    const list = document.getElementById('file-list');
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const find = () => [...list.querySelectorAll('[data-path]')].find((r) => r.dataset.path === path);
    list.scrollTop = 0;
    await frame();
    for (;;) {
      const row = find();
      if (row) {
        row.scrollIntoView({ block: 'center' });
        await frame();
        return true;
      }
      const before = list.scrollTop;
      list.scrollTop += Math.max(40, list.clientHeight - 60);
      await frame();
      if (list.scrollTop === before) return false;
    }
  }, path);
  if (!found) throw new Error(`no row for ${path} in the list`);
}

/**
 * The body of a stand-in server's answer to a creation (POST /api/repos,
 * 200): ox/name at commit commitId, with entries [{path, hash, size}].
 */
export function createdBody(name, commitId, entries) {
  const entry = ({ path, hash, size }) => ({ filename: path, hash, is_dir: false, latest_commit: null, resource: { path }, size, data_type: 'text', mime_type: 'text/plain', extension: 'txt', metadata: null, is_queryable: null });
  return JSON.stringify({
    status: 'success',
    status_message: 'resource_created',
    repository: { namespace: 'ox', name, latest_commit: { id: commitId, parent_ids: [], message: 'Initial commit', author: 'Bessie', email: 'b@oxen.ai', timestamp: '2026-01-01T00:00:00Z' } },
    metadata_entries: entries.map(entry),
  });
}

let binary = null;

/**
 * Builds the oxdrop binary once per test process (into a temp folder,
 * removed when the process exits) and returns its path. The build embeds
 * build/dist, so build the app first.
 */
export async function oxdropBinary() {
  if (binary) return binary;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxdrop-apptest-bin-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'oxdrop');
  await run('go', ['build', '-o', out, './server/cmd/oxdrop'], { cwd: repoRoot, env: { ...process.env, GOFLAGS: process.env.GOFLAGS || '-buildvcs=false' }, maxBuffer: 16 << 20 });
  binary = out;
  return out;
}

/** `oxdrop inspect DIR` as a map path → entry. */
export async function inspect(dir) {
  const bin = await oxdropBinary();
  const { stdout } = await run(bin, ['inspect', dir], { maxBuffer: 64 << 20 });
  const out = new Map();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line);
    out.set(e.path, e);
  }
  return out;
}

/**
 * Starts `oxdrop serve` on 127.0.0.1 at a free port with a fresh data folder
 * and any extra flags. Returns {url, dataDir, log(), stop()}.
 */
export async function startServer({ args = [] } = {}) {
  const bin = await oxdropBinary();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxdrop-apptest-data-'));
  const port = await freePort();
  const child = spawn(bin, ['serve', '-addr', `127.0.0.1:${port}`, '-data', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`oxdrop serve exited (${child.exitCode}): ${log}`);
    try {
      const res = await fetch(url);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`oxdrop serve did not answer on ${url}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dataDir,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
