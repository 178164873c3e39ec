// The page against the real server with file names a browser escapes in
// multipart/form-data: Chromium writes " as %22 in a part's filename (and
// leaves %, so a name with the text "%22" arrives the same); the server
// undoes the escape, and the manifest the page sends first keeps a real
// "%22" as it is. Chosen as a folder, every path reads back exactly.
// Needs the app built first (npm run build): the binary embeds build/dist.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, startStaticServer } from './helpers.js';
import { appMissing, openApp, readRows, startServer, waitDescribed } from './app-helpers.js';
import { skipUnless } from '../../internal/testenv/testenv.js';

describe('oxdrop page with names holding quotes', { skip: skipUnless(appMissing()), timeout: 180_000 }, () => {
  let browser;
  let srv;
  let dir;
  before(async () => {
    browser = await launchChromium();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxdrop-apptest-quotes-'));
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('Chromium escapes " in a multipart filename as %22 and leaves % alone', async () => {
    let body = '';
    const echo = await startStaticServer({
      routes: {
        '/echo': (req, res) => {
          req.setEncoding('latin1');
          req.on('data', (d) => (body += d));
          req.on('end', () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok'));
        },
        '/echo.html': '<!doctype html><title>echo</title>',
      },
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${echo.url}echo.html`);
      await page.evaluate(async () => {
        const fd = new FormData();
        fd.append('file[]', new File(['x'], 'a"b.txt'));
        fd.append('file[]', new File(['y'], '100%22.txt'));
        await fetch('/echo', { method: 'POST', body: fd });
      });
      assert.match(body, /filename="a%22b\.txt"/);
      assert.match(body, /filename="100%22\.txt"/);
      await page.close();
    } finally {
      await echo.close();
    }
  });

  test('a folder with " in file and folder names, and a file named 100%22.txt, becomes a repository with those exact paths', async () => {
    const top = path.join(dir, 'say "hi"');
    const files = {
      'a"b.txt': 'a quote\n',
      'quote"d/x.csv': 'a,b\n1,2\n',
      '100%22.txt': 'not a quote\n',
    };
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(top, rel)), { recursive: true });
      fs.writeFileSync(path.join(top, rel), text);
    }
    const want = Object.keys(files).map((rel) => `say "hi"/${rel}`).sort();

    srv = await startServer();
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openApp(page, srv.url);
    await page.setInputFiles('input[type=file][webkitdirectory]', top);
    await waitDescribed(page, want.length);
    assert.deepEqual((await readRows(page)).map((r) => r.path).sort(), want);
    await page.fill('input[name=namespace]', 'ox');
    await page.fill('input[name=repo_name]', 'quotes');
    await page.fill('input[name=author_name]', 'Bessie');
    await page.fill('input[name=author_email]', 'bessie@oxen.ai');
    await page.click('button[type=submit]');
    await page.waitForFunction(() => document.querySelector('[data-commit-id]')?.dataset.commitId || document.querySelector('#error')?.textContent, null, { timeout: 60_000 });
    assert.equal(await page.textContent('#error'), '', 'no error');
    assert.match(await page.textContent('#result-verify'), new RegExp(`All ${want.length} server hashes match`));

    const repo = await (await fetch(`${srv.url}api/repos/ox/quotes`)).json();
    assert.deepEqual(repo.metadata_entries.map((e) => e.resource.path).sort(), want);
    for (const [rel, text] of Object.entries(files)) {
      const url = `${srv.url}api/repos/ox/quotes/file/main/${['say "hi"', ...rel.split('/')].map(encodeURIComponent).join('/')}`;
      const res = await fetch(url);
      assert.equal(res.status, 200, `GET ${url}`);
      assert.equal(await res.text(), text, `bytes of ${rel}`);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });
});
