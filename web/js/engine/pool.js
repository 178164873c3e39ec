// EnginePool: a pool of Web Workers, each running one Go WebAssembly
// instance of oxdrop's core (worker.js), so hashing, classification and
// previews never run on the page's main thread. The pool owns all
// scheduling: which worker gets which file and when, and taking files back
// from a worker that started a big one. Messages: protocol.js; API and
// rules: README.md in this folder.
import { MARK, Msg, Op } from './protocol.js';

const DEFAULT_CHUNK = 4 << 20;

// Scheduling, in short: files go to the workers in batches of up to
// BATCH_MAX, each worker kept AHEAD_LOW to AHEAD_HIGH files ahead so it
// never waits for the page between files, and the workers answer in
// batches. Handing a picked File to a worker costs the page a synchronous
// round trip to the browser process (Chromium snapshots the file's size
// and date while cloning it): 0.2 ms on an idle machine. That is the
// page's whole cost per file, so the pool sends for at most SLICE_MS per
// task, then yields (a task, not a clamped timer), and never in the
// caller's own task: adding 10,000 files at once never blocks the page.
const BATCH_MAX = 64;
const AHEAD_LOW = 96;
const AHEAD_HIGH = 192;
const SLICE_MS = 6;
// A burst (more than BATCH_MAX files waiting) is handed over whole before
// the workers read any of it: the same browser process answers the page's
// snapshots and the workers' reads, and each slowed the other 3x when they
// ran together (bench:many, 10,000 files: 0.63 ms a file handed over while
// the workers read, 0.2 ms before). Workers hold up to HOLD_AHEAD files
// each meanwhile; the pool releases them once nothing has been added for
// RELEASE_MS. A worker that runs low takes the tail of the busiest one's
// queue (STEAL_MIN files or more), so the hold's uneven split, and a
// worker that started late, even out.
const HOLD_AHEAD = 16384;
const RELEASE_MS = 20;
const STEAL_MIN = 256;
function abortError(signal) {
  return signal && signal.reason !== undefined
    ? signal.reason
    : new DOMException('The operation was aborted.', 'AbortError');
}

// mark records a start-up time as a User Timing mark ("oxdrop-engine:…")
// on the page's timeline; at is an epoch time in ms (a worker's clock),
// else now.
function mark(name, at) {
  try {
    performance.mark(MARK + name, at === undefined ? undefined : { startTime: Math.max(0, at - performance.timeOrigin) });
  } catch {
    // marks are diagnostics only
  }
}

// compileEngine fetches and compiles oxdrop.wasm once for the whole pool;
// every worker instantiates the same compiled Module (structured-cloned,
// which shares the compiled code).
async function compileEngine(url) {
  let res;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new Error(`could not load the engine from ${url}: ${err.message}`);
  }
  if (!res.ok) throw new Error(`could not load the engine from ${url}: HTTP ${res.status}`);
  const type = res.headers.get('Content-Type') || '';
  if (WebAssembly.compileStreaming && type.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(res);
  }
  return WebAssembly.compile(await res.arrayBuffer()); // hosts that send another MIME type
}

// workerScriptURL is the URL to start an engine worker with. A worker's
// script must be of the page's origin; when this module is served from
// another one (a CDN, a package host), the worker starts from a one-line
// module of the page's origin (a blob: URL) that imports worker.js from
// where it is, with CORS, so worker.js's own imports still resolve
// beside it. Made once per pool, kept for its workers' restarts.
function workerScriptURL(url) {
  const here = globalThis.location?.origin;
  if (!here || url.origin === here || url.protocol === 'blob:' || url.protocol === 'data:') return url;
  const source = `import ${JSON.stringify(url.href)};\n`;
  return URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
}

// A queue with O(1) taking from the front.
class Queue {
  #items = [];
  #head = 0;
  get length() { return this.#items.length - this.#head; }
  push(...xs) { this.#items.push(...xs); }
  unshift(xs) {
    this.#items.splice(this.#head, 0, ...xs);
  }
  peek() {
    return this.#items[this.#head];
  }
  shift() {
    return this.take(1)[0];
  }
  take(n) {
    const out = this.#items.slice(this.#head, this.#head + n);
    this.#head += out.length;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }
  remove(x) {
    const i = this.#items.indexOf(x, this.#head);
    if (i < 0) return false;
    this.#items.splice(i, 1);
    return true;
  }
  drain() {
    const out = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return out;
  }
}

export class EnginePool {
  #baseURL;
  #workerURL;
  #chunkSize;
  #readAhead;
  #module;
  #slots = [];
  #files = new Queue(); // describe jobs waiting, in order
  #calls = []; // interactive requests waiting for a started worker
  #nextId = 1;
  #closed = false;
  #ready;
  #sendScheduled = false;
  #wake; // posts a task that runs #send
  #handOver = { files: 0, messages: 0, ms: 0, longestMs: 0, bursts: 0, takenBack: 0 };
  #answered = false;
  #holding = false; // a burst is being handed over: the workers wait for RELEASE
  #releaseTimer = 0;

  /**
   * @param {object} [opts]
   * @param {number} [opts.size]       workers (Go instances); defaults to the core count
   * @param {URL|string} [opts.baseURL] folder holding oxdrop.wasm and wasm_exec.js (the app root)
   * @param {number} [opts.chunkSize]   bytes read per step, 256 KiB to 4 MiB (Go clamps it)
   * @param {boolean} [opts.readAhead] read the next chunks on a nested reader worker while Go
   *                                   hashes (default); false reads and hashes on one thread
   */
  constructor({ size = globalThis.navigator?.hardwareConcurrency || 2, baseURL = new URL('../../', import.meta.url), chunkSize = DEFAULT_CHUNK, readAhead = true } = {}) {
    mark('start');
    this.#baseURL = new URL(baseURL, globalThis.location?.href).href;
    this.#workerURL = workerScriptURL(new URL('./worker.js', import.meta.url));
    this.#chunkSize = chunkSize;
    this.#readAhead = readAhead;
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      this.#sendScheduled = false;
      this.#send();
    };
    this.#wake = () => {
      if (this.#sendScheduled || this.#closed) return;
      this.#sendScheduled = true;
      channel.port2.postMessage(null);
    };
    this.#module = compileEngine(new URL('oxdrop.wasm', this.#baseURL).href);
    this.#module.then(() => mark('compiled'), () => {}); // failures surface through ready() and each job
    const n = Math.max(1, Math.floor(size) || 1);
    // The workers start while the wasm compiles.
    for (let i = 0; i < n; i++) this.#slots.push(this.#spawn(i + 1));
    // The engine is ready once one worker is: it takes work at once, the
    // others join as they start. It fails only if no worker can start.
    this.#ready = Promise.any(this.#slots.map((s) => s.ready)).then(
      () => mark('ready'),
      (agg) => { throw agg.errors[0]; },
    );
    this.#ready.catch(() => {});
    Promise.all(this.#slots.map((s) => s.ready)).then(() => mark('all-ready'), () => {});
  }

  /** Number of workers. */
  get size() { return this.#slots.length; }

  /**
   * Resolves when the engine takes work: its first worker has started its
   * Go instance (the others join as they start). Rejects if the engine
   * cannot load.
   */
  ready() { return this.#ready; }

  /**
   * Hashes and describes a file: resolves to the Go model.FileInfo JSON
   * {hash, size, data_type, mime_type, extension, metadata}.
   */
  describe(file, path, { onProgress, signal } = {}) {
    return this.#job({ file, path }, { onProgress, signal, path });
  }

  /** The head of a tabular file {columns, dtypes, rows}, or null when the file is not tabular. */
  preview(file, path, maxRows = 20, { signal } = {}) {
    return this.#job({ op: Op.PREVIEW, args: [file, path, maxRows] }, { signal, path });
  }

  /** "" when name is a valid repository or namespace name, else the core's message. */
  validateName(name) {
    return this.#job({ op: Op.VALIDATE_NAME, args: [String(name)] });
  }

  /** "" when name and email are a valid commit author (the server's rule: at most 255 bytes each, no control characters), else the core's message. */
  validateAuthor(name, email) {
    return this.#job({ op: Op.VALIDATE_AUTHOR, args: [String(name), String(email)] });
  }

  /**
   * Checks file paths with the server's own rules (core/repo's PathSet, in
   * Go): each path of `added` on its own (CleanPath), then against the
   * paths already `listed` and the ones added before it (duplicates, a
   * file that is also a folder, Unicode normalisation twins). An added
   * path equal to a listed one replaces it. Resolves to one message per
   * added path, "" when valid, in the server's words. The whole batch is
   * one message each way.
   */
  checkPaths(added, listed = []) {
    return this.#job({ op: Op.CHECK_PATHS, args: [Array.from(added, String), Array.from(listed, String)] });
  }

  /**
   * The size of each worker's Go linear memory (it only grows, so this is
   * the peak): [{ wasmBytes }], one entry per started worker. For tests and
   * diagnostics.
   */
  memoryStats() {
    return Promise.all(this.#slots.filter((s) => s.started).map((slot) => new Promise((resolve, reject) => {
      const job = this.#newJob({ op: Op.STATS, args: [] }, {}, resolve, reject);
      this.#post(slot, job);
    })));
  }

  /**
   * What handing files to the workers has cost the page so far: files and
   * messages sent, the time spent snapshotting and cloning the Files, and
   * the longest single batch, in ms; bursts handed over whole (held);
   * files taken back from a busy worker for an idle one; and the files each
   * worker described. For benchmarks, tests and diagnostics.
   */
  handOverStats() {
    return { ...this.#handOver, described: this.#slots.map((s) => s.described) };
  }

  /** Rejects every waiting job and stops every running one. */
  cancelAll() {
    for (const job of [...this.#calls.splice(0), ...this.#files.drain()]) job.reject(abortError());
    this.#release();
    for (const slot of this.#slots) {
      if (slot.big !== null) {
        // Its Go loop may run for seconds: stop it at once.
        this.#replace(slot, slot.jobs.get(slot.big), abortError());
        continue;
      }
      // Small files end in milliseconds: the worker drops the rest, no
      // need to restart a Go instance.
      const ids = [...slot.jobs.keys()];
      if (!ids.length) continue;
      for (const job of slot.jobs.values()) job.reject(abortError());
      slot.jobs.clear();
      slot.worker.postMessage({ type: Msg.REVOKE, ids });
    }
  }

  /** Stops every worker; pending jobs reject and the pool cannot be used again. */
  terminate() {
    if (this.#closed) return;
    this.#closed = true;
    if (String(this.#workerURL).startsWith('blob:')) URL.revokeObjectURL(this.#workerURL);
    const err = new Error('the engine pool was terminated');
    for (const job of [...this.#calls.splice(0), ...this.#files.drain()]) job.reject(err);
    for (const slot of this.#slots) {
      slot.worker.terminate();
      for (const job of slot.jobs.values()) job.reject(err);
      slot.jobs.clear();
    }
  }

  #newJob(msg, { onProgress, signal, path }, resolve, reject) {
    const job = { id: this.#nextId++, msg, onProgress, path, slot: null };
    const onAbort = () => this.#abort(job, abortError(signal));
    job.resolve = (v) => { signal?.removeEventListener('abort', onAbort); resolve(v); };
    job.reject = (e) => { signal?.removeEventListener('abort', onAbort); reject(e); };
    signal?.addEventListener('abort', onAbort, { once: true });
    return job;
  }

  #job(msg, opts = {}) {
    if (this.#closed) return Promise.reject(new Error('the engine pool was terminated'));
    if (opts.signal?.aborted) return Promise.reject(abortError(opts.signal));
    return new Promise((resolve, reject) => {
      const job = this.#newJob(msg, opts, resolve, reject);
      if (msg.op) {
        // Interactive requests go ahead of every file waiting, at once to
        // the least busy started worker (one in a big file answers between
        // its chunks).
        this.#calls.push(job);
        this.#sendCalls();
      } else {
        // Files are sent from a later task, a slice at a time: a caller
        // adding thousands in one go must not clone them in its own task.
        this.#files.push(job);
        this.#wake();
      }
    });
  }

  #post(slot, job) {
    job.slot = slot;
    slot.jobs.set(job.id, job);
    slot.worker.postMessage({ type: Msg.CALL, id: job.id, op: job.msg.op, args: job.msg.args });
  }

  #sendCalls() {
    const started = this.#slots.filter((s) => s.started);
    if (!started.length || this.#closed) return;
    const busyness = (s) => (s.big === null ? 0 : 1e6) + s.jobs.size;
    for (const job of this.#calls.splice(0)) this.#post(started.reduce((a, b) => (busyness(b) < busyness(a) ? b : a)), job);
  }

  #abort(job, err) {
    if (this.#files.remove(job) || this.#calls.includes(job)) {
      const i = this.#calls.indexOf(job);
      if (i >= 0) this.#calls.splice(i, 1);
      job.reject(err);
      return;
    }
    const slot = job.slot;
    if (!slot || slot.jobs.get(job.id) !== job) return;
    if (slot.big === job.id) {
      // A long Go loop: terminating the worker is the only way to stop it now.
      this.#replace(slot, job, err);
      return;
    }
    // A small file: dropped if it has not started; if it has, it ends in
    // milliseconds and its answer is ignored.
    slot.jobs.delete(job.id);
    job.reject(err);
    slot.worker.postMessage({ type: Msg.REVOKE, ids: [job.id] });
    this.#wake();
  }

  // #send hands waiting files to the workers that run low, a batch each,
  // for at most SLICE_MS, then yields to the page and goes on in a task of
  // its own. Files are taken in the order they were given; a few files
  // still spread over every worker. A burst is handed over whole, held.
  #send() {
    if (this.#closed) return;
    clearTimeout(this.#releaseTimer);
    this.#releaseTimer = 0;
    const t0 = performance.now();
    for (;;) {
      if (!this.#files.length) {
        if (this.#holding) this.#releaseTimer = setTimeout(() => this.#release(), RELEASE_MS);
        return;
      }
      // Files taken back from a worker were snapshotted when first sent:
      // handing them on again is cheap, no reason to hold.
      if (!this.#holding && this.#files.length > BATCH_MAX && !this.#files.peek().sent) {
        this.#holding = true;
        this.#handOver.bursts++;
      }
      // A worker takes more once it is down to `low` files, up to `cap`.
      const [low, cap] = this.#holding ? [HOLD_AHEAD - BATCH_MAX, HOLD_AHEAD] : [AHEAD_LOW, AHEAD_HIGH];
      const hungry = this.#slots.filter((s) => s.started && s.big === null && s.jobs.size <= low);
      if (!hungry.length) {
        // Every worker is full (or none is up yet): let them work; their
        // answers bring #send back.
        this.#release();
        return;
      }
      const slot = hungry.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
      // Outside a burst, a few files still spread over every hungry worker.
      const n = Math.min(cap - slot.jobs.size, BATCH_MAX, this.#holding ? Infinity : Math.ceil(this.#files.length / hungry.length));
      // Snapshot the files one at a time (reading size is the round trip;
      // the clone then reuses it), so one slow answer cannot stretch a task
      // by a whole batch's worth.
      const jobs = [];
      const t1 = performance.now();
      while (jobs.length < n && this.#files.length) {
        const job = this.#files.shift();
        try {
          void job.msg.file.size;
        } catch {
          // the worker reports the unreadable file
        }
        jobs.push(job);
        if (performance.now() - t0 > SLICE_MS) break;
      }
      for (const job of jobs) {
        job.slot = slot;
        job.sent = true;
        slot.jobs.set(job.id, job);
      }
      slot.worker.postMessage({
        type: Msg.DESCRIBE,
        chunkSize: this.#chunkSize,
        readAhead: this.#readAhead,
        hold: this.#holding,
        jobs: jobs.map((j) => ({ id: j.id, file: j.msg.file, path: j.msg.path })),
      });
      const t2 = performance.now();
      const st = this.#handOver;
      if (!st.files) mark('first-file-sent');
      st.files += jobs.length;
      st.messages++;
      st.ms += t2 - t1;
      st.longestMs = Math.max(st.longestMs, t2 - t1);
      if (t2 - t0 > SLICE_MS) {
        this.#wake();
        return;
      }
    }
  }

  // #release ends a held hand-over: every worker starts on what it holds.
  #release() {
    clearTimeout(this.#releaseTimer);
    this.#releaseTimer = 0;
    if (!this.#holding) return;
    this.#holding = false;
    mark('released');
    for (const slot of this.#slots) if (slot.started) slot.worker.postMessage({ type: Msg.RELEASE });
    this.#steal();
  }

  // #steal evens the workers out: a worker running low takes the tail half
  // of the busiest one's waiting files (the tail: the busy worker reads from
  // its head). They go back to the head of the line, so #send hands them on
  // first; one the busy worker started meanwhile is answered and ignored.
  #steal() {
    if (this.#holding || this.#files.length) return;
    const up = this.#slots.filter((s) => s.started && s.big === null);
    if (up.length < 2) return;
    const idle = up.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    const busy = up.reduce((a, b) => (b.jobs.size > a.jobs.size ? b : a));
    if (idle.jobs.size > AHEAD_LOW || busy.jobs.size < STEAL_MIN) return;
    const waiting = [...busy.jobs.values()].filter((j) => !j.msg.op);
    const back = waiting.slice(waiting.length - Math.floor((waiting.length - idle.jobs.size) / 2));
    if (!back.length) return;
    for (const job of back) busy.jobs.delete(job.id);
    busy.worker.postMessage({ type: Msg.REVOKE, ids: back.map((j) => j.id) });
    this.#handOver.takenBack += back.length;
    this.#requeue(back);
  }

  // #spawn starts a worker: INIT at once (it loads wasm_exec.js and its
  // reader while the wasm compiles), MODULE once compiled.
  #spawn(index = 0) {
    const worker = new Worker(this.#workerURL, { type: 'module', name: 'oxdrop-engine' });
    const slot = { worker, jobs: new Map(), big: null, started: false, ready: null, described: 0 };
    slot.ready = new Promise((resolve, reject) => {
      slot.onStart = resolve;
      slot.onFail = reject;
    });
    slot.ready.catch(() => {});
    slot.index = index;
    worker.onmessage = (e) => this.#onMessage(slot, e.data);
    worker.onerror = (e) => {
      e.preventDefault?.();
      this.#fail(slot, `engine worker error: ${e.message || 'could not start worker.js'}`);
    };
    worker.postMessage({ type: Msg.INIT, baseURL: this.#baseURL, chunkSize: this.#chunkSize, readAhead: this.#readAhead });
    this.#module.then(
      (module) => worker.postMessage({ type: Msg.MODULE, module }),
      (err) => this.#fail(slot, err.message),
    );
    return slot;
  }

  #onMessage(slot, m) {
    switch (m.type) {
      case Msg.READY:
        if (slot.index) {
          for (const [name, at] of Object.entries(m.marks ?? {})) mark(`worker${slot.index}-${name}`, at);
        }
        slot.started = true;
        slot.onStart();
        this.#sendCalls();
        break;
      case Msg.FATAL:
        this.#fail(slot, m.message, m.reported === true);
        return;
      case Msg.PROGRESS:
        slot.jobs.get(m.id)?.onProgress?.(m.done, m.total);
        return;
      case Msg.BIG: {
        // The worker started a big file: the files queued behind it go to
        // the other workers (it drops them; one it started meanwhile is
        // answered and ignored).
        if (!slot.jobs.has(m.id)) break;
        slot.big = m.id;
        const back = [...slot.jobs.values()].filter((j) => j.id !== m.id && !j.msg.op);
        for (const job of back) slot.jobs.delete(job.id);
        if (back.length) slot.worker.postMessage({ type: Msg.REVOKE, ids: back.map((j) => j.id) });
        this.#requeue(back);
        break;
      }
      case Msg.RESULTS:
        for (const r of m.items) this.#settle(slot, r);
        break;
      default:
        return;
    }
    this.#steal();
    this.#wake();
  }

  #settle(slot, r) {
    if (slot.big === r.id) slot.big = null;
    const job = slot.jobs.get(r.id);
    if (!job) return; // a late answer for a cancelled or taken-back job
    slot.jobs.delete(r.id);
    if (!job.msg.op && !this.#answered) {
      this.#answered = true;
      mark('first-file-answered');
    }
    if (!job.msg.op) slot.described++;
    if (r.message === undefined) job.resolve(r.value);
    else job.reject(new Error(r.message));
  }

  // #requeue puts files taken back from a worker at the head of the line,
  // in their order.
  #requeue(jobs) {
    if (!jobs.length) return;
    for (const job of jobs) job.slot = null;
    this.#files.unshift(jobs);
  }

  // #fail handles a worker that could not start or whose Go instance died.
  // A worker that never started is dropped, and the pool fails only when
  // no worker started at all; a running one is replaced.
  #fail(slot, message, reported = false) {
    if (this.#closed) return;
    if (!slot.started) {
      const err = new Error(message.startsWith('could not') ? message : `could not start the engine: ${message}`);
      slot.onFail(err);
      slot.worker.terminate();
      const i = this.#slots.indexOf(slot);
      if (this.#slots.some((s) => s !== slot && (s.started || !s.failed))) {
        // Others are up or may still start: carry on without this one.
        slot.failed = true;
        if (i >= 0 && this.#slots.length > 1) this.#slots.splice(i, 1);
        return;
      }
      // Nothing can run: fail everything waiting, the pool stays unusable.
      for (const job of [...this.#calls.splice(0), ...this.#files.drain()]) job.reject(err);
      this.#closed = true;
      return;
    }
    // reported: the worker already failed the file it was on, the others
    // are innocent. Otherwise (Go exited, or the worker died without a
    // word) the big file, or else the oldest file it holds, is the one that
    // was running (the worker sends its finished answers first): it fails,
    // so a file that kills workers cannot go round for ever.
    const culprit = reported ? null : slot.big !== null ? slot.jobs.get(slot.big) : [...slot.jobs.values()].find((j) => !j.msg.op);
    this.#replace(slot, culprit, new Error(message.startsWith('could not') ? message : `could not read ${culprit?.path ?? ''}: ${message}`));
  }

  // #replace terminates a slot's worker (stopping its job at once, even in
  // the middle of a synchronous Go loop) and starts a fresh one in its place:
  // failing (if any) rejects with err, the other files it held go back to
  // the head of the line, and its interactive requests are asked again.
  #replace(slot, failing, err) {
    slot.worker.terminate();
    if (failing) {
      slot.jobs.delete(failing.id);
      failing.reject(err);
    }
    const held = [...slot.jobs.values()];
    slot.jobs.clear();
    slot.big = null;
    this.#requeue(held.filter((j) => !j.msg.op));
    this.#calls.unshift(...held.filter((j) => j.msg.op));
    const i = this.#slots.indexOf(slot);
    const fresh = this.#spawn();
    this.#slots[i] = fresh;
    this.#sendCalls();
    this.#wake();
  }
}
