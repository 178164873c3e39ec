// "Many files" browser benchmark (npm run bench:many; issue 6, benchmark 2).
// Generates N small mixed files in nested folders, serves build/dist on a
// random loopback port, opens the app in headless Chromium (a fresh browser
// context per run) and chooses the folder on the folder input. Per run it
// measures, with the page's own clock:
//   start-up   navigation start → #engine-status data-state="ready"
//   FileList   choosing (setInputFiles called) → the input's change event:
//              Chromium walks the folder and builds the FileList before any
//              of the page's code runs
//   all rows   choosing → N rows with data-path in the DOM
//   described  choosing → every row has data-hash (or failed)
//   files/s    N / described
//   longest main-thread task after the change event (PerformanceObserver
//   'longtask', registered before choosing), and the longest including the
//   browser's FileList task; the main thread's total busy time
//   (Performance.getMetrics TaskDuration) over the run.
// Then a table of medians, the machine, and the wasm size raw and gzip.
//   node bench/browser-many/run.mjs [--files 10000] [--runs 3]
// Needs `npm run build` first (npm run bench:many does both).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseArgs } from 'node:util';
import { distDir, launchChromium, startStaticServer } from '../../web/test/helpers.js';
import { generate } from './files.mjs';

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    // Diagnostic: the engine reads every file on its own worker thread instead
    // of through the nested read-ahead worker (pool option readAhead: false),
    // to show what the extra message hops cost per small file.
    'no-read-ahead': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false }, // print where the main thread's time goes (Chromium trace events) per run // print the page's hottest functions (CPU profile) per run
  },
});
const nFiles = Number(args.files);
const nRuns = Number(args.runs);
if (!Number.isInteger(nFiles) || nFiles < 1) throw new Error(`--files must be a positive integer, got ${args.files}`);
if (!Number.isInteger(nRuns) || nRuns < 1) throw new Error(`--runs must be a positive integer, got ${args.runs}`);

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
    const el = document.getElementById('engine-status');
    if (!el || el.dataset.state === 'loading') return false;
    window.__bench.engineState = el.dataset.state;
    window.__bench.engineReadyAt = performance.now();
    return true;
  };
  const mo = new MutationObserver(() => {
    if (check()) mo.disconnect();
  });
  mo.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
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
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) b.longtasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: false });
  window.__benchDone = new Promise((resolve, reject) => {
    const started = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      const rows = document.querySelectorAll('#file-list [data-path]');
      if (rows.length && b.firstRowAt === null) b.firstRowAt = now;
      if (rows.length >= n && b.allRowsAt === null) b.allRowsAt = now;
      if (rows.length >= n) {
        let pending = 0;
        for (const r of rows) if (!r.dataset.hash && r.dataset.state !== 'error') pending++;
        if (pending === 0) {
          b.describedAt = now;
          clearInterval(timer);
          resolve();
          return;
        }
      }
      if (now - started > timeoutMs) {
        clearInterval(timer);
        const described = document.querySelectorAll('#file-list [data-hash]').length;
        reject(new Error(`timed out after ${timeoutMs} ms: ${rows.length} of ${n} rows, ${described} described`));
      }
    }, 50);
  });
}

/** After the run: the rows' types and failures, and the times on the page's clock. */
function collectResults() {
  const b = window.__bench;
  const types = {};
  const errors = [];
  for (const r of document.querySelectorAll('#file-list [data-path]')) {
    if (r.dataset.state === 'error') errors.push(`${r.dataset.path}: ${r.querySelector('.hash')?.textContent ?? '?'}`);
    else types[r.dataset.type] = (types[r.dataset.type] || 0) + 1;
  }
  return { ...b, types, errors: errors.slice(0, 5), errorCount: errors.length, timeOrigin: performance.timeOrigin };
}

async function taskDuration(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN; // seconds
}

async function oneRun(browser, url, folder, expected) {
  const context = await browser.newContext();
  const closeContext = () => context.close();
  cleanup.push(closeContext);
  try {
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.addInitScript(watchEngineReady);
    if (args['no-read-ahead']) await page.addInitScript(disableReadAhead);
    await page.goto(url);
    await page.waitForFunction(() => window.__bench?.engineReadyAt != null, null, { timeout: 60_000 });
    const startup = await page.evaluate(() => ({ at: window.__bench.engineReadyAt, state: window.__bench.engineState, text: document.getElementById('engine-status').textContent }));
    if (startup.state !== 'ready') throw new Error(`the engine did not start: ${startup.state} "${startup.text}"`);

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.evaluate(armMeasurement, [nFiles, runTimeoutMs]);
    if (args.profile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
      await cdp.send('Profiler.start');
    }
    if (args.trace) await browser.startTracing(page, { categories: ['devtools.timeline'] });
    const busyBefore = await taskDuration(cdp);
    const chosenAt = Date.now(); // epoch ms; the page's times are converted with timeOrigin
    await page.setInputFiles('input[type=file][webkitdirectory]', folder);
    await page.evaluate(() => window.__benchDone);
    const busy = (await taskDuration(cdp)) - busyBefore;
    const r = await page.evaluate(collectResults);
    if (args.trace) printTrace(JSON.parse(await browser.stopTracing()));
    if (args.profile) printProfile((await cdp.send('Profiler.stop')).profile);
    await cdp.detach();

    if (r.errorCount) throw new Error(`${r.errorCount} files failed, e.g. ${r.errors.join('; ')}`);
    for (const [type, count] of Object.entries(expected)) {
      if (r.types[type] !== count) throw new Error(`expected ${count} ${type} files, the page shows ${JSON.stringify(r.types)}`);
    }
    if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join('; ')}`);

    const sinceChoice = (t) => r.timeOrigin + t - chosenAt;
    const afterChange = r.longtasks.filter(([start]) => start >= r.changeAt);
    return {
      startupMs: startup.at,
      fileListMs: sinceChoice(r.changeAt),
      allRowsMs: sinceChoice(r.allRowsAt),
      describedMs: sinceChoice(r.describedAt),
      filesPerSec: nFiles / (sinceChoice(r.describedAt) / 1000),
      longestMs: Math.max(0, ...afterChange.map(([, d]) => d)),
      longestAllMs: Math.max(0, ...r.longtasks.map(([, d]) => d)),
      longTasks: afterChange.length,
      busyMs: busy * 1000,
      wallMs: sinceChoice(r.describedAt),
      types: r.types,
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

  const server = await startStaticServer({ port: 0 });
  cleanup.push(() => server.close());
  const browser = await launchChromium();
  cleanup.push(() => browser.close());
  const load = os.loadavg();

  const runs = [];
  for (let i = 0; i < nRuns; i++) {
    const r = await oneRun(browser, server.url, folder, expected);
    runs.push(r);
    console.log(`run ${i + 1}/${nRuns}: start-up ${r.startupMs.toFixed(0)} ms, FileList ${r.fileListMs.toFixed(0)} ms, all rows ${r.allRowsMs.toFixed(0)} ms, described ${r.describedMs.toFixed(0)} ms (${r.filesPerSec.toFixed(0)} files/s), longest task ${r.longestMs.toFixed(0)} ms after change (${r.longestAllMs.toFixed(0)} ms with the FileList task), ${r.longTasks} long tasks, main thread busy ${r.busyMs.toFixed(0)} ms`);
  }
  const loadAfter = os.loadavg();

  const cpu = os.cpus();
  console.log(`\nMachine: ${cpu.length} cores (${cpu[0].model}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, load average ${load.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after; Chromium ${browser.version()} headless; Node ${process.version}`);
  console.log(`oxdrop.wasm ${wasm.length} bytes (${(wasm.length / 2 ** 20).toFixed(2)} MiB) raw, ${wasmGzip} bytes (${(wasmGzip / 2 ** 20).toFixed(2)} MiB) gzip -9`);
  if (args['no-read-ahead']) console.log('--no-read-ahead: describe requests sent with readAhead: false (diagnostic, not the shipped setting)');
  console.log(`${nFiles} files, ${nRuns} runs, fresh browser context each; times from choosing the folder (setInputFiles) unless said\n`);
  const metrics = [
    ['start-up: navigation → "Engine ready" (ms)', (r) => r.startupMs, 0],
    ['Chromium builds the FileList: choosing → change event (ms)', (r) => r.fileListMs, 0],
    ['(c) all rows in the DOM (ms)', (r) => r.allRowsMs, 0],
    ['(a) all described, data-hash on every row (ms)', (r) => r.describedMs, 0],
    ['(d) files/s (N ÷ a)', (r) => r.filesPerSec, 0],
    ['(b) longest main-thread task after the change event (ms)', (r) => r.longestMs, 0],
    ['longest task including the FileList task (ms)', (r) => r.longestAllMs, 0],
    ['long tasks (> 50 ms) after the change event', (r) => r.longTasks, 0],
    ['main thread busy during (a), TaskDuration (ms)', (r) => r.busyMs, 0],
  ];
  console.log(table(['measure', 'median', ...runs.map((_, i) => `run ${i + 1}`)], metrics.map(([name, f, d]) => [name, median(runs.map(f)).toFixed(d), ...runs.map((r) => f(r).toFixed(d))])));
}

main()
  .catch((err) => {
    console.error(`bench:many failed: ${err.message}`);
    process.exitCode = 1;
  })
  .finally(cleanUp);
