// Packs oxdrop's public browser module (web/js/oxdrop.js) as an npm
// package (npm run pack:engine): build/oxdrop-engine-<version>.tgz, which
// another project installs with `npm install ./oxdrop-engine-<version>.tgz`.
//
// The package keeps the app's layout (js/oxdrop.js two folders below
// oxdrop.wasm and wasm_exec.js, as in build/dist), so the module's URLs
// resolve exactly as they do in the app: nothing is rewritten, and what is
// tested in the app is what is published. Only the files the module
// reaches are packed: the import graph of js/oxdrop.js and of the engine
// worker (which it starts by URL), the wasm and Go's glue.
//
// Needs build/dist (npm run build). Prints what a page loads, raw and gzip.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'build', 'dist');
const out = path.join(root, 'build');
const VERSION = process.env.OXDROP_ENGINE_VERSION || '0.2.0';

/** The relative module files (from dist) that entry reaches through static and literal dynamic imports. */
export function importClosure(entries, base = dist) {
  const seen = new Set();
  const todo = [...entries];
  const spec = /(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\s*\(\s*['"](\.[^'"]+)['"]\s*\)|^\s*import\s*['"](\.[^'"]+)['"]/gm;
  while (todo.length) {
    const rel = todo.pop();
    if (seen.has(rel)) continue;
    const file = path.join(base, rel);
    if (!fs.existsSync(file)) throw new Error(`${rel} is imported but missing from ${base}`);
    seen.add(rel);
    const src = fs.readFileSync(file, 'utf8');
    for (const m of src.matchAll(spec)) {
      const target = m[1] || m[2] || m[3];
      todo.push(path.posix.normalize(path.posix.join(path.posix.dirname(rel), target)));
    }
  }
  return [...seen].sort();
}

function main() {
  if (!fs.existsSync(path.join(dist, 'js', 'oxdrop.js')) || !fs.existsSync(path.join(dist, 'oxdrop.wasm'))) {
    console.error('pack:engine: build/dist is missing or incomplete: run npm run build first');
    process.exit(1);
  }
  const modules = importClosure(['js/oxdrop.js', 'js/engine/worker.js']);
  const files = [...modules, 'js/oxdrop.d.ts', 'oxdrop.wasm', 'wasm_exec.js'];
  const stage = path.join(out, `.engine-pkg-${process.pid}`);
  fs.rmSync(stage, { recursive: true, force: true });
  try {
    for (const rel of files) {
      fs.mkdirSync(path.join(stage, path.dirname(rel)), { recursive: true });
      fs.copyFileSync(path.join(dist, rel), path.join(stage, rel));
    }
    fs.copyFileSync(path.join(root, 'docs', 'embedding.md'), path.join(stage, 'README.md'));
    const pkg = {
      name: '@oxdrop/engine',
      version: VERSION,
      description: 'Hash, classify and preview files exactly as Oxen does (Go in WebAssembly, in Web Workers), and create oxdrop repositories from a web page.',
      license: 'Apache-2.0',
      type: 'module',
      sideEffects: false,
      main: './js/oxdrop.js',
      types: './js/oxdrop.d.ts',
      exports: {
        '.': { types: './js/oxdrop.d.ts', default: './js/oxdrop.js' },
        './oxdrop.wasm': './oxdrop.wasm',
        './package.json': './package.json',
      },
      files: ['js/', 'oxdrop.wasm', 'wasm_exec.js', 'README.md'],
      browser: true,
    };
    fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: stage, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } }).trim().split('\n').pop();
    // What a page that imports the module and starts the engine loads.
    const loaded = [...modules, 'oxdrop.wasm', 'wasm_exec.js'];
    let raw = 0;
    let gz = 0;
    let jsRaw = 0;
    let jsGz = 0;
    for (const rel of loaded) {
      const b = fs.readFileSync(path.join(stage, rel));
      const z = zlib.gzipSync(b, { level: 9 }).length;
      raw += b.length;
      gz += z;
      if (rel.endsWith('.js')) {
        jsRaw += b.length;
        jsGz += z;
      }
    }
    const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`pack:engine: build/${tgz} (${kib(fs.statSync(path.join(out, tgz)).size)}, ${files.length} files)`);
    console.log(`pack:engine: a page loads ${kib(raw)} (${kib(gz)} gzip): JavaScript ${kib(jsRaw)} (${kib(jsGz)} gzip) in ${loaded.length - 1} files, the rest oxdrop.wasm`);
    fs.writeFileSync(path.join(out, 'engine-package.json'), `${JSON.stringify({ tarball: tgz, version: VERSION, files, loaded: { raw, gzip: gz, jsRaw, jsGzip: jsGz } }, null, 2)}\n`);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
