// "Many files" browser benchmark (npm run bench:many; issue 12's first goal).
// Generates N small mixed files in nested folders, serves build/dist on a
// random loopback port and, in headless Chromium (a fresh browser context
// per page and run), chooses the folder on a folder input. Three pages, run
// in turn within each run:
//   app      the app itself (index.html)
//   engine   the engine alone (engine.html: the folder input and EnginePool)
//   peer     a plain page that posts the whole FileList to one Web Worker,
//            which hashes each file with hash-wasm (peer.html)
// Per page and run it measures, with the page's own clock:
//   start-up   navigation start → the engine ready (the app's
//              #engine-status data-state="ready"; the others' own flag)
//   FileList   choosing (setInputFiles called) → the input's change event:
//              Chromium walks the folder and builds the FileList before any
//              of the page's code runs
//   all rows   change → N rows listed (the app: N rows with data-path)
//   classified change → every file described (the app: data-hash or failed
//              on every row; the peer: hashed)
//   files/s    N / classified
//   the longest main-thread task after the change event (PerformanceObserver
//   'longtask', registered before choosing), the long tasks' count, the
//   main thread's total busy time (Performance.getMetrics TaskDuration).
// Then a table of medians, the machine, and the wasm size raw and gzip.
//   node bench/browser-many/run.mjs [--files 10000] [--runs 3] [--pages app,engine,peer]
// Needs `npm run build` first (npm run bench:many does both).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { distDir, launchChromium, repoRoot, startStaticServer } from '../../web/test/helpers.js';
import { generate } from './files.mjs';

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    pages: { type: 'string', default: 'app,engine,peer' },
    // Diagnostic: the engine reads every file on its own worker thread instead
    // of through the nested read-ahead worker (pool option readAhead: false),
    // to show what the extra message hops cost per small file.
    'no-read-ahead': { type: 'boolean', default: false },
    // A query string for the engine page, e.g. --query workers=1 (its pool's size).
    query: { type: 'string', default: '' },
    profile: { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false }, // print where the main thread's time goes (Chromium trace events) per run // print the page's hottest functions (CPU profile) per run
  },
});
const nFiles = Number(args.files);
const nRuns = Number(args.runs);
if (!Number.isInteger(nFiles) || nFiles < 1) throw new Error(`--files must be a positive integer, got ${args.files}`);
if (!Number.isInteger(nRuns) || nRuns < 1) throw new Error(`--runs must be a positive integer, got ${args.runs}`);
const here = path.dirname(fileURLToPath(import.meta.url));
const pagePaths = { app: '', engine: 'bench/engine.html', peer: 'bench/peer.html' };
const pages = args.pages.split(',').map((p) => p.trim()).filter(Boolean);
for (const p of pages) if (!(p in pagePaths)) throw new Error(`--pages: unknown page ${p} (app, engine, peer)`);

// Generous: about 60 ms per file on a starved machine, at least 2 minutes.
const runTimeoutMs = Math.max(120_000, nFiles * 60);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Everything that must be undone on exit, also on an error or a signal.
const cleanup = [];
async function cleanUp() {
  while (cleanup.length) {
    const fn = cleanup.pop();
    try {
      await fn();
    } catch (err) {
      console.error(`cleanup: ${err.message}`);
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    console.error(`\n${sig}: stopping the browser and server, removing the files`);
    cleanUp().finally(() => process.exit(130));
  });
}

/** Installed before the page's scripts: records when the engine says it is ready. */
function watchEngineReady() {
  window.__bench = { engineReadyAt: null, engineState: null };
  const check = () => {
    if (window.__engineReady !== undefined || window.__engineError !== undefined) {
      window.__bench.engineState = window.__engineError === undefined ? 'ready' : 'error';
      window.__bench.engineReadyAt = window.__engineReady ?? performance.now();
      return true;
    }
    const el = document.getElementById('engine-status');
    if (!el || el.dataset.state === 'loading') return false;
    window.__bench.engineState = el.dataset.state;
    window.__bench.engineReadyAt = performance.now();
    return true;
  };
  const mo = new MutationObserver(() => {
    if (check()) mo.disconnect();
  });
  // The app's status element, or the bench pages' title ("ready").
  mo.observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-state'] });
}

/** Installed before the page's scripts: every describe request asks for no read-ahead worker. */
function disableReadAhead() {
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (msg, ...rest) {
    if (msg && msg.type === 'describe') msg = { ...msg, readAhead: false };
    return post.call(this, msg, ...rest);
  };
}

/**
 * Run in the page just before choosing: the long-task observer, the change
 * event's time, and a poll (every 50 ms, on the page's thread, a
 * querySelectorAll over the rows: about a millisecond) that resolves
 * window.__benchDone when every row is described.
 */
function armMeasurement([n, timeoutMs]) {
  const b = window.__bench;
  b.changeAt = null;
  b.firstRowAt = null;
  b.allRowsAt = null;
  b.describedAt = null;
  b.longtasks = [];
  document.querySelector('input[type=file][webkitdirectory]').addEventListener('change', () => (b.changeAt ??= performance.now()), { capture: true, once: true });
  // After the page's own change handlers (a window listener in the bubble
  // phase, added last): how long the change task ran the page's code.
  b.changeHandledAt = null;
  window.addEventListener('change', () => (b.changeHandledAt ??= performance.now()), { once: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) b.longtasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: false });
  window.__benchDone = new Promise((resolve, reject) => {
    const started = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      // The bench pages count for themselves; the app's list carries its
      // counts (data-total, data-described, data-failed on #file-list: it
      // draws only the rows in view).
      const p = window.__progress;
      const list = document.getElementById('file-list');
      const rows = p ? { length: p.rows } : { length: Number(list?.dataset.total ?? 0) };
      if (rows.length && b.firstRowAt === null) b.firstRowAt = now;
      if (rows.length >= n && b.allRowsAt === null) b.allRowsAt = now;
      if (rows.length >= n) {
        const pending = p ? n - p.described - p.failed : n - Number(list.dataset.described ?? 0) - Number(list.dataset.failed ?? 0);
        if (pending === 0) {
          b.describedAt = now;
          clearInterval(timer);
          resolve();
          return;
        }
      }
      if (now - started > timeoutMs) {
        clearInterval(timer);
        const described = p ? p.described : Number(list?.dataset.described ?? 0);
        reject(new Error(`timed out after ${timeoutMs} ms: ${rows.length} of ${n} rows, ${described} described`));
      }
    }, 50);
  });
}

/** After the run: the rows' types and failures, and the times on the page's clock. */
function collectResults() {
  const b = window.__bench;
  const p = window.__progress;
  if (p) return { ...b, types: p.types, errors: p.errors, errorCount: p.failed, timeOrigin: performance.timeOrigin, poolStats: window.pool?.handOverStats?.() };
  // The app: its type counts (a filter chip per type, "🖼 3,333 images")
  // and failures from the list's own counts.
  const list = document.getElementById('file-list');
  const types = {};
  for (const el of document.querySelectorAll('#type-chips > *')) {
    const chip = el.querySelector('[data-filter]') ?? el;
    const type = chip.dataset.filter ?? [...el.classList].find((c) => c.startsWith('chip-'))?.slice(5);
    if (type) types[type] = Number(el.textContent.replace(/\D/g, ''));
  }
  const errorCount = Number(list?.dataset.failed ?? 0);
  return { ...b, types, errors: errorCount ? ['see the page'] : [], errorCount, timeOrigin: performance.timeOrigin };
}

async function taskDuration(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN; // seconds
}

async function oneRun(browser, url, folder, expected, which) {
  const context = await browser.newContext();
  const closeContext = () => context.close();
  cleanup.push(closeContext);
  try {
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.addInitScript(watchEngineReady);
    if (args['no-read-ahead']) await page.addInitScript(disableReadAhead);
    await page.goto(url + pagePaths[which] + (args.query ? `?${args.query}` : ''));
    await page.waitForFunction(() => window.__bench?.engineReadyAt != null, null, { timeout: 60_000 });
    const startup = await page.evaluate(() => ({ at: window.__bench.engineReadyAt, state: window.__bench.engineState, text: document.getElementById('engine-status')?.textContent ?? window.__engineError }));
    if (startup.state !== 'ready') throw new Error(`the engine did not start: ${startup.state} "${startup.text}"`);

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.evaluate(armMeasurement, [nFiles, runTimeoutMs]);
    const input = 'input[type=file][webkitdirectory]';
    if (args.profile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
      await cdp.send('Profiler.start');
    }
    if (args.trace) await browser.startTracing(page, { categories: ['devtools.timeline', 'toplevel'] });
    const busyBefore = await taskDuration(cdp);
    const chosenAt = Date.now(); // epoch ms; the page's times are converted with timeOrigin
    await page.setInputFiles(input, folder);
    await page.evaluate(() => window.__benchDone);
    const busy = (await taskDuration(cdp)) - busyBefore;
    const r = await page.evaluate(collectResults);
    if (args.trace) printTrace(JSON.parse(await browser.stopTracing()));
    if (args.profile) printProfile((await cdp.send('Profiler.stop')).profile);
    await cdp.detach();

    if (r.errorCount) throw new Error(`${r.errorCount} files failed, e.g. ${r.errors.join('; ')}`);
    for (const [type, count] of Object.entries(which === 'peer' ? { hashed: nFiles } : expected)) {
      if (r.types[type] !== count) throw new Error(`expected ${count} ${type} files, the page shows ${JSON.stringify(r.types)}`);
    }
    if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join('; ')}`);

    const sinceChoice = (t) => r.timeOrigin + t - chosenAt;
    const afterChange = r.longtasks.filter(([start]) => start >= r.changeAt);
    // The change event's own task runs the page's handlers synchronously
    // (a page that posts the whole FileList at once does it there).
    const handlerMs = r.changeHandledAt - r.changeAt;
    return {
      startupMs: startup.at,
      fileListMs: sinceChoice(r.changeAt),
      allRowsMs: r.allRowsAt - r.changeAt,
      describedMs: r.describedAt - r.changeAt,
      filesPerSec: nFiles / ((r.describedAt - r.changeAt) / 1000),
      longestMs: Math.max(handlerMs > 50 ? handlerMs : 0, ...afterChange.map(([, d]) => d)),
      handlerMs,
      longestAllMs: Math.max(0, ...r.longtasks.map(([, d]) => d)),
      longTasks: afterChange.length + (handlerMs > 50 ? 1 : 0),
      busyMs: busy * 1000,
      wallMs: sinceChoice(r.describedAt),
      types: r.types,
      poolStats: r.poolStats,
    };
  } finally {
    const i = cleanup.indexOf(closeContext);
    if (i >= 0) cleanup.splice(i, 1); // gone already if a signal's cleanup ran
    await closeContext();
  }
}

/** Prints the 15 functions with the most self time in a CDP CPU profile of the page's main thread. */
function printProfile(profile) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) || 0) + (dt[i] || 0) / 1000);
  });
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 15);
  console.log('main-thread CPU profile, self time:');
  for (const [k, ms] of top) console.log(`  ${ms.toFixed(0).padStart(7)} ms  ${k}`);
}

/**
 * Prints the trace events that took the most time on the page's main thread
 * (CrRendererMain), summed by name. Events nest (a RunTask holds a
 * FunctionCall holds a Layout), so the sums overlap: read them as where the
 * time goes, not as a partition.
 */
function printTrace(trace) {
  const events = trace.traceEvents ?? trace;
  const mainThreads = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const total = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || !mainThreads.has(`${e.pid}:${e.tid}`)) continue;
    const t = total.get(e.name) ?? { ms: 0, n: 0 };
    t.ms += (e.dur ?? 0) / 1000;
    t.n++;
    total.set(e.name, t);
  }
  console.log('main-thread trace events, total duration by name (nested, so overlapping):');
  for (const [name, t] of [...total].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) console.log(`  ${t.ms.toFixed(0).padStart(7)} ms  ${String(t.n).padStart(6)}×  ${name}`);
  // Each task over 50 ms, with the longest events inside it: what a long
  // task was made of (a script, a layout, a font lookup...).
  const main = events.filter((e) => e.ph === 'X' && mainThreads.has(`${e.pid}:${e.tid}`));
  const label = (e) => {
    const d = e.args?.data ?? e.args?.beginData ?? {};
    const where = d.functionName || d.url?.split('/').pop() || d.type || d.name || '';
    return where ? `${e.name} (${where}${d.lineNumber ? `:${d.lineNumber}` : ''})` : e.name;
  };
  const change = main.find((e) => e.name === 'EventDispatch' && e.args?.data?.type === 'change');
  for (const task of main.filter((e) => (e.name === 'RunTask' || e.name.endsWith('::RunTask')) && e.dur > 50_000)) {
    const end = task.ts + task.dur;
    const inside = main.filter((e) => e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end).sort((a, b) => b.dur - a.dur).slice(0, 8);
    const at = change ? ` at ${((task.ts - change.ts) / 1000).toFixed(0)} ms after the change event` : '';
    const cpu = task.tdur ? ` (${(task.tdur / 1000).toFixed(0)} ms of it on the CPU)` : '';
    console.log(`long task: ${(task.dur / 1000).toFixed(0)} ms${cpu}${at}; inside it: ${inside.map((e) => `${label(e)} ${(e.dur / 1000).toFixed(1)}`).join(', ')}`);
  }
}

function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => '| ' + r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ') + ' |';
  return [line(head), '|' + widths.map((w, i) => (i ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|', ...rows.map(line)].join('\n');
}

async function main() {
  const wasmPath = path.join(distDir, 'oxdrop.wasm');
  if (!fs.existsSync(wasmPath)) throw new Error(`${wasmPath} is missing: run "npm run build" first`);
  const wasm = fs.readFileSync(wasmPath);
  const wasmGzip = zlib.gzipSync(wasm, { level: 9 }).length;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxdrop-bench-many-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const folder = path.join(dir, 'many');
  const g0 = Date.now();
  const expected = generate(folder, nFiles);
  let bytes = 0;
  for (const f of fs.readdirSync(folder, { recursive: true, withFileTypes: true })) if (f.isFile()) bytes += fs.statSync(path.join(f.parentPath ?? f.path, f.name)).size;
  console.log(`generated ${nFiles} files (${(bytes / 1024 / 1024).toFixed(1)} MiB; ${Object.entries(expected).map(([t, c]) => `${c} ${t}`).join(', ')}) in ${Date.now() - g0} ms`);

  const server = await startStaticServer({
    port: 0,
    mounts: { '/bench/': here, '/hash-wasm/': path.join(repoRoot, 'node_modules', 'hash-wasm', 'dist') },
  });
  cleanup.push(() => server.close());
  const browser = await launchChromium();
  cleanup.push(() => browser.close());
  const load = os.loadavg();

  // The pages take turns within each run, so a change in the machine's
  // load falls on all of them alike.
  const runs = Object.fromEntries(pages.map((p) => [p, []]));
  for (let i = 0; i < nRuns; i++) {
    for (const which of pages) {
      const r = await oneRun(browser, server.url, folder, expected, which);
      runs[which].push(r);
      console.log(`run ${i + 1}/${nRuns} ${which}: start-up ${r.startupMs.toFixed(0)} ms, FileList ${r.fileListMs.toFixed(0)} ms, all rows ${r.allRowsMs.toFixed(0)} ms, classified ${r.describedMs.toFixed(0)} ms (${r.filesPerSec.toFixed(0)} files/s), longest task ${r.longestMs.toFixed(0)} ms after change (${r.longestAllMs.toFixed(0)} ms with the FileList task), ${r.longTasks} long tasks, main thread busy ${r.busyMs.toFixed(0)} ms${r.poolStats ? `; the pool handed over ${r.poolStats.files} files in ${r.poolStats.messages} messages, ${r.poolStats.ms.toFixed(0)} ms in postMessage (${(r.poolStats.ms / r.poolStats.files).toFixed(2)} ms a file, longest ${r.poolStats.longestMs.toFixed(0)} ms)` : ''}`);
    }
  }
  const loadAfter = os.loadavg();

  const cpu = os.cpus();
  console.log(`\nMachine: ${cpu.length} cores (${cpu[0].model}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, load average ${load.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after; Chromium ${browser.version()} headless; Node ${process.version}`);
  console.log(`oxdrop.wasm ${wasm.length} bytes (${(wasm.length / 2 ** 20).toFixed(2)} MiB) raw, ${wasmGzip} bytes (${(wasmGzip / 2 ** 20).toFixed(2)} MiB) gzip -9`);
  if (args['no-read-ahead']) console.log('--no-read-ahead: describe requests sent with readAhead: false (diagnostic, not the shipped setting)');
  console.log(`${nFiles} files, ${nRuns} runs, fresh browser context for each page and run; times from the input's change event unless said\n`);
  const metrics = [
    ['start-up: navigation → engine ready (ms)', (r) => r.startupMs],
    ['Chromium builds the FileList: choosing → change (ms)', (r) => r.fileListMs],
    ['all rows listed (ms)', (r) => r.allRowsMs],
    ['**all classified** (ms)', (r) => r.describedMs],
    ['files/s', (r) => r.filesPerSec],
    ['**longest main-thread task after change** (ms)', (r) => r.longestMs],
    ['the page\'s change handler, in the change task (ms)', (r) => r.handlerMs],
    ['long tasks (> 50 ms) after change', (r) => r.longTasks],
    ['main thread busy, choosing → classified (ms)', (r) => r.busyMs],
    ['longest task including the FileList task (ms)', (r) => r.longestAllMs],
  ];
  const head = ['measure (median)', ...pages];
  console.log(table(head, metrics.map(([name, f]) => [name, ...pages.map((p) => median(runs[p].map(f)).toFixed(0))])));
  if (nRuns > 1) {
    for (const p of pages) {
      console.log(`\n${p}, each run:`);
      console.log(table(['measure', ...runs[p].map((_, i) => `run ${i + 1}`)], metrics.map(([name, f]) => [name, ...runs[p].map((r) => f(r).toFixed(0))])));
    }
  }
}

main()
  .catch((err) => {
    console.error(`bench:many failed: ${err.message}`);
    process.exitCode = 1;
  })
  .finally(cleanUp);
