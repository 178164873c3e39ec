// oxdrop engine worker: one Go WebAssembly instance (build/dist/oxdrop.wasm,
// source in wasm/) per Web Worker. Started and driven by pool.js; see
// README.md in this folder for the message protocol.
//
// Files are read with FileReaderSync, which exists only in workers: it lets
// Go's io.ReaderAt be synchronous, so the Go side streams each File in
// chunks into one reused buffer and reads header/footer ranges on demand.
/* global Go, FileReaderSync */
'use strict';

const reader = new FileReaderSync();

// goBytes is a view of n bytes of Go's memory at addr. The memory's buffer
// is replaced when Go's heap grows, so the view is made afresh each time.
const goBytes = (addr, n) => new Uint8Array(memory.buffer, addr, n);

const errorText = (err) => `${err && err.name ? err.name + ': ' : ''}${err && err.message ? err.message : String(err)}`;

// readSlice is handed to Go: it copies bytes [start, end) of file to addr in
// Go's memory and returns the count, or a string that says why they could
// not be read (Go turns it into an error).
function readSlice(file, start, end, addr) {
  try {
    const buf = reader.readAsArrayBuffer(file.slice(start, end));
    goBytes(addr, buf.byteLength).set(new Uint8Array(buf));
    return buf.byteLength;
  } catch (err) {
    return errorText(err);
  }
}

// openStream returns the bytes of file, in order, read ahead in chunks by a
// nested reader worker (reader.js): next(addr, max) copies up to max of the
// next bytes to addr in Go's memory and resolves to the count (0 after the
// last byte), or rejects with the reason a read failed. Without nested
// workers it returns null and Go reads through readSlice instead.
let readerWorker;
let generation = 0;
const AHEAD = 2; // chunks read beyond the one Go is hashing

// startReader starts the reader worker, once. init() calls it, so the
// first big file does not wait for a worker to start.
function startReader() {
  if (readerWorker !== undefined) return;
  try {
    readerWorker = typeof Worker === 'function' ? new Worker(new URL('reader.js', self.location.href)) : null;
  } catch {
    readerWorker = null;
  }
}

function openStream(file, chunkSize) {
  startReader();
  if (!readerWorker) return null;
  const rw = readerWorker;
  const gen = ++generation;
  const ready = [];
  let waiting = null;
  let failure = null;
  let taken = 0;
  let pieces = []; // the chunk being copied out: its remaining pieces
  let used = 0; // bytes of pieces[0] already copied
  const settle = () => {
    if (!waiting) return;
    const w = waiting;
    if (!pieces.length && ready.length) {
      pieces = ready.shift().pieces;
      used = 0;
      rw.postMessage({ type: 'more', gen }); // room for one more chunk
    }
    if (pieces.length) {
      waiting = null;
      // Copy as many whole or partial pieces as fit in Go's buffer.
      let n = 0;
      while (pieces.length && n < w.max) {
        const p = pieces[0];
        const k = Math.min(w.max - n, p.length - used);
        goBytes(w.addr + n, k).set(used || k < p.length ? p.subarray(used, used + k) : p);
        n += k;
        used += k;
        if (used === p.length) {
          pieces.shift();
          used = 0;
        }
      }
      taken += n;
      w.resolve(n);
    } else if (failure !== null) {
      waiting = null;
      w.reject(failure);
    }
  };
  rw.onmessage = (e) => {
    const m = e.data;
    if (m.gen !== gen) return; // left over from an earlier file
    if (m.type === 'chunk') ready.push(m);
    else failure = m.message;
    settle();
  };
  rw.onerror = (e) => {
    e.preventDefault();
    failure = `the reader worker failed: ${e.message || 'could not start reader.js'}`;
    readerWorker = null; // later files are read on this thread instead
    settle();
  };
  rw.postMessage({ type: 'open', gen, file, chunk: chunkSize, ahead: AHEAD });
  return {
    next(addr, max) {
      if (taken >= file.size) return Promise.resolve(0);
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject, addr, max };
        settle();
      });
    },
    close() {
      rw.postMessage({ type: 'close', gen });
    },
  };
}

let engine = null;
let memory = null; // the Go instance's linear memory, for memoryStats()

async function init({ baseURL, module }) {
  importScripts(new URL('wasm_exec.js', baseURL).href);
  const go = new Go();
  let instance;
  if (module) {
    instance = await WebAssembly.instantiate(module, go.importObject);
  } else {
    const url = new URL('oxdrop.wasm', baseURL).href;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not load the engine from ${url}: HTTP ${res.status}`);
    ({ instance } = await WebAssembly.instantiate(await res.arrayBuffer(), go.importObject));
  }
  // run() executes Go's main synchronously until it blocks, by which time
  // it has installed globalThis.oxdropEngine; the promise settles only if
  // Go exits (a panic), after which every call must fail loudly.
  memory = instance.exports.mem;
  go.run(instance).then(() => {
    // The file being described never gets an answer: send the finished
    // ones, so the pool can tell which file was running.
    flush();
    self.postMessage({ type: 'fatal', message: 'the Go engine exited' });
  });
  engine = globalThis.oxdropEngine;
  if (!engine) throw new Error('the Go engine did not start (oxdropEngine missing)');
  startReader();
}

function reply(id, out, what, path) {
  if (out && typeof out.error === 'string') {
    self.postMessage({ type: 'error', id, message: `could not ${what} ${path}: ${out.error}` });
  } else {
    self.postMessage({ type: 'result', id, value: JSON.parse(out.json) });
  }
}

// ---------------------------------------------------------------------------
// Describing: the pool sends files in batches; this worker keeps its own
// queue and works through it without waiting for the page between files,
// reading the next small files while Go describes the current one, and
// answers in batches too (see README.md, "Scheduling").

// A file over BIG_FILE takes long enough that the files queued behind it
// are better given back to the pool, for a worker that is free.
const BIG_FILE = 32 << 20;
// Small files (up to PREFETCH_FILE bytes, where a read's round trip costs
// more than its bytes) are read whole with file.arrayBuffer(), up to
// PREFETCH_FILES / PREFETCH_BYTES ahead of the one Go is describing: reads
// of separate files overlap, instead of a round trip each. The bounds keep
// a worker's extra memory to a few MiB, also with a worker per core on a
// phone.
const PREFETCH_FILE = 1 << 20;
const PREFETCH_FILES = 8;
const PREFETCH_BYTES = 4 << 20;
// Results are sent at most every FLUSH_MS, so the page gets one message per
// batch of small files, not one per file.
const FLUSH_MS = 30;

const local = []; // {id, file, path, size?, data?}, in order
const results = []; // {id, value} | {id, message}, not yet sent
let chunkSize = 0; // the pool's, from every describe message
let readAhead = true;
let draining = false;
let bigId = null; // the big file being described, if any
let flushedAt = 0;
let dead = false; // the Go instance failed: the pool replaces this worker

let flushTimer = 0;

function flush() {
  clearTimeout(flushTimer);
  flushTimer = 0;
  flushedAt = performance.now();
  if (results.length) self.postMessage({ type: 'results', items: results.splice(0) });
}

// flushSoon sends the results now if the last batch went FLUSH_MS ago, else
// when that time is up.
function flushSoon() {
  if (!results.length || flushTimer) return;
  const wait = flushedAt + FLUSH_MS - performance.now();
  if (wait <= 0) flush();
  else flushTimer = setTimeout(flush, wait);
}

// sizeOf reads File.size once (in Chromium a round trip to the browser
// process for a file picked from disk; here, off the page's thread).
function sizeOf(job) {
  if (job.size === undefined) {
    try {
      job.size = job.file.size;
    } catch {
      job.size = -1; // Go reports the failure with the file's name
    }
  }
  return job.size;
}

function prefetch() {
  let bytes = 0;
  for (let i = 0; i < local.length && i < PREFETCH_FILES; i++) {
    const job = local[i];
    const size = sizeOf(job);
    if (size < 0 || size > Math.min(PREFETCH_FILE, chunkSize)) continue;
    bytes += size;
    if (bytes > PREFETCH_BYTES) return;
    if (!job.data) {
      job.data = job.file.arrayBuffer().then((b) => new Uint8Array(b), () => null);
    }
  }
}

// bufferStream serves bytes already read, in the shape of openStream's.
function bufferStream(bytes) {
  let off = 0;
  return {
    next(addr, max) {
      const n = Math.min(max, bytes.length - off);
      if (n > 0) goBytes(addr, n).set(bytes.subarray(off, off + n));
      off += n;
      return Promise.resolve(n);
    },
    close() {},
  };
}

async function describeOne(job) {
  const size = sizeOf(job);
  if (size > BIG_FILE) {
    // Give the files waiting here back to the pool before starting.
    flush();
    bigId = job.id;
    const ids = local.splice(0).map((j) => j.id);
    self.postMessage({ type: 'big', id: job.id, requeue: ids });
  }
  let stream = null;
  // A failed or short early read falls back to the normal path, whose
  // error names the range that could not be read.
  const bytes = job.data ? await job.data : null;
  if (bytes && bytes.length === size) stream = bufferStream(bytes);
  else if (readAhead) {
    stream = openStream(job.file, engine.clampChunk(chunkSize)); // Go's rule, Go's size
  }
  const progress = (done, total) => self.postMessage({ type: 'progress', id: job.id, done, total });
  try {
    const out = await engine.describe(job.file, job.path, chunkSize, readSlice, stream, progress);
    if (out && typeof out.error === 'string') results.push({ id: job.id, message: `could not read ${job.path}: ${out.error}` });
    else results.push({ id: job.id, value: JSON.parse(out.json) });
  } finally {
    stream?.close();
    if (bigId === job.id) {
      bigId = null;
      flush();
    }
  }
}

async function drain() {
  if (draining || dead) return;
  draining = true;
  try {
    while (local.length) {
      prefetch();
      const job = local.shift();
      try {
        await describeOne(job);
      } catch (err) {
        // A throw means the Go instance is unusable (it panicked or
        // exited): report this file's failure, then ask to be replaced;
        // the pool gives the files still waiting here to another worker.
        const why = err && err.message ? err.message : String(err);
        results.push({ id: job.id, message: `could not read ${job.path}: engine failure: ${why}` });
        flush();
        dead = true;
        self.postMessage({ type: 'fatal', message: why, reported: true });
        return;
      }
      flushSoon();
    }
  } finally {
    draining = false;
  }
}

self.onmessage = async (e) => {
  const m = e.data;
  switch (m.type) {
    case 'init':
      try {
        await init(m);
        self.postMessage({ type: 'ready' });
      } catch (err) {
        self.postMessage({ type: 'fatal', message: errorText(err) });
      }
      return;
    case 'stats':
      self.postMessage({ type: 'stats', id: m.id, wasmBytes: memory ? memory.buffer.byteLength : 0 });
      return;
    case 'describe':
      chunkSize = m.chunkSize;
      readAhead = m.readAhead !== false;
      if (bigId !== null) {
        // Busy with a big file: these are better off on another worker.
        self.postMessage({ type: 'big', id: bigId, requeue: m.jobs.map((j) => j.id) });
        return;
      }
      local.push(...m.jobs);
      drain();
      return;
    case 'cancel': {
      const ids = new Set(m.ids);
      for (let i = local.length - 1; i >= 0; i--) if (ids.has(local[i].id)) local.splice(i, 1);
      return;
    }
  }
  // Interactive requests are answered at once, also between the chunks of a
  // file being described: Go is then waiting on a promise, so it can serve
  // this synchronous call.
  try {
    switch (m.type) {
      case 'preview':
        reply(m.id, engine.preview(m.file, m.path, m.maxRows, readSlice), 'preview', m.path);
        break;
      case 'validateName':
        self.postMessage({ type: 'result', id: m.id, value: engine.validateName(String(m.name)) });
        break;
      case 'validateAuthor':
        self.postMessage({ type: 'result', id: m.id, value: engine.validateAuthor(String(m.name), String(m.email)) });
        break;
      case 'checkPaths':
        // One string each way: a batch crosses into Go once, not per path.
        reply(m.id, engine.checkPaths(JSON.stringify([m.listed, m.added])), 'check', 'the paths');
        break;
      default:
        self.postMessage({ type: 'error', id: m.id, message: `unknown engine request ${JSON.stringify(m.type)}` });
    }
  } catch (err) {
    const why = err && err.message ? err.message : String(err);
    const what = { preview: `preview ${m.path}`, checkPaths: 'check the paths', validateName: 'check the name', validateAuthor: 'check the author' }[m.type] ?? m.type;
    self.postMessage({ type: 'error', id: m.id, message: `could not ${what}: engine failure: ${why}` });
    dead = true;
    self.postMessage({ type: 'fatal', message: why, reported: true });
  }
};
