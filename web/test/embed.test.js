// The public engine module embedded in a page that is not the app (issue
// 14): `npm run pack:engine`'s tarball is installed with npm into a fresh
// project, served from one origin (with CORS), and imported by a page of
// another origin through an import map, as a bundler-free site would. The
// page describes the shared Oxen fixtures (results equal to
// `oxdrop inspect`), checks paths synchronously, previews a table, and
// creates repositories on the native server and on the Workers build
// (under workerd), resumable and single-request, reading each back.
//
// Needs build/dist (npm run build); builds build/worker when missing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { distDir, fixturesDir, launchChromium, repoRoot, startStaticServer } from './helpers.js';
import { inspect, startServer } from './app-helpers.js';
import { fixturesMissing, skipNow } from '../../internal/testenv/testenv.js';
import { startWorker, tempDir } from '../../server/worker/test/harness.js';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A page that embeds oxdrop</title><link rel="icon" href="data:,">
<script type="importmap">{"imports": {"@oxdrop/engine": "__MODULE__"}}</script>
</head><body>
<h1>Lab portal</h1>
<input id="folder" type="file" webkitdirectory>
<input id="files" type="file" multiple>
<script type="module">
import * as oxdrop from '@oxdrop/engine';
window.oxdropModule = oxdrop;
window.engineReady = oxdrop.createEngine({ workers: 2 }).then((e) => (window.engine = e));
</script>
</body></html>`;

describe('the engine module in another page, from another origin', { timeout: 600_000 }, () => {
  let browser;
  let pkgHost; // serves the installed package, with CORS
  let pageHost; // serves the page: another origin
  let native;
  let workers;
  let moduleURL;
  let pkgDir;
  let r2; // the Worker's R2 state
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'oxdrop-embed-'));
  const errors = [];

  before(async () => {
    assert.ok(fs.existsSync(path.join(distDir, 'js', 'oxdrop.js')), 'build/dist is missing: run npm run build first');
    // The Workers build, made here when missing (the browser stage runs before the Workers one).
    if (!fs.existsSync(path.join(repoRoot, 'build', 'worker', 'app.wasm'))) {
      execFileSync(process.execPath, [path.join(repoRoot, 'build', 'worker.mjs'), '--worker-only'], { cwd: repoRoot, stdio: 'pipe' });
    }
    // Pack, then install the tarball into a fresh project as another project would.
    const packed = execFileSync(process.execPath, [path.join(repoRoot, 'build', 'pack-engine.mjs')], { cwd: repoRoot, encoding: 'utf8' });
    const tgz = JSON.parse(fs.readFileSync(path.join(repoRoot, 'build', 'engine-package.json'), 'utf8')).tarball;
    assert.match(packed, /a page loads/);
    const project = path.join(work, 'portal');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), '{"name": "portal", "private": true}\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', path.join(repoRoot, 'build', tgz)], { cwd: project, stdio: 'pipe' });
    pkgDir = path.join(project, 'node_modules', '@oxdrop', 'engine');
    const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
    assert.equal(pkg.exports['.'].default, './js/oxdrop.js');
    assert.ok(fs.existsSync(path.join(pkgDir, pkg.exports['.'].types)), 'the type declarations are packed');

    pkgHost = await startStaticServer({ root: project });
    // CORS for the module, its workers' imports and the wasm.
    pkgHost.server.prependListener('request', (req, res) => res.setHeader('Access-Control-Allow-Origin', '*'));
    moduleURL = `${pkgHost.url}node_modules/@oxdrop/engine/js/oxdrop.js`;
    pageHost = await startStaticServer({ root: work, routes: { '/portal.html': PAGE.replace('__MODULE__', moduleURL), '/blank.html': PAGE.replace(/<script type="module">[^]*?<\/script>/, '') } });
    const pageOrigin = pageHost.url.replace(/\/$/, '');
    assert.notEqual(new URL(pkgHost.url).origin, pageOrigin);

    native = await startServer({ args: ['-cors-origin', pageOrigin] });
    r2 = tempDir('embed-r2');
    workers = await startWorker({ dir: path.join(repoRoot, 'build', 'worker'), persistDir: r2, bindings: { OXDROP_CORS_ORIGIN: pageOrigin } });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await native?.stop();
    await workers?.close();
    await pkgHost?.close();
    await pageHost?.close();
    fs.rmSync(work, { recursive: true, force: true });
    if (r2) fs.rmSync(r2, { recursive: true, force: true });
  });

  test('the package\'s TypeScript declarations: a typical use type-checks against the installed package, a wrong one does not', () => {
    const project = path.dirname(path.dirname(path.dirname(pkgDir)));
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    assert.ok(fs.existsSync(tsc), 'typescript is a dev dependency: run npm ci');
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'es2022', module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom', 'dom.iterable', 'esnext.asynciterable'], strict: true, noEmit: true, skipLibCheck: false },
      files: ['use.ts'],
    }));
    const good = `import { createEngine, createRepository, CreateRepositoryError, validatePath, type Described } from '@oxdrop/engine';
export async function run(files: FileList, signal: AbortSignal): Promise<string> {
  const engine = await createEngine({ workers: 2 });
  const seen: Described[] = [];
  for await (const d of engine.describe(files, { signal })) {
    if ('error' in d) continue;
    seen.push(d);
    const w: number | undefined = d.metadata && 'image' in d.metadata ? d.metadata.image.width : undefined;
    void w;
  }
  const bad: string | null = engine.validatePath('a/../b') ?? validatePath('x');
  const p = await engine.preview(files[0]!, { maxRows: 5 });
  if (p.kind === 'table') p.columns.join(',');
  try {
    const answer = await createRepository('https://oxdrop.example', files, {
      namespace: 'lab', name: 'scans', author: { name: 'B', email: 'b@example.org' }, engine, signal,
      onProgress: ({ phase, loaded, total }) => console.log(phase, loaded / total),
    });
    return answer.repository.latest_commit?.id ?? String(bad);
  } catch (err) {
    if (err instanceof CreateRepositoryError && err.kind === 'http') return String(err.status);
    throw err;
  } finally {
    engine.close();
  }
}
`;
    const typecheck = (source) => {
      fs.writeFileSync(path.join(project, 'use.ts'), source);
      try {
        execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8', stdio: 'pipe' });
        return '';
      } catch (err) {
        return `${err.stdout}${err.stderr}` || 'tsc failed';
      }
    };
    assert.equal(typecheck(good), '');
    // A misspelt option and a wrong type are caught.
    assert.match(typecheck(good.replace("namespace: 'lab', ", "namespaces: 'lab', ")), /namespace/);
    assert.match(typecheck(good.replace("engine.validatePath('a/../b')", 'engine.validatePath(42)')), /number/);
  });

  async function portal() {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${pageHost.url}portal.html`);
    await page.waitForFunction(() => window.engine || window.engineFailed, null, { timeout: 60_000 });
    return page;
  }

  test('describes the Oxen fixtures exactly as oxdrop inspect does; no globals; paths checked synchronously', async (t) => {
    if (fixturesMissing()) return skipNow(t, 'the Oxen fixtures are missing');
    const blank = await browser.newPage();
    await blank.goto(`${pageHost.url}blank.html`);
    const own = ['oxdropModule', 'engineReady', 'engine'];
    const baseline = await blank.evaluate(() => Object.keys(window));
    await blank.close();
    const page = await portal();
    await page.setInputFiles('#folder', fixturesDir);
    const got = await page.evaluate(async () => {
      const out = [];
      for await (const d of window.engine.describe(document.getElementById('folder').files)) out.push(d);
      return out;
    });
    const want = await inspect(fixturesDir);
    assert.equal(got.length, want.size);
    const top = `${path.basename(fixturesDir)}/`;
    for (const d of got) {
      assert.ok(d.path.startsWith(top), d.path);
      const e = want.get(d.path.slice(top.length));
      assert.ok(e, `inspect lists ${d.path}`);
      assert.deepEqual(d, { path: d.path, hash: e.hash, size: e.size, data_type: e.data_type, mime_type: e.mime_type, extension: e.extension, metadata: e.metadata }, d.path);
    }
    // The module adds nothing to the page's globals (the page's own three aside): no Go, fs or process.
    const globals = await page.evaluate((own) => Object.keys(window).filter((k) => !own.includes(k)), own);
    assert.deepEqual(globals.filter((k) => !baseline.includes(k)), []);

    const checks = await page.evaluate(() => ['data/train.csv', '../up.txt', 'a//b', '.OXEN/x', 'bidi\u202Etxt.exe', ''].map((p) => window.engine.validatePath(p)));
    assert.equal(checks[0], null);
    assert.match(checks[1], /contains a \.\. segment/);
    assert.match(checks[2], /empty segment/);
    assert.match(checks[3], /which is \.oxen on macOS and Windows/);
    assert.match(checks[4], /text-direction control U\+202E RIGHT-TO-LEFT OVERRIDE/);
    assert.equal(checks[5], 'file path is empty');

    // A preview: the head of a csv, and an image said to be one.
    const previews = await page.evaluate(async () => {
      const files = [...document.getElementById('folder').files];
      const csv = files.find((f) => f.name === 'llm_fine_tune.csv');
      const png = files.find((f) => f.name.endsWith('.png') || f.name.endsWith('.jpg'));
      const table = await window.engine.preview(csv, { maxRows: 3 });
      return { table: { kind: table.kind, columns: table.columns?.length, rows: table.rows?.length }, image: await window.engine.preview(png) };
    });
    assert.equal(previews.table.kind, 'table', JSON.stringify(previews.table));
    assert.ok(previews.table.columns > 0);
    assert.ok(previews.table.rows > 0 && previews.table.rows <= 3, JSON.stringify(previews.table));
    assert.equal(previews.image.kind, 'media');
    assert.equal(previews.image.data_type, 'image');
    assert.deepEqual(errors, []);
    await page.evaluate(() => window.engine.close());
    await page.close();
  });

  for (const target of ['native', 'workers']) {
    test(`creates repositories on the ${target} server: resumable, then one request; errors carry the server's words`, async () => {
      const base = target === 'native' ? native.url : `${workers.url}/`;
      const page = await portal();
      const files = { 'data/a.csv': 'x,y\n1,2\n3,4\n', 'data/deep/b.txt': 'hello from another origin\n', 'c.json': '[{"k": 1}]' };
      const run = (name, mode) => page.evaluate(async ({ base, files, name, mode }) => {
        const list = Object.entries(files).map(([p, text]) => ({ file: new Blob([text]), path: p }));
        const phases = [];
        const progress = [];
        try {
          const answer = await window.oxdropModule.createRepository(base, list, {
            namespace: 'lab', name, description: 'made by a page that embeds oxdrop', author: { name: 'Bessie', email: 'bessie@oxen.ai' },
            engine: window.engine, mode, hooks: { onPhase: (p) => phases.push(p) }, onProgress: (p) => progress.push(p.phase),
          });
          return { answer, phases, progress };
        } catch (err) {
          return { error: { name: err.name, kind: err.kind, status: err.status, message: err.message }, phases };
        }
      }, { base, files, name, mode });

      const resumable = await run('portal', 'auto');
      assert.equal(resumable.error, undefined, JSON.stringify(resumable.error));
      assert.equal(resumable.answer.status_message, 'resource_created');
      assert.ok(resumable.phases.includes('planning'), `the resumable protocol was used: ${resumable.phases}`);
      assert.ok(resumable.progress.includes('hashing'));
      const single = await run('portal-single', 'single');
      assert.equal(single.error, undefined, JSON.stringify(single.error));
      assert.ok(!single.phases.includes('planning'));
      for (const name of ['portal', 'portal-single']) {
        for (const [p, text] of Object.entries(files)) {
          const res = await fetch(`${base}api/repos/lab/${name}/file/main/${p}`);
          assert.equal(res.status, 200, `${name}/${p}`);
          assert.equal(await res.text(), text);
        }
      }
      const taken = await run('portal', 'auto');
      assert.deepEqual([taken.error?.name, taken.error?.kind, taken.error?.status], ['CreateRepositoryError', 'http', 409]);
      assert.match(taken.error.message, /already exists|taken|held/i);
      // Refused before anything is sent: a path the server would refuse, two files with one path.
      const local = await page.evaluate(async (base) => {
        const tries = [[{ file: new Blob(['x']), path: '../up.txt' }], [{ file: new Blob(['a']), path: 'a.txt' }, { file: new Blob(['b']), path: 'a.txt' }]];
        const out = [];
        for (const files of tries) {
          try {
            await window.oxdropModule.createRepository(base, files, { namespace: 'lab', name: 'never', engine: window.engine });
            out.push('created');
          } catch (err) {
            out.push(`${err.kind}: ${err.message}`);
          }
        }
        return out;
      }, base);
      assert.match(local[0], /^invalid: file path "\.\.\/up\.txt" contains a \.\. segment/);
      assert.match(local[1], /^invalid: Duplicate file path "a\.txt"/);
      assert.equal((await fetch(`${base}api/repos/lab/never`)).status, 404);
      const badName = await run('no spaces allowed', 'single');
      assert.equal(badName.error?.status, 400);
      assert.ok(badName.error.message.length > 10, badName.error.message);
      assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
      await page.close();
    });
  }
});
