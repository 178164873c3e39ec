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

function openStream(file, chunkSize) {
  if (readerWorker === undefined) {
    try {
      readerWorker = typeof Worker === 'function' ? new Worker(new URL('reader.js', self.location.href)) : null;
    } catch {
      readerWorker = null;
    }
  }
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
  go.run(instance).then(() => self.postMessage({ type: 'fatal', message: 'the Go engine exited' }));
  engine = globalThis.oxdropEngine;
  if (!engine) throw new Error('the Go engine did not start (oxdropEngine missing)');
}

function reply(id, out, what, path) {
  if (out && typeof out.error === 'string') {
    self.postMessage({ type: 'error', id, message: `could not ${what} ${path}: ${out.error}` });
  } else {
    self.postMessage({ type: 'result', id, value: JSON.parse(out.json) });
  }
}

self.onmessage = async (e) => {
  const m = e.data;
  if (m.type === 'init') {
    try {
      await init(m);
      self.postMessage({ type: 'ready' });
    } catch (err) {
      self.postMessage({ type: 'fatal', message: errorText(err) });
    }
    return;
  }
  if (m.type === 'stats') {
    self.postMessage({ type: 'stats', id: m.id, wasmBytes: memory ? memory.buffer.byteLength : 0 });
    return;
  }
  try {
    switch (m.type) {
      case 'describe': {
        const progress = (done, total) => self.postMessage({ type: 'progress', id: m.id, done, total });
        const { min, max } = engine.chunkSizes;
        const stream = m.readAhead === false ? null : openStream(m.file, Math.min(Math.max(m.chunkSize, min), max));
        try {
          reply(m.id, await engine.describe(m.file, m.path, m.chunkSize, readSlice, stream, progress), 'read', m.path);
        } finally {
          stream?.close();
        }
        break;
      }
      case 'preview':
        reply(m.id, engine.preview(m.file, m.path, m.maxRows, readSlice), 'preview', m.path);
        break;
      case 'validateName':
        self.postMessage({ type: 'result', id: m.id, value: engine.validateName(String(m.name)) });
        break;
      default:
        self.postMessage({ type: 'error', id: m.id, message: `unknown engine request ${JSON.stringify(m.type)}` });
    }
  } catch (err) {
    // A throw here means the Go instance is unusable (it panicked or
    // exited): report the job's failure, then ask to be replaced.
    const why = err && err.message ? err.message : String(err);
    self.postMessage({ type: 'error', id: m.id, message: `could not ${m.type === 'preview' ? 'preview' : 'read'} ${m.path ?? ''}: engine failure: ${why}` });
    self.postMessage({ type: 'fatal', message: why });
  }
};
