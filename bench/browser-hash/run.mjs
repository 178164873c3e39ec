// Browser hashing benchmark (npm run bench:hash; issue 6, benchmark 1):
// the time from a chosen 256 MiB and 1 GiB file to its hash, for oxdrop's
// engine pool, hash-wasm's streaming XXH3-128 (on the page over
// file.stream(), and in a worker over FileReaderSync slices as oxdrop reads)
// and a read-only pass (same two ways), all in one headless Chromium run:
// 3 repetitions each, interleaved, median. Then the whole app: from the
// file input's change event to the file's hash in its row on screen. Also the engine's start-up (time
// to pool.ready()) and the wasm size. Needs `npm run build` first.
//   OXDROP_BENCH_PORT (default 3301), OXDROP_BENCH_REPS (default 3),
//   OXDROP_BENCH_SIZES (MiB, default "256,1024")
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { distDir, launchChromium, repoRoot, startStaticServer } from '../../web/test/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const reps = Number(process.env.OXDROP_BENCH_REPS || 3);
const port = Number(process.env.OXDROP_BENCH_PORT || 3301);
const sizes = (process.env.OXDROP_BENCH_SIZES || '256,1024').split(',').map((m) => Number(m) * (1 << 20));

function writePatterned(file, size) {
  if (fs.existsSync(file) && fs.statSync(file).size === size) return;
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < block.length; i++) block[i] = (i * 131 + (i >> 9)) & 0xff;
  const fd = fs.openSync(file, 'w');
  try {
    for (let off = 0; off < size; off += block.length) {
      block.writeUInt32LE(off / block.length, 0);
      fs.writeSync(fd, block, 0, Math.min(block.length, size - off));
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Installed before the app's scripts: window.__choiceToHash resolves with
 * the time from the file input's change event to the first row showing a
 * hash (data-hash, set when the row is painted), on the page's clock.
 */
function watchChoiceToHash() {
  window.__choiceToHash = new Promise((resolve) => {
    let chosenAt = null;
    document.addEventListener('change', (e) => {
      if (e.target.id === 'file-input') chosenAt ??= performance.now();
    }, { capture: true });
    new MutationObserver((records, mo) => {
      for (const r of records) {
        if (chosenAt !== null && r.target.dataset?.hash) {
          mo.disconnect();
          resolve({ ms: performance.now() - chosenAt, hash: r.target.dataset.hash });
          return;
        }
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hash'] });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (n) => `${n / (1 << 20)} MiB`;
const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);

async function main() {
  const wasm = path.join(distDir, 'oxdrop.wasm');
  if (!fs.existsSync(wasm)) throw new Error('build/dist/oxdrop.wasm is missing: run `npm run build` first');
  const version = JSON.parse(fs.readFileSync(path.join(distDir, 'version.json'), 'utf8'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxdrop-bench-'));
  const files = sizes.map((s) => path.join(dir, `bench-${mib(s).replace(' ', '')}.bin`));
  sizes.forEach((s, i) => writePatterned(files[i], s));

  const server = await startStaticServer({
    port,
    mounts: { '/bench/': here, '/hash-wasm/': path.join(repoRoot, 'node_modules', 'hash-wasm', 'dist') },
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
    const t0 = Date.now();
    await page.goto(`${server.url}bench/index.html`);
    await page.waitForFunction(() => window.bench);
    const readyMs = await page.evaluate(() => window.bench.startup());
    const pageReadyMs = Date.now() - t0;
    await page.setInputFiles('#files', files);
    const methods = await page.evaluate(() => window.bench.methods);

    // Warm-up (JIT, worker start-up), then interleaved repetitions.
    for (const m of methods) await page.evaluate(([m]) => window.bench.run(m, 0), [m]);
    const times = {};
    const results = {};
    for (let f = 0; f < files.length; f++) {
      for (let r = 0; r < reps; r++) {
        for (const m of methods) {
          const { ms, result } = await page.evaluate(([m, f]) => window.bench.run(m, f), [m, f]);
          (times[`${m}|${f}`] ??= []).push(ms);
          results[`${m}|${f}`] = result;
        }
      }
    }
    // Every hasher must agree, or the figures mean nothing.
    for (let f = 0; f < files.length; f++) {
      const hashes = new Set(methods.filter((m) => !m.startsWith('read')).map((m) => results[`${m}|${f}`]));
      if (hashes.size !== 1) throw new Error(`hashers disagree on ${files[f]}: ${[...hashes].join(' ')}`);
    }

    // The app as a person uses it: choose the file, wait for its hash in
    // the list. A fresh page each time (the engine ready before choosing).
    const app = await browser.newPage();
    app.on('pageerror', (e) => console.error('app page error:', e));
    await app.addInitScript(watchChoiceToHash);
    for (let f = 0; f < files.length; f++) {
      for (let r = 0; r < reps; r++) {
        await app.goto(server.url);
        await app.waitForFunction(() => document.getElementById('engine-status')?.dataset.state === 'ready', null, { timeout: 60_000 });
        await app.setInputFiles('#file-input', files[f]);
        const { ms, hash } = await app.evaluate(() => window.__choiceToHash);
        if (hash !== results[`oxdrop|${f}`]) throw new Error(`the app shows ${hash} for ${files[f]}, the pool gave ${results[`oxdrop|${f}`]}`);
        (times[`oxdrop app, choice → hash on screen|${f}`] ??= []).push(ms);
      }
    }
    methods.push('oxdrop app, choice → hash on screen');

    console.log(`Chromium ${browser.version()} headless, ${os.cpus().length} cores (${os.cpus()[0].model}), ${reps} runs each, median`);
    console.log(`oxdrop.wasm ${(version.wasm_bytes / 1024).toFixed(0)} KiB raw, ${(version.wasm_gzip_bytes / 1024).toFixed(0)} KiB gzip; pool.ready() ${readyMs.toFixed(0)} ms (page load to ready ${pageReadyMs} ms)\n`);
    const head = ['method', ...sizes.flatMap((s) => [`${mib(s)} ms`, 'MB/s', 'oxdrop ÷ this'])];
    const rows = methods.map((m) => [m, ...sizes.flatMap((s, f) => {
      const ms = median(times[`${m}|${f}`]);
      const ox = median(times[`oxdrop|${f}`]);
      return [ms.toFixed(0), mbps(s, ms).toFixed(0), (ox / ms).toFixed(2)];
    })]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r) => '| ' + r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ') + ' |';
    console.log(line(head));
    console.log('|' + widths.map((w, i) => (i ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|');
    for (const r of rows) console.log(line(r));
    console.log('\n"oxdrop ÷ this" is oxdrop\'s time over the method\'s: below 1 means oxdrop is faster; for a read-only pass, 1.10 means oxdrop takes 10% longer than reading alone.');
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench:hash failed: ${err.message}`);
  process.exit(1);
});
