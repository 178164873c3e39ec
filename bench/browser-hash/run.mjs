// Browser hashing benchmark (npm run bench:hash; issue 6, benchmark 1):
// the time from a chosen 256 MiB and 1 GiB file to its hash, for oxdrop's
// engine pool, hash-wasm's streaming XXH3-128 (on the page over
// file.stream(), and in a worker over FileReaderSync slices as oxdrop reads)
// and a read-only pass (same two ways), all in one headless Chromium run:
// 3 repetitions each, interleaved, median. Then the whole app: from the
// file input's change event to the file's hash in its row on screen. Then
// the start-up race: the app on a fresh page (first visit: a new browser
// context; second visit: the same context again, its service worker and
// caches in place), a 256 MiB file chosen 300 ms after the load event, from
// the change event to the hash on screen, against hash-wasm streaming on a
// page opened the same way (peer.html). Also the engine's start-up (time
// to pool.ready(), and where it goes) and the wasm size. Needs `npm run build` first.
//   OXDROP_BENCH_PORT (default 3301), OXDROP_BENCH_REPS (default 3),
//   OXDROP_BENCH_SIZES (MiB, default "256,1024"; 0: the race only), OXDROP_BENCH_RACE (MiB of
//   the start-up race's file, default 256; 0 skips the race)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { distDir, launchChromium, repoRoot, startStaticServer } from '../../web/test/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const reps = Number(process.env.OXDROP_BENCH_REPS || 3);
const port = Number(process.env.OXDROP_BENCH_PORT || 3301);
// "0" skips the throughput runs (only the start-up race).
const sizes = (process.env.OXDROP_BENCH_SIZES || '256,1024').split(',').map((m) => Number(m) * (1 << 20)).filter((s) => s > 0);
const raceSize = Number(process.env.OXDROP_BENCH_RACE ?? 256) * (1 << 20);
const RACE_DELAY_MS = 300; // after the load event

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
      if (e.target.id === 'file-input') window.__changeAt = chosenAt ??= performance.now();
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

/**
 * Opens url on page, waits until RACE_DELAY_MS after the load event (page
 * clock), chooses file on #file-input and returns the time from the change
 * event to the hash on the page (data-hash), with the hash, the load event's
 * time and, for the app, the engine's start-up marks (performance.mark
 * "oxdrop-engine:…", set by pool.js).
 */
async function race(page, url, file) {
  await page.goto(url);
  const loadAt = await page.evaluate(async (delay) => {
    const nav = performance.getEntriesByType('navigation')[0];
    while (!nav.loadEventEnd) await new Promise((r) => setTimeout(r, 5));
    const wait = nav.loadEventEnd + delay - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    return nav.loadEventEnd;
  }, RACE_DELAY_MS);
  await page.setInputFiles('#file-input', file);
  const r = await page.evaluate(() => window.__choiceToHash);
  // The engine's own User Timing marks (pool.js), first of each name.
  const startup = await page.evaluate(() => {
    const out = {};
    for (const m of performance.getEntriesByType('mark')) if (m.name.startsWith('oxdrop-engine:')) out[m.name.slice(14)] ??= m.startTime;
    return Object.keys(out).length ? out : null;
  });
  if (startup) {
    startup.load = loadAt;
    startup.change = await page.evaluate(() => window.__changeAt);
    startup['hash-on-page'] = startup.change + r.ms;
  }
  return { ...r, loadAt, startup };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (n) => `${n / (1 << 20)} MiB`;
const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);

// startupSummary gives the median of each of the engine's start-up marks
// (the page's clock, from navigation start), in time order.
function startupSummary(list) {
  const keys = Object.keys(list[0]).sort((a, b) => list[0][a] - list[0][b]);
  return keys.map((k) => `${k} ${median(list.filter((s) => k in s).map((s) => s[k])).toFixed(0)}`).join(', ');
}

// printThroughput prints the throughput table: each method's median per size.
function printThroughput(methods, times) {
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
}

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
    if (files.length) for (const m of methods) await page.evaluate(([m]) => window.bench.run(m, 0), [m]);
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

    // The start-up race: a file chosen 300 ms after the load event.
    const raceRows = [];
    if (raceSize > 0) {
      const raceFile = path.join(dir, `race-${mib(raceSize).replace(' ', '')}.bin`);
      writePatterned(raceFile, raceSize);
      const want = {};
      const runs = { 'oxdrop app, first visit': [], 'oxdrop app, second visit': [], 'oxdrop engine alone (engine.html)': [], 'hash-wasm stream on the page': [] };
      const startups = { first: [], second: [], engine: [] };
      for (let r = 0; r < reps; r++) {
        const ctx = await browser.newContext();
        try {
          for (const visit of ['first', 'second']) {
            const p = await ctx.newPage();
            p.on('pageerror', (e) => console.error('race page error:', e));
            await p.addInitScript(watchChoiceToHash);
            const out = await race(p, server.url, raceFile);
            runs[`oxdrop app, ${visit} visit`].push(out.ms);
            want.app = out.hash;
            if (out.startup) startups[visit].push(out.startup);
            // Let the service worker finish installing before the second visit.
            if (visit === 'first') await p.evaluate(() => navigator.serviceWorker?.ready.then(() => new Promise((r) => setTimeout(r, 1000))));
            await p.close();
          }
        } finally {
          await ctx.close();
        }
        for (const [name, page] of [['oxdrop engine alone (engine.html)', 'engine'], ['hash-wasm stream on the page', 'peer']]) {
          const ctx2 = await browser.newContext();
          try {
            const p = await ctx2.newPage();
            await p.addInitScript(watchChoiceToHash);
            const out = await race(p, `${server.url}bench/${page}.html`, raceFile);
            runs[name].push(out.ms);
            want[page] = out.hash;
            if (page === 'engine' && out.startup) startups.engine.push(out.startup);
          } finally {
            await ctx2.close();
          }
        }
      }
      if (want.app !== want.peer || want.engine !== want.peer) throw new Error(`start-up race: the app shows ${want.app}, the engine ${want.engine}, hash-wasm ${want.peer}`);
      const peer = median(runs['hash-wasm stream on the page']);
      for (const [name, xs] of Object.entries(runs)) raceRows.push([name, median(xs).toFixed(0), mbps(raceSize, median(xs)).toFixed(0), (median(xs) / peer).toFixed(2), xs.map((x) => x.toFixed(0)).join(', ')]);
      raceRows.startups = startups;
    }

    console.log(`Chromium ${browser.version()} headless, ${os.cpus().length} cores (${os.cpus()[0].model}), ${reps} runs each, median`);
    console.log(`oxdrop.wasm ${(version.wasm_bytes / 1024).toFixed(0)} KiB raw, ${(version.wasm_gzip_bytes / 1024).toFixed(0)} KiB gzip; pool.ready() ${readyMs.toFixed(0)} ms (page load to ready ${pageReadyMs} ms)\n`);
    if (files.length) printThroughput(methods, times);
    if (raceRows.length) {
      console.log(`\nStart-up race: a ${mib(raceSize)} file chosen ${RACE_DELAY_MS} ms after the load event, change event → hash on the page (median of ${reps}; ÷ hash-wasm below 1 is faster):\n`);
      const rh = ['page', 'ms', 'MB/s', '÷ hash-wasm', 'runs'];
      const rw = rh.map((h, i) => Math.max(h.length, ...raceRows.map((r) => r[i].length)));
      const rl = (r) => '| ' + r.map((c, i) => (i ? c.padStart(rw[i]) : c.padEnd(rw[i]))).join(' | ') + ' |';
      console.log(rl(rh));
      console.log('|' + rw.map((w, i) => (i ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|');
      for (const r of raceRows) console.log(rl(r));
      for (const [visit, list] of Object.entries(raceRows.startups)) {
        if (list.length) console.log(`\nengine start-up, ${visit === 'engine' ? 'engine.html' : `the app's ${visit} visit`} (ms on the page's clock, median; the load event at ${median(list.map((s) => s.load ?? NaN)).toFixed(0)}): ${startupSummary(list)}`);
      }
    }
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
