// oxdrop engine worker (a module worker): one Go WebAssembly instance
// (build/dist/oxdrop.wasm, source in wasm/) per Web Worker. Started and
// driven by pool.js, which owns all scheduling: this worker describes the
// files it is given, in order, and answers in batches. Messages:
// protocol.js; behaviour: README.md in this folder.
//
// Small files (up to SMALL_FILE) are read whole with file.arrayBuffer(), a
// few ahead of the one Go is on, and described in one synchronous call of
// an exported Go function (wasm/main.go): no JS value, promise or goroutine
// per file. Larger files stream through Go in chunks read with
// file.stream(); Go reads their header and footer ranges with
// FileReaderSync, which exists only in workers.
/* global Go, FileReaderSync */
import { BIG_FILE, Msg, Op, SMALL_FILE } from './protocol.js';

const marks = { script: Date.now() };
const reader = new FileReaderSync();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

let memory = null; // the Go instance's linear memory
let exports = null; // its exported functions (the small-file path)
let engine = null; // globalThis.oxdropEngine, Go's js.FuncOf calls
let glue = null; // the promise of wasm_exec.js, loaded at INIT

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

// ---------------------------------------------------------------------------
// Start-up: INIT comes with the worker's start, so wasm_exec.js loads while
// the page compiles the wasm; MODULE brings it.

async function instantiate(module) {
  await glue;
  marks.glue = Date.now();
  const go = new Go();
  const instance = await WebAssembly.instantiate(module, go.importObject);
  marks.instantiated = Date.now();
  memory = instance.exports.mem;
  exports = instance.exports;
  // run() executes Go's main synchronously until it blocks, by which time
  // it has installed globalThis.oxdropEngine; the promise settles only if
  // Go exits (a panic), after which every call must fail loudly.
  go.run(instance).then(() => {
    // The file being described never gets an answer: send the finished
    // ones, so the pool can tell which file was running.
    flush();
    self.postMessage({ type: Msg.FATAL, message: 'the Go engine exited' });
  });
  engine = globalThis.oxdropEngine;
  if (!engine || typeof exports.oxdrop_describe_bytes !== 'function') throw new Error('the Go engine did not start (oxdropEngine missing)');
  marks.go = Date.now();
  // V8 compiles a wasm function the first time it runs: the first path
  // check, which every drop waits on before anything is hashed, took 10-40
  // ms of compiling and first-use set-up against 0.4 ms after. One check
  // now, while nothing waits, pays it before a file is chosen.
  try {
    engine.checkPaths(JSON.stringify([[], ['warm-up/a.txt']]));
  } catch {
    // a real check reports it
  }
  marks.warm = Date.now();
}

// ---------------------------------------------------------------------------
// Large files: streamed with file.stream() on this worker.

// explain turns a failed stream read (Chromium says only "TypeError:
// network error") into the reason FileReaderSync gives for the same file,
// e.g. "NotFoundError: A requested file or directory could not be found…".
function explain(file, err) {
  try {
    reader.readAsArrayBuffer(file.slice(0, 1));
  } catch (why) {
    return errorText(why);
  }
  return errorText(err);
}

// streamOf returns the bytes of file, in order, read with file.stream():
// next(addr, max) copies up to max of the next bytes to addr in Go's memory
// and resolves to the count (0 after the last byte), or rejects with the
// reason a read failed. The browser reads ahead into the stream while Go
// hashes what it has. (A nested reader worker handing over 4 MiB chunks was
// 10-45% slower: one more thread and hop on two cores, bench:hash.) A BYOB
// reader reads into one reused 1 MiB buffer: the stream's own pieces
// would be garbage that V8 collects only after tens of MiB.
const STREAM_BUFFER = 1 << 20;

function streamOf(file, size) {
  const stream = file.stream().getReader({ mode: 'byob' });
  let buf = new ArrayBuffer(STREAM_BUFFER);
  let taken = 0;
  return {
    async next(addr, max) {
      let n = 0;
      try {
        while (n < max && taken + n < size) {
          const { value, done } = await stream.read(new Uint8Array(buf, 0, Math.min(buf.byteLength, max - n)));
          if (done) break;
          goBytes(addr + n, value.length).set(value);
          n += value.length;
          buf = value.buffer; // the same memory, handed back
        }
      } catch (err) {
        throw explain(file, err);
      }
      taken += n;
      return n;
    },
    close() {
      stream.cancel().catch(() => {});
    },
  };
}

// ---------------------------------------------------------------------------
// Describing: the files of every DESCRIBE batch, in order.

// Small files are read in groups ahead of the one Go is on: one Blob of up
// to GROUP_FILES files or GROUP_BYTES bytes, read with one arrayBuffer(),
// GROUPS_AHEAD groups at a time. A read per file is a round trip to the
// browser process each, the very process that answers the page's
// synchronous File snapshots while it hands files over: reading them a
// group at a time cost the page's hand-over 1.5x less than one
// arrayBuffer() per file (bench:many). The bounds keep a worker's extra
// memory to a few MiB, also with a worker per core on a phone.
const GROUP_FILES = 64;
const GROUP_BYTES = 4 << 20;
const GROUPS_AHEAD = 2;
// Answers go to the page at most every FLUSH_MS: one message per batch of
// small files, not one per file.
const FLUSH_MS = 30;

const local = []; // {id, file, path, size?, data?}, in order
const results = []; // {id, value} | {id, message}, not yet sent
let chunkSize = 0; // the pool's, from every describe message
let readAhead = true;
let draining = false;
let bigId = null; // the big file being described, if any
let flushedAt = 0;
let flushTimer = 0;
let dead = false; // the Go instance failed: the pool replaces this worker
// The pool is handing over a burst: reads wait for its RELEASE (protocol.js),
// or HOLD_MAX_MS after the last batch, should RELEASE never come.
let holding = false;
let holdTimer = 0;
const HOLD_MAX_MS = 1000;

function hold(on) {
  clearTimeout(holdTimer);
  holding = on;
  if (on) holdTimer = setTimeout(() => hold(false), HOLD_MAX_MS);
  else drain();
}

function flush() {
  clearTimeout(flushTimer);
  flushTimer = 0;
  flushedAt = performance.now();
  if (results.length) self.postMessage({ type: Msg.RESULTS, items: results.splice(0) });
}

// flushSoon sends the answers now if the last batch went FLUSH_MS ago, else
// when that time is up.
function flushSoon() {
  if (!results.length || flushTimer) return;
  const wait = flushedAt + FLUSH_MS - performance.now();
  if (wait <= 0) flush();
  else flushTimer = setTimeout(flush, wait);
}

// sizeOf reads File.size once (free here: cloning the File into this
// worker took its snapshot).
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

const isSmall = (size) => size >= 0 && size <= SMALL_FILE;

// readWhole reads one file's bytes: a Uint8Array, or the read's error.
const readWhole = (file) => file.arrayBuffer().then((b) => new Uint8Array(b), (err) => err);

// prefetch starts reading the next groups of small files, up to
// GROUPS_AHEAD groups not yet taken by Go. A group whose read fails (a file
// changed or vanished) is read again file by file, so each file gets its
// own answer.
function prefetch() {
  const started = new Set();
  let group = null;
  let bytes = 0;
  const begin = () => {
    if (!group) return;
    const files = group;
    group = null;
    bytes = 0;
    const read = new Blob(files.map((j) => j.file)).arrayBuffer().then((b) => b, () => null);
    let off = 0;
    for (const job of files) {
      const at = off;
      off += job.size;
      job.data = read.then((buf) => (buf && buf.byteLength === off ? new Uint8Array(buf, at, job.size) : readWhole(job.file)));
    }
  };
  for (const job of local) {
    if (job.data) {
      if (job.group !== undefined) started.add(job.group);
      continue;
    }
    if (!isSmall(sizeOf(job))) continue;
    if (group && (group.length >= GROUP_FILES || bytes + job.size > GROUP_BYTES)) begin();
    if (!group) {
      if (started.size >= GROUPS_AHEAD) return;
      group = [];
      started.add(++groups);
    }
    job.group = groups;
    group.push(job);
    bytes += job.size;
  }
  begin();
}
let groups = 0;

// describeSmall describes bytes, a whole file, in one synchronous call into
// Go: the path and the bytes are copied into Go's scratch buffer.
function describeSmall(job, bytes) {
  const path = encoder.encode(job.path);
  const at = exports.oxdrop_scratch(path.length + bytes.length) >>> 0;
  goBytes(at, path.length).set(path);
  goBytes(at + path.length, bytes.length).set(bytes);
  const n = exports.oxdrop_describe_bytes(path.length, bytes.length);
  const text = decoder.decode(goBytes(exports.oxdrop_answer() >>> 0, Math.abs(n)));
  if (n < 0) return { id: job.id, message: `could not read ${job.path}: ${text}` };
  return { id: job.id, value: JSON.parse(text) };
}

async function describeLarge(job, size) {
  if (size > BIG_FILE) {
    // Answer what is done and tell the pool, which takes back the files
    // waiting behind this one for the other workers.
    flush();
    bigId = job.id;
    self.postMessage({ type: Msg.BIG, id: job.id });
  }
  // Without read-ahead, Go reads its chunks through readSlice instead.
  const stream = readAhead ? streamOf(job.file, size) : null;
  const progress = (done, total) => self.postMessage({ type: Msg.PROGRESS, id: job.id, done, total });
  try {
    const out = await engine.describe(job.file, job.path, chunkSize, readSlice, stream, progress);
    if (out && typeof out.error === 'string') return { id: job.id, message: `could not read ${job.path}: ${out.error}` };
    return { id: job.id, value: JSON.parse(out.json) };
  } finally {
    stream?.close();
    if (bigId === job.id) bigId = null;
  }
}

async function describeOne(job) {
  const size = sizeOf(job);
  if (isSmall(size)) {
    // A failed or short read falls back to the chunked path, whose error
    // names the range that could not be read.
    const bytes = await (job.data ?? readWhole(job.file));
    if (bytes instanceof Uint8Array && bytes.length === size) return describeSmall(job, bytes);
  }
  return describeLarge(job, size);
}

async function drain() {
  if (draining || dead || !engine || holding) return;
  draining = true;
  try {
    while (local.length && !holding) {
      prefetch();
      const job = local.shift();
      let r;
      try {
        r = await describeOne(job);
      } catch (err) {
        // A throw means the Go instance is unusable (it panicked or
        // exited): report this file's failure, then ask to be replaced;
        // the pool gives the files still waiting here to another worker.
        const why = err && err.message ? err.message : String(err);
        results.push({ id: job.id, message: `could not read ${job.path}: engine failure: ${why}` });
        flush();
        dead = true;
        self.postMessage({ type: Msg.FATAL, message: why, reported: true });
        return;
      }
      results.push(r);
      // A large file took long enough to be answered at once; so is the
      // last file given.
      if (!isSmall(job.size) || local.length === 0) flush();
      else flushSoon();
    }
  } finally {
    draining = false;
  }
}

// ---------------------------------------------------------------------------
// Interactive requests, answered at once, also between the chunks of a
// file being described (Go is then waiting on a promise, so it can serve
// this synchronous call).

function call(op, args) {
  switch (op) {
    case Op.PREVIEW: {
      const [file, path, maxRows] = args;
      const out = engine.preview(file, path, maxRows, readSlice);
      if (out && typeof out.error === 'string') throw Object.assign(new Error(`could not preview ${path}: ${out.error}`), { answer: true });
      return JSON.parse(out.json);
    }
    case Op.VALIDATE_NAME:
      return engine.validateName(String(args[0]));
    case Op.VALIDATE_AUTHOR:
      return engine.validateAuthor(String(args[0]), String(args[1]));
    case Op.CHECK_PATHS: {
      // One string each way: a batch crosses into Go once, not per path.
      const [added, listed] = args;
      const out = engine.checkPaths(JSON.stringify([listed, added]));
      if (out && typeof out.error === 'string') throw Object.assign(new Error(`could not check the paths: ${out.error}`), { answer: true });
      return JSON.parse(out.json);
    }
    case Op.STATS:
      return { wasmBytes: memory ? memory.buffer.byteLength : 0 };
    default:
      throw Object.assign(new Error(`unknown engine request ${JSON.stringify(op)}`), { answer: true });
  }
}

const what = { [Op.PREVIEW]: (a) => `preview ${a[1]}`, [Op.CHECK_PATHS]: () => 'check the paths', [Op.VALIDATE_NAME]: () => 'check the name', [Op.VALIDATE_AUTHOR]: () => 'check the author' };

self.onmessage = async (e) => {
  const m = e.data;
  switch (m.type) {
    case Msg.INIT:
      chunkSize = m.chunkSize;
      readAhead = m.readAhead !== false;
      glue = import(new URL('wasm_exec.js', m.baseURL).href);
      glue.catch(() => {}); // reported by MODULE
      return;
    case Msg.MODULE:
      try {
        await instantiate(m.module);
        self.postMessage({ type: Msg.READY, marks });
        drain();
      } catch (err) {
        self.postMessage({ type: Msg.FATAL, message: errorText(err) });
      }
      return;
    case Msg.DESCRIBE:
      chunkSize = m.chunkSize;
      readAhead = m.readAhead !== false;
      local.push(...m.jobs);
      if (m.hold) hold(true);
      else drain();
      return;
    case Msg.RELEASE:
      hold(false);
      return;
    case Msg.REVOKE: {
      const ids = new Set(m.ids);
      for (let i = local.length - 1; i >= 0; i--) if (ids.has(local[i].id)) local.splice(i, 1);
      return;
    }
    case Msg.CALL:
      try {
        self.postMessage({ type: Msg.RESULTS, items: [{ id: m.id, value: call(m.op, m.args) }] });
      } catch (err) {
        if (err.answer) {
          self.postMessage({ type: Msg.RESULTS, items: [{ id: m.id, message: err.message }] });
          return;
        }
        const why = err && err.message ? err.message : String(err);
        self.postMessage({ type: Msg.RESULTS, items: [{ id: m.id, message: `could not ${what[m.op]?.(m.args) ?? m.op}: engine failure: ${why}` }] });
        dead = true;
        self.postMessage({ type: Msg.FATAL, message: why, reported: true });
      }
  }
};
