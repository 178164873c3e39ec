// Browser tests of the engine (web/js/engine/pool.js + worker.js + the Go
// wasm) in headless Chromium. Needs `npm run build` first (build/dist).
// Run: node --test web/test/engine.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { distDir, fixturesDir, launchChromium, listFiles, repoRoot, startStaticServer, jsHeapUsed } from './helpers.js';
import { fixturesMissing, skipUnless } from '../../internal/testenv/testenv.js';

// The test page: a file input (files reach the page as real on-disk Files,
// as when a person picks them) and a pool of two workers.
const page = `<!doctype html><meta charset="utf-8"><title>engine test</title>
<input type="file" id="files" multiple>
<script type="module">
import { EnginePool } from './js/engine/pool.js';
window.EnginePool = EnginePool;
window.pool = new EnginePool({ size: 2 });
window.poolReady = window.pool.ready().then(() => 'ok', (e) => 'error: ' + e.message);
// A pool of two whose second worker gets its compiled module only when
// the test calls start(): one worker up, the other late.
window.poolWithLateWorker = async () => {
  const post = Worker.prototype.postMessage;
  const held = [];
  let modules = 0;
  Worker.prototype.postMessage = function (msg, ...rest) {
    if (msg?.type === 'module' && ++modules === 2) {
      held.push(() => post.call(this, msg, ...rest));
      return;
    }
    return post.call(this, msg, ...rest);
  };
  let pool;
  try {
    pool = new EnginePool({ size: 2 });
    await pool.ready();
  } finally {
    Worker.prototype.postMessage = post;
  }
  return { pool, held: held.length, start: () => held.splice(0).forEach((send) => send()) };
};
</script>`;

const big = 512 << 20;
let server, browser, pg, cdp, tmp, bigPath;

before(async () => {
  assert.ok(fs.existsSync(path.join(distDir, 'oxdrop.wasm')), 'build/dist/oxdrop.wasm is missing: run `npm run build` first');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oxdrop-engine-'));
  // Cross-origin isolation and eager measurement let the page read the
  // memory of itself and its workers (measureUserAgentSpecificMemory).
  server = await startStaticServer({ routes: { '/engine-test.html': page }, crossOriginIsolated: true });
  browser = await launchChromium(['--enable-blink-features=ForceEagerMeasureMemory']);
  pg = await browser.newPage();
  pg.on('pageerror', (e) => console.error('page error:', e));
  await pg.goto(server.url + 'engine-test.html');
  assert.equal(await pg.evaluate(() => window.poolReady), 'ok');
  cdp = await pg.context().newCDPSession(pg);
  await cdp.send('Performance.enable');
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// describeAll describes every file of the page's input through the pool;
// paths[i] is the relative path given to the i-th chosen file.
function describeAll(paths) {
  return pg.evaluate(async (paths) => {
    const files = [...document.getElementById('files').files];
    if (files.length !== paths.length) throw new Error(`${files.length} files chosen, ${paths.length} expected`);
    const out = {};
    await Promise.all(files.map(async (f, i) => {
      try {
        out[paths[i]] = await window.pool.describe(f, paths[i]);
      } catch (e) {
        out[paths[i]] = { error: e.message };
      }
    }));
    return out;
  }, paths);
}

// inspect runs the native Go describer (the CLI the server shares) over a
// folder or file, keyed by path (relative to a folder; as given for a file).
let oxdropBin;
function inspect(target) {
  if (!oxdropBin) {
    oxdropBin = path.join(tmp, 'oxdrop');
    execFileSync('go', ['build', '-o', oxdropBin, './server/cmd/oxdrop'], { cwd: repoRoot, stdio: 'inherit' });
  }
  const out = execFileSync(oxdropBin, ['inspect', target], { maxBuffer: 64 << 20 }).toString();
  return Object.fromEntries(out.trim().split('\n').map((l) => JSON.parse(l)).map((e) => [e.path, e]));
}

test('every Oxen fixture described in the browser equals `oxdrop inspect`', { skip: skipUnless(fixturesMissing()) }, async () => {
  const rel = listFiles(fixturesDir).filter((p) => p !== 'NOTICE');
  assert.ok(rel.length >= 40, `only ${rel.length} fixtures found`);
  const want = inspect(fixturesDir);
  await pg.setInputFiles('#files', rel.map((p) => path.join(fixturesDir, p)));
  const got = await describeAll(rel);
  for (const p of rel) {
    assert.ok(want[p], `inspect printed nothing for ${p}`);
    const { hash, size, data_type, mime_type, extension, metadata } = want[p];
    assert.deepEqual(got[p], { hash, size, data_type, mime_type, extension, metadata }, p);
  }
  // Spot checks against oxen-behaviour.md §6, so both sides cannot agree on a wrong answer.
  assert.equal(got['text/hello.txt'].hash, '1bfd09d1a433fb78117b4c7b1583d16d');
  assert.deepEqual(got['text/hello.txt'].metadata, { text: { num_lines: 1, num_chars: 5 } });
  assert.equal(got['video/dog_skatez.mov'].hash, '9d592dcaac962c0c17474a1300f838c');
  assert.equal(got['images/mnist_7.png'].mime_type, 'image/png');
  assert.equal(got['data/invalid.parquet'].data_type, 'binary');
  assert.equal(got['csvs/mixed_data_types.csv'].metadata.tabular.schema.hash, 'b5b7dc9a8e80092727639432be2323f3');
});

// writePatterned writes size bytes that never repeat with a short period
// (each MiB carries its index), without holding more than 1 MiB.
function writePatterned(file, size) {
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31 + (i >> 11)) & 0xff;
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

function ensureBig() {
  if (bigPath) return;
  bigPath = path.join(tmp, 'big.bin');
  writePatterned(bigPath, big);
}

test('a 512 MiB file hashes like Go, with bounded memory and throttled progress', async () => {
  ensureBig();
  const want = inspect(bigPath)[bigPath];
  assert.ok(want, `inspect printed nothing for ${bigPath}`);
  await pg.setInputFiles('#files', bigPath);
  const heapBefore = await jsHeapUsed(cdp);
  const r = await pg.evaluate(async () => {
    const f = document.getElementById('files').files[0];
    // Memory of the page and all its workers, sampled while the file is
    // hashed; the peak over the baseline is what a person would feel.
    const measure = async () => (await performance.measureUserAgentSpecificMemory()).bytes;
    const base = await measure();
    let peak = base;
    let done = false;
    const sampler = (async () => {
      while (!done) {
        peak = Math.max(peak, await measure());
        await new Promise((res) => setTimeout(res, 250));
      }
    })();
    let reports = 0;
    let last = 0;
    let monotone = true;
    const t0 = performance.now();
    const info = await window.pool.describe(f, 'big.bin', {
      onProgress(done, total) {
        reports++;
        if (done < last || total !== f.size) monotone = false;
        last = done;
      },
    });
    const ms = performance.now() - t0;
    done = true;
    await sampler;
    return { info, ms, reports, last, monotone, mem: await window.pool.memoryStats(), uaGrowth: peak - base };
  });
  const heapAfter = await jsHeapUsed(cdp);
  assert.equal(r.info.hash, want.hash);
  assert.equal(r.info.size, big);
  assert.equal(r.info.data_type, want.data_type);
  assert.ok(r.monotone && r.last === big, `progress went backwards or did not reach the end (${r.last})`);
  // At most one report per ~50 ms, plus the final one.
  assert.ok(r.reports <= Math.ceil(r.ms / 50) + 2, `${r.reports} progress reports in ${r.ms.toFixed(0)} ms`);
  const grew = (heapAfter - heapBefore) / (1 << 20);
  assert.ok(grew < 32, `page heap grew by ${grew.toFixed(1)} MiB`);
  const uaGrowth = r.uaGrowth / (1 << 20);
  assert.ok(uaGrowth < 48, `page + workers memory peaked ${uaGrowth.toFixed(1)} MiB above its start`);
  for (const { wasmBytes } of r.mem) {
    assert.ok(wasmBytes < 64 << 20, `a worker's Go memory is ${(wasmBytes / (1 << 20)).toFixed(1)} MiB`);
  }
  console.log(`# 512 MiB in ${r.ms.toFixed(0)} ms (${(big / (1 << 20) / (r.ms / 1000)).toFixed(0)} MiB/s), ${r.reports} progress reports, page heap +${grew.toFixed(1)} MiB, page+workers peak +${uaGrowth.toFixed(1)} MiB, Go memory ${r.mem.map((m) => (m.wasmBytes / (1 << 20)).toFixed(0) + ' MiB').join(', ')}`);
});

test('cancel stops a running job at once and the pool keeps working', async () => {
  ensureBig();
  await pg.setInputFiles('#files', bigPath);
  const r = await pg.evaluate(async () => {
    const f = document.getElementById('files').files[0];
    const ac = new AbortController();
    const started = new Promise((resolve) => { window.onFirstProgress = resolve; });
    const running = window.pool.describe(f, 'big.bin', { signal: ac.signal, onProgress: () => window.onFirstProgress() });
    // A queued job (behind two running ones) cancelled by cancelAll.
    const second = window.pool.describe(f, 'big-2.bin');
    const third = window.pool.describe(f, 'big-3.bin');
    await started;
    const t0 = performance.now();
    ac.abort();
    const first = await running.then(() => 'resolved', (e) => e.name);
    const abortMs = performance.now() - t0;
    window.pool.cancelAll();
    const others = await Promise.allSettled([second, third]);
    const after = await window.pool.describe(new File(['Hello'], 'hello.txt'), 'hello.txt');
    const already = await window.pool.describe(f, 'x', { signal: AbortSignal.abort() }).then(() => 'resolved', (e) => e.name);
    return { first, abortMs, others: others.map((o) => o.status + ':' + (o.reason?.name ?? '')), after, already };
  });
  assert.equal(r.first, 'AbortError');
  assert.ok(r.abortMs < 1000, `abort took ${r.abortMs} ms`);
  assert.deepEqual(r.others, ['rejected:AbortError', 'rejected:AbortError']);
  assert.equal(r.after.hash, '1bfd09d1a433fb78117b4c7b1583d16d');
  assert.equal(r.already, 'AbortError');
});

test('empty, broken and unreadable files give a result or a clear error, never a hang', async () => {
  const gone = path.join(tmp, 'gone.csv');
  fs.writeFileSync(gone, 'a,b\n1,2\n');
  await pg.setInputFiles('#files', gone);
  // Chromium snapshots a picked file's size and time on first use; after
  // that the file vanishes, and reading must fail cleanly.
  assert.equal(await pg.evaluate(() => document.getElementById('files').files[0].size), 8);
  fs.rmSync(gone);
  const r = await pg.evaluate(async () => {
    const timeout = (p) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error('hang')), 10000))]);
    const run = (f, p) => timeout(window.pool.describe(f, p)).then((v) => v, (e) => ({ error: e.message }));
    return {
      empty: await run(new File([], 'empty.csv'), 'dir/empty.csv'),
      parquet: await run(new File(['PAR1 not really'], 'broken.parquet'), 'broken.parquet'),
      png: await run(new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2])], 'cut.png'), 'cut.png'),
      gone: await run(document.getElementById('files').files[0], 'folder/gone.csv'),
    };
  });
  assert.equal(r.empty.size, 0);
  assert.equal(r.empty.hash, '99aa06d3014798d86001c324468d497f'); // XXH3-128 of nothing
  assert.equal(r.parquet.data_type, 'binary'); // tabular whose metadata fails is downgraded, as Oxen does
  assert.equal(r.png.mime_type, 'image/png');
  assert.match(r.gone.error ?? JSON.stringify(r.gone), /^could not read folder\/gone\.csv: .*(NotFoundError|NotReadableError)/);
});

test('preview and validateName answer through the pool', async () => {
  const r = await pg.evaluate(async () => ({
    valid: await window.pool.validateName('my-repo'),
    invalid: await window.pool.validateName('-x'),
    notTabular: await window.pool.preview(new File(['hi'], 'a.txt'), 'a.txt'),
    csv: await window.pool.preview(new File(['a,b\n1,x\n2,y\n3,z\n'], 't.csv'), 'dir/t.csv', 2).catch((e) => ({ error: e.message })),
  }));
  assert.equal(r.valid, '');
  assert.match(r.invalid, /Invalid repository or namespace name '-x'/);
  assert.equal(r.notTabular, null);
  assert.deepEqual(r.csv.columns, ['a', 'b'], JSON.stringify(r.csv));
  assert.equal(r.csv.rows.length, 2);
});

// Many files at once: the pool reads small files on the page (as bytes),
// sends the others as Files, in batches; a file over 32 MiB makes its
// worker give back the files queued behind it. Every path must give what
// the native describer gives, whichever way it went, with far fewer
// messages than files, and a file cancelled in the middle of the batch
// must reject alone.
test('many mixed files go in batches and each result is its own file', async () => {
  const dir = path.join(tmp, 'many');
  fs.mkdirSync(dir, { recursive: true });
  const rel = [];
  const add = (name, content) => {
    fs.writeFileSync(path.join(dir, name), content);
    rel.push(name);
  };
  for (let i = 0; i < 400; i++) {
    // Sizes all differ, so a result given to the wrong file shows.
    if (i % 4 === 0) add(`t${i}.csv`, 'id,name\n' + Array.from({ length: i + 1 }, (_, r) => `${r},n${r}`).join('\n') + '\n');
    else if (i % 4 === 1) add(`t${i}.txt`, `line ${i}\n`.repeat(i + 1));
    else if (i % 4 === 2) add(`t${i}.json`, JSON.stringify({ i, pad: 'x'.repeat(i) }));
    else add(`t${i}.bin`, Buffer.alloc(i + 1, i & 0xff));
  }
  // Over the page's small-file limit (sent as Files, read by the worker),
  // and one over the worker's big-file mark, in the middle.
  writePatterned(path.join(dir, 'mid-2m.bin'), (2 << 20) + 7);
  rel.splice(100, 0, 'mid-2m.bin');
  writePatterned(path.join(dir, 'big-40m.bin'), 40 << 20);
  rel.splice(200, 0, 'big-40m.bin');
  const want = inspect(dir);
  await pg.setInputFiles('#files', rel.map((p) => path.join(dir, p)));
  const r = await pg.evaluate(async ({ paths, cancelAt }) => {
    const files = [...document.getElementById('files').files];
    // Count what the workers send to the page, on a fresh pool.
    const desc = Object.getOwnPropertyDescriptor(Worker.prototype, 'onmessage');
    let messages = 0;
    Object.defineProperty(Worker.prototype, 'onmessage', {
      configurable: true,
      get() { return desc.get.call(this); },
      set(fn) { desc.set.call(this, (e) => { messages++; fn(e); }); },
    });
    const pool = new window.EnginePool({ size: 2 });
    Object.defineProperty(Worker.prototype, 'onmessage', desc);
    await pool.ready();
    const before = messages;
    const out = {};
    const ac = new AbortController();
    const all = files.map((f, i) => pool.describe(f, paths[i], { signal: i === cancelAt ? ac.signal : undefined })
      .then((v) => { out[paths[i]] = v; }, (e) => { out[paths[i]] = { error: e.name === 'AbortError' ? 'AbortError' : e.message }; }));
    ac.abort();
    await Promise.all(all);
    const sent = messages - before;
    pool.terminate();
    return { out, messages: sent };
  }, { paths: rel, cancelAt: 300 });
  assert.deepEqual(r.out[rel[300]], { error: 'AbortError' });
  for (const [i, p] of rel.entries()) {
    if (i === 300) continue;
    const { hash, size, data_type, mime_type, extension, metadata } = want[p];
    assert.deepEqual(r.out[p], { hash, size, data_type, mime_type, extension, metadata }, p);
  }
  // A protocol of one answer per file sends at least 402 (the old one sent
  // two: a progress report and the result); how far under depends on how
  // fast the page reads, so only "fewer than one per file" is asserted.
  assert.ok(r.messages < rel.length, `${r.messages} messages from the workers for ${rel.length} files`);
  console.log(`# ${rel.length} files, ${r.messages} messages from the workers`);
});

test('name checks and previews are answered while every worker hashes a big file', async () => {
  ensureBig();
  await pg.setInputFiles('#files', bigPath);
  const r = await pg.evaluate(async () => {
    const f = document.getElementById('files').files[0];
    const ends = [];
    let progressed = 0;
    const both = new Promise((resolve) => {
      const onProgress = () => { if (++progressed === 2) resolve(); };
      for (const p of ['a.bin', 'b.bin']) {
        let first = true;
        window.pool.describe(f, p, { onProgress: () => { if (first) { first = false; onProgress(); } } }).then(() => ends.push(performance.now()));
      }
    });
    await both; // both workers are in a big file
    const name = await window.pool.validateName('-bad');
    const table = await window.pool.preview(new File(['a,b\n1,2\n'], 't.csv'), 't.csv', 5);
    const answeredAt = performance.now();
    while (ends.length < 2) await new Promise((res) => setTimeout(res, 20));
    return { name, columns: table?.columns, answeredAt, firstEnd: Math.min(...ends) };
  });
  assert.match(r.name, /Invalid repository or namespace name/);
  assert.deepEqual(r.columns, ['a', 'b']);
  assert.ok(r.answeredAt < r.firstEnd, `answered at ${r.answeredAt.toFixed(0)} ms, after a big file ended at ${r.firstEnd.toFixed(0)} ms`);
});

// A worker whose Go instance dies in the middle of a batch: the file it was
// on fails with the reason, every other file it held is described by a
// fresh worker. The death is injected by serving worker.js with a wrapper
// that throws (as a call into an exited Go program does) for one path.
test('a worker that dies fails only its own file; the rest of its batch is described', async () => {
  const context = await browser.newContext();
  try {
    await context.route('**/js/engine/worker.js', async (route) => {
      const res = await route.fetch();
      // worker.js is a module: the appended code shares its scope, and
      // wraps the small-file call into Go (files of a few bytes go there).
      const body = (await res.text()) + `
;{
  const small = describeSmall;
  describeSmall = (job, bytes) => {
    if (job.path.endsWith('crash-me.bin')) throw new Error('simulated engine death');
    return small(job, bytes);
  };
}`;
      await route.fulfill({ response: res, body });
    });
    const p = await context.newPage();
    await p.goto(server.url + 'engine-test.html');
    assert.equal(await p.evaluate(() => window.poolReady), 'ok');
    const r = await p.evaluate(async () => {
      const pool = new window.EnginePool({ size: 1 });
      await pool.ready();
      const names = Array.from({ length: 30 }, (_, i) => (i === 7 ? 'crash-me.bin' : `f${i}.txt`));
      const out = await Promise.all(names.map((n, i) => pool.describe(new File([`file ${i}\n`.repeat(i + 1)], n), n)
        .then((v) => ({ size: v.size, type: v.data_type }), (e) => ({ error: e.message }))));
      pool.terminate();
      return out;
    });
    assert.match(r[7].error, /^could not read crash-me\.bin: engine failure: simulated engine death/);
    for (const [i, v] of r.entries()) {
      if (i === 7) continue;
      assert.deepEqual(v, { size: `file ${i}\n`.length * (i + 1), type: 'text' }, `file ${i}`);
    }
  } finally {
    await context.close();
  }
});

// The engine takes work as soon as its first worker runs Go: ready()
// resolves and files are described while the second worker has not even
// been given the compiled module (held back here), and that one joins
// when it starts.
test('the first worker up starts describing before the others are ready', async () => {
  const r = await pg.evaluate(async () => {
    const { pool, held, start } = await window.poolWithLateWorker();
    const names = Array.from({ length: 40 }, (_, i) => `f${i}.txt`);
    const infos = await Promise.all(names.map((n, i) => pool.describe(new File([`line ${i}\n`], n), n)));
    const startedBefore = (await pool.memoryStats()).length;
    const heldCount = held;
    start();
    let startedAfter = 0;
    for (let i = 0; i < 200 && startedAfter < 2; i++) {
      await new Promise((res) => setTimeout(res, 50));
      startedAfter = (await pool.memoryStats()).length;
    }
    const after = await pool.describe(new File(['Hello'], 'hello.txt'), 'hello.txt');
    const marks = performance.getEntriesByType('mark').map((m) => m.name).filter((n) => n.startsWith('oxdrop-engine:'));
    pool.terminate();
    return { heldCount, startedBefore, startedAfter, sizes: infos.map((x) => x.size), after: after.hash, marks };
  });
  assert.equal(r.heldCount, 1, 'the second worker\'s module was held back');
  assert.equal(r.startedBefore, 1, 'one worker ran while the other waited');
  assert.deepEqual(r.sizes, Array.from({ length: 40 }, (_, i) => `line ${i}\n`.length));
  assert.equal(r.startedAfter, 2, 'the second worker joined once it had the module');
  assert.equal(r.after, '1bfd09d1a433fb78117b4c7b1583d16d');
  for (const m of ['start', 'compiled', 'ready', 'worker1-go', 'first-file-sent', 'first-file-answered']) {
    assert.ok(r.marks.includes(`oxdrop-engine:${m}`), `mark ${m} in ${r.marks.join(', ')}`);
  }
});

// A burst is handed over whole before any of it is read: the browser
// process that answers the page's File snapshots also serves the workers'
// reads, and the two slowed each other 3x (pool.js). So the first answer
// comes only once every file of the burst is with a worker.
test('a burst of files is handed over whole before the workers read it', async () => {
  const r = await pg.evaluate(async () => {
    const pool = new window.EnginePool({ size: 2 });
    await pool.ready();
    let atFirstAnswer = null;
    const n = 1500;
    await Promise.all(Array.from({ length: n }, (_, i) => {
      const name = `b/f${i}.txt`;
      return pool.describe(new File([`file ${i}\n`], name), name).then(() => {
        atFirstAnswer ??= pool.handOverStats().files;
      });
    }));
    // A few files after the burst, as a drop of three would come: no hold.
    const before = pool.handOverStats().bursts;
    await Promise.all([1, 2, 3].map((i) => pool.describe(new File([`x${i}`], `x${i}.txt`), `x${i}.txt`)));
    const stats = pool.handOverStats();
    pool.terminate();
    return { atFirstAnswer, n, before, stats };
  });
  assert.equal(r.atFirstAnswer, r.n, 'files handed over when the first answer came');
  assert.equal(r.before, 1, 'one burst');
  assert.equal(r.stats.bursts, 1, 'three files are not a burst');
  assert.equal(r.stats.described.reduce((a, b) => a + b, 0), r.n + 3);
});

// A burst given while only one worker is up all goes to that worker (the
// others are not started); the one that starts later takes the tail of
// its queue, so both end up describing.
test('a worker that starts late takes half of a busy worker\'s queue', async () => {
  const r = await pg.evaluate(async () => {
    const { pool, start } = await window.poolWithLateWorker();
    const n = 6000;
    const rows = Array.from({ length: 40 }, (_, r) => `${r},name ${r},${r * 1.5}`).join('\n');
    const sizes = [];
    const all = Array.from({ length: n }, (_, i) => {
      const name = `t/f${i}.csv`;
      return pool.describe(new File([`id,name,value\n${i},first,0\n${rows}\n`], name), name).then((info) => { sizes[i] = info.size; });
    });
    // The second worker gets its module once the burst is with the first.
    await new Promise((res) => setTimeout(res, 100));
    const withFirst = pool.handOverStats().described;
    start();
    await Promise.all(all);
    const stats = pool.handOverStats();
    pool.terminate();
    return { n, withFirst, stats, sizes: sizes.filter((x) => x > 0).length };
  });
  assert.equal(r.sizes, r.n);
  assert.equal(r.withFirst[1], 0, 'the late worker described nothing before it started');
  assert.ok(r.stats.takenBack > 0, `files taken back: ${JSON.stringify(r.stats)}`);
  const [a, b] = r.stats.described;
  assert.equal(a + b, r.n);
  assert.ok(b >= r.n / 10, `the late worker described ${b} of ${r.n} (the first ${a})`);
  console.log(`# described by each worker: ${a}, ${b}; taken back ${r.stats.takenBack}`);
});

// Memory on the engine side does not grow with the number of files: small
// files cross into Go as bytes (no JS value that Go's value table would
// keep), and nothing of a described file stays in the pool or the worker.
// After a first 4,000 files (Go's heap settles), a worker's Go memory grows
// by at most two 64 KiB pages over the next 8,000 (measured: at most one
// page up to 30,000), where a JS value kept per file would cost hundreds
// of KiB.
test('a worker\'s Go memory stays flat over thousands of files', async () => {
  const r = await pg.evaluate(async () => {
    const pool = new window.EnginePool({ size: 1 });
    await pool.ready();
    let described = 0;
    const run = (from, n) => Promise.all(Array.from({ length: n }, (_, i) => {
      const k = from + i;
      const name = `d${k % 7}/f${k}.${['txt', 'csv', 'json', 'bin'][k % 4]}`;
      const body = k % 4 === 1 ? `id,v\n${k},${k * 2}\n` : k % 4 === 2 ? JSON.stringify([{ k }]) : `file ${k}\n`.repeat(1 + (k % 50));
      return pool.describe(new File([body], name), name).then(() => described++);
    }));
    const sizes = [];
    for (let k = 0; k < 6; k++) {
      await run(k * 2000, 2000);
      sizes.push((await pool.memoryStats())[0].wasmBytes);
    }
    const stats = pool.handOverStats();
    pool.terminate();
    return { sizes, described, stats };
  });
  assert.equal(r.described, 12000);
  const grew = r.sizes[5] - r.sizes[1];
  assert.ok(grew <= 128 << 10, `Go memory after each 2,000 files: ${r.sizes.join(', ')} bytes`);
  assert.equal(r.stats.files, 12000);
  assert.ok(r.stats.messages < r.stats.files / 4, `${r.stats.messages} messages for ${r.stats.files} files`);
  console.log(`# Go memory ${(r.sizes[1] / (1 << 20)).toFixed(2)} MiB after 4,000 files, +${grew >> 10} KiB after 12,000; ${r.stats.files} files in ${r.stats.messages} messages`);
});
