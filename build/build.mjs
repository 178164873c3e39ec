// Builds the web app into build/dist (npm run build): the trimmed Go
// WebAssembly engine (wasm/ -> oxdrop.wasm), Go's wasm_exec.js, and every
// file under web/ except web/test/, paths kept. The result uses relative
// URLs only, so it deploys unchanged to any static host; the Go server
// embeds it (build/embed.go).
//
// The output is written to a temporary folder beside dist and then renamed
// into place, so a server reading dist never sees a half-written app.
// A build id (hash of every output file) goes into dist/version.json and
// replaces the __BUILD_ID__ token in sw.js (the service worker's cache name).
// No npm dependencies.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'build', 'dist');
const web = path.join(root, 'web');
const tmp = path.join(root, 'build', `.dist-tmp-${process.pid}`);
const old = path.join(root, 'build', `.dist-old-${process.pid}`);

function go(args, env = {}) {
  return execFileSync('go', args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim();
}

// copyTree copies src into dst, skipping paths (relative, "/"-separated)
// for which skip returns true.
function copyTree(src, dst, skip, rel = '') {
  fs.mkdirSync(dst, { recursive: true });
  for (const ent of fs.readdirSync(src, { withFileTypes: true })) {
    const r = rel ? `${rel}/${ent.name}` : ent.name;
    if (skip(r)) continue;
    const from = path.join(src, ent.name);
    const to = path.join(dst, ent.name);
    if (ent.isDirectory()) copyTree(from, to, skip, r);
    else if (ent.isFile()) fs.copyFileSync(from, to);
  }
}

function listFiles(dir, rel = '') {
  const out = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${ent.name}` : ent.name;
    if (ent.isDirectory()) out.push(...listFiles(path.join(dir, ent.name), r));
    else out.push(r);
  }
  return out.sort();
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

// step prints what it is doing, runs fn and ends the line with its time.
function step(what, fn) {
  process.stdout.write(`app: ${what}... `);
  const t0 = Date.now();
  const result = fn();
  process.stdout.write(`done in ${secs(Date.now() - t0)}\n`);
  return result;
}

// checkShell fails the build when the service worker's list of files to
// keep offline (SHELL in sw.js) and the app's files disagree: a module
// missing from it is a page that breaks offline, a file named that the
// build lacks is an install that fails.
function checkShell(source, files) {
  const block = /const SHELL = \[([^\]]*)\]/.exec(source);
  if (!block) throw new Error('sw.js: no SHELL list found');
  const listed = new Set([...block[1].matchAll(/'([^']+)'/g)].map((m) => m[1]).filter((p) => p !== './'));
  const offline = files.filter((f) => !/(^|\/)(sw\.js|version\.json|README\.md|\.gitkeep)$|\.d\.ts$/.test(f));
  const missing = offline.filter((f) => !listed.has(f));
  const extra = [...listed].filter((f) => !files.includes(f));
  if (missing.length || extra.length) {
    throw new Error(`web/sw.js SHELL is out of date:${missing.length ? ` add ${missing.join(', ')}` : ''}${extra.length ? ` remove ${extra.join(', ')}` : ''}`);
  }
}

// stamp computes the build id over every output file in dir (path and
// bytes), writes it into sw.js and version.json, and measures the wasm.
function stamp(dir, wasm) {
  const files = listFiles(dir).filter((f) => f !== '.gitkeep');
  const h = crypto.createHash('sha256');
  for (const f of files) {
    h.update(f + '\0');
    h.update(fs.readFileSync(path.join(dir, f)));
    h.update('\0');
  }
  const buildId = h.digest('hex').slice(0, 16);
  const sw = path.join(dir, 'sw.js');
  if (fs.existsSync(sw)) {
    checkShell(fs.readFileSync(sw, 'utf8'), files);
    fs.writeFileSync(sw, fs.readFileSync(sw, 'utf8').replaceAll('__BUILD_ID__', buildId));
  }
  const wasmBytes = fs.statSync(wasm).size;
  const wasmGzip = zlib.gzipSync(fs.readFileSync(wasm), { level: 9 }).length;
  fs.writeFileSync(path.join(dir, 'version.json'), JSON.stringify({
    build_id: buildId,
    go: go(['env', 'GOVERSION']),
    wasm_bytes: wasmBytes,
    wasm_gzip_bytes: wasmGzip,
  }, null, 2) + '\n');
  return { files, buildId, wasmBytes, wasmGzip };
}

function build() {
  const started = Date.now();
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    // 1. The engine, trimmed (no symbol table, no DWARF, no local paths).
    const wasm = path.join(tmp, 'oxdrop.wasm');
    step('compiling the engine to WebAssembly (go build ./wasm)', () =>
      go(['build', '-trimpath', '-ldflags=-s -w', '-o', wasm, './wasm'], { GOOS: 'js', GOARCH: 'wasm' }));
    const { files, buildId, wasmBytes, wasmGzip } = step('copying web/ and stamping the build', () => {
      // 2. The JS glue of the same Go version.
      const goroot = go(['env', 'GOROOT']);
      fs.copyFileSync(path.join(goroot, 'lib', 'wasm', 'wasm_exec.js'), path.join(tmp, 'wasm_exec.js'));
      // 3. The app, without its tests.
      if (fs.existsSync(web)) copyTree(web, tmp, (r) => r === 'test');
      // Keep the placeholder git tracks, so a build leaves the tree clean.
      fs.writeFileSync(path.join(tmp, '.gitkeep'), '');
      // 4. The build id, over every output before stamping.
      return stamp(tmp, wasm);
    });

    // 5. Swap: dist -> old, tmp -> dist, then drop old. Each rename is
    // atomic; readers see either the old app or the new one.
    if (fs.existsSync(dist)) fs.renameSync(dist, old);
    fs.renameSync(tmp, dist);
    fs.rmSync(old, { recursive: true, force: true });

    let total = 0;
    for (const f of [...files, 'version.json']) total += fs.statSync(path.join(dist, f)).size;
    console.log(`app: ${path.relative(root, dist)}/ built in ${secs(Date.now() - started)}: ${files.length + 1} files, ${kib(total)} ` +
      `(oxdrop.wasm ${kib(wasmBytes)}, ${kib(wasmGzip)} gzip -9), build ${buildId}`);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(dist) && fs.existsSync(old)) fs.renameSync(old, dist);
    throw err;
  }
}

try {
  build();
} catch (err) {
  console.error(`build failed: ${err.message}`);
  process.exit(1);
}
