// EnginePool: a pool of Web Workers, each running one Go WebAssembly
// instance of oxdrop's core (worker.js), so hashing, classification and
// previews never run on the page's main thread. API and scheduling rules:
// README.md in this folder.

const DEFAULT_CHUNK = 4 << 20;

// Scheduling (README.md in this folder, "Scheduling"), in short: files go to
// the workers in batches, each worker kept BATCH_LOW to BATCH_HIGH files
// ahead so it never waits for the page between files, and answers in
// batches; the page pays a message per batch, not per file.
const BATCH_HIGH = 32;
const BATCH_LOW = 16;
// Handing a picked File to a worker costs the page a synchronous round trip
// to the browser process (Chromium snapshots the file's size and date while
// cloning it): about 0.3-0.5 ms, more while the workers read. So a task
// sends at most SEND_MAX files, and the next ones go in a later task, which
// keeps the page responsive while thousands of files are handed out.
// (Reading small files here with file.stream() and transferring the bytes
// was tried: the stream machinery cost the page about twice as much.)
const SEND_MAX = 8;

function abortError(signal) {
  return signal && signal.reason !== undefined
    ? signal.reason
    : new DOMException('The operation was aborted.', 'AbortError');
}

// compileEngine fetches and compiles oxdrop.wasm once for the whole pool;
// every worker instantiates the same compiled Module (structured-cloned).
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

export class EnginePool {
  #baseURL;
  #workerURL;
  #chunkSize;
  #readAhead;
  #module;
  #slots = [];
  #queue = []; // interactive requests first, then files, in order
  #nextId = 1;
  #closed = false;
  #started;
  #stats = new Map(); // id -> resolve, for memoryStats()
  #later = 0; // a timer for the next #dispatch, when files are left to send

  /**
   * @param {object} [opts]
   * @param {number} [opts.size]       workers (Go instances); defaults to the core count
   * @param {URL|string} [opts.baseURL] folder holding oxdrop.wasm and wasm_exec.js (the app root)
   * @param {number} [opts.chunkSize]   bytes read per step, 256 KiB to 4 MiB (Go clamps it)
   * @param {boolean} [opts.readAhead] read the next chunks on a nested reader worker while Go
   *                                   hashes (default); false reads and hashes on one thread
   */
  constructor({ size = globalThis.navigator?.hardwareConcurrency || 2, baseURL = new URL('../../', import.meta.url), chunkSize = DEFAULT_CHUNK, readAhead = true } = {}) {
    this.#baseURL = new URL(baseURL, globalThis.location?.href).href;
    this.#workerURL = new URL('./worker.js', import.meta.url);
    this.#chunkSize = chunkSize;
    this.#readAhead = readAhead;
    this.#module = compileEngine(new URL('oxdrop.wasm', this.#baseURL).href);
    this.#module.catch(() => {}); // surfaced through ready() and each job
    const n = Math.max(1, Math.floor(size) || 1);
    for (let i = 0; i < n; i++) this.#slots.push(this.#spawn());
    this.#started = Promise.all(this.#slots.map((s) => s.ready)).then(() => {});
    this.#started.catch(() => {});
  }

  /** Number of workers. */
  get size() { return this.#slots.length; }

  /** Resolves when every worker has started its Go instance; rejects if the engine cannot load. */
  ready() { return this.#started; }

  /**
   * Hashes and describes a file: resolves to the Go model.FileInfo JSON
   * {hash, size, data_type, mime_type, extension, metadata}.
   */
  describe(file, path, { onProgress, signal } = {}) {
    return this.#enqueue({ type: 'describe', file, path }, { onProgress, signal, path });
  }

  /** The head of a tabular file {columns, dtypes, rows}, or null when the file is not tabular. */
  preview(file, path, maxRows = 20, { signal } = {}) {
    return this.#enqueue({ type: 'preview', file, path, maxRows }, { signal, path, urgent: true });
  }

  /** "" when name is a valid repository or namespace name, else the core's message. */
  validateName(name) {
    return this.#enqueue({ type: 'validateName', name: String(name) }, { urgent: true });
  }

  /** "" when name and email are a valid commit author (the server's rule: at most 255 bytes each, no control characters), else the core's message. */
  validateAuthor(name, email) {
    return this.#enqueue({ type: 'validateAuthor', name: String(name), email: String(email) }, { urgent: true });
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
    return this.#enqueue({ type: 'checkPaths', added: Array.from(added, String), listed: Array.from(listed, String) }, { urgent: true });
  }

  /**
   * The size of each worker's Go linear memory (it only grows, so this is
   * the peak): [{ wasmBytes }], one entry per started worker. For tests and
   * diagnostics.
   */
  memoryStats() {
    return Promise.all(this.#slots.filter((s) => s.started).map((slot) => new Promise((resolve) => {
      const id = this.#nextId++;
      this.#stats.set(id, resolve);
      slot.worker.postMessage({ type: 'stats', id });
    })));
  }

  /** Rejects every waiting job and stops every running one. */
  cancelAll() {
    for (const job of this.#queue.splice(0)) job.reject(abortError());
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
      slot.worker.postMessage({ type: 'cancel', ids });
    }
  }

  /** Stops every worker; pending jobs reject and the pool cannot be used again. */
  terminate() {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#later);
    const err = new Error('the engine pool was terminated');
    for (const job of this.#queue.splice(0)) job.reject(err);
    for (const slot of this.#slots) {
      slot.worker.terminate();
      for (const job of slot.jobs.values()) job.reject(err);
      slot.jobs.clear();
    }
  }

  #enqueue(msg, { onProgress, signal, path, urgent = false } = {}) {
    if (this.#closed) return Promise.reject(new Error('the engine pool was terminated'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const job = { id: this.#nextId++, msg, onProgress, path, slot: null, urgent };
      const cleanup = () => signal?.removeEventListener('abort', onAbort);
      job.resolve = (v) => { cleanup(); resolve(v); };
      job.reject = (e) => { cleanup(); reject(e); };
      const onAbort = () => this.#abort(job, abortError(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      // Interactive requests (name checks, previews) go ahead of the files
      // waiting to be hashed; files are taken in the order they were given.
      if (urgent) {
        const firstFile = this.#queue.findIndex((j) => !j.urgent);
        this.#queue.splice(firstFile < 0 ? this.#queue.length : firstFile, 0, job);
        this.#dispatch();
      } else {
        // Files are sent from a later task, a few at a time: a caller adding
        // thousands in one go must not clone them all in its own task.
        this.#queue.push(job);
        this.#dispatchLater();
      }
    });
  }

  #abort(job, err) {
    const i = this.#queue.indexOf(job);
    if (i >= 0) {
      this.#queue.splice(i, 1);
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
    // milliseconds and its result is ignored.
    slot.jobs.delete(job.id);
    job.reject(err);
    slot.worker.postMessage({ type: 'cancel', ids: [job.id] });
    this.#dispatch();
  }

  // #dispatch sends waiting work to the workers: interactive requests at
  // once to the least busy worker that is not in a big file (the worker
  // answers them between chunks), files in batches to workers running low,
  // split evenly so a few files still spread over every worker.
  #dispatch() {
    if (this.#closed) return;
    const started = this.#slots.filter((s) => s.started);
    if (!started.length) return;
    // A worker in a big file answers between its chunks, so interactive
    // requests never wait for a file to end; a free worker is still better.
    const busyness = (s) => (s.big === null ? 0 : 1e6) + s.jobs.size;
    while (this.#queue.length && this.#queue[0].urgent) {
      const job = this.#queue.shift();
      const slot = started.reduce((a, b) => (busyness(b) < busyness(a) ? b : a));
      job.slot = slot;
      slot.jobs.set(job.id, job);
      slot.worker.postMessage({ ...job.msg, id: job.id });
    }
    const free = started.filter((s) => s.big === null);
    const hungry = free.filter((s) => s.jobs.size <= BATCH_LOW);
    const files = this.#queue.length;
    if (!files || !hungry.length) return;
    // The hungriest worker gets the next few files now; the others (and
    // the rest) in a later task.
    const slot = hungry.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    const n = Math.min(BATCH_HIGH - slot.jobs.size, Math.ceil(files / hungry.length), SEND_MAX);
    const jobs = this.#queue.splice(0, n);
    for (const job of jobs) {
      job.slot = slot;
      slot.jobs.set(job.id, job);
    }
    slot.worker.postMessage({
      type: 'describe',
      chunkSize: this.#chunkSize,
      readAhead: this.#readAhead,
      jobs: jobs.map((j) => ({ id: j.id, file: j.msg.file, path: j.msg.path })),
    });
    if (this.#queue.length) this.#dispatchLater();
  }

  #dispatchLater() {
    if (this.#later) return;
    this.#later = setTimeout(() => {
      this.#later = 0;
      this.#dispatch();
    }, 0);
  }

  // #requeue puts files a worker gave back (or held when it was replaced)
  // at the head of the files waiting, after the interactive requests, in
  // their order.
  #requeue(jobs) {
    if (!jobs.length) return;
    for (const job of jobs) job.slot = null;
    const at = this.#queue.findIndex((j) => !j.urgent);
    this.#queue.splice(at < 0 ? this.#queue.length : at, 0, ...jobs);
  }

  // #spawn starts a worker and sends it the compiled module.
  #spawn() {
    const worker = new Worker(this.#workerURL, { name: 'oxdrop-engine' });
    const slot = { worker, jobs: new Map(), big: null, started: false, ready: null };
    slot.ready = new Promise((resolve, reject) => {
      slot.onStart = resolve;
      slot.onFail = reject;
    });
    slot.ready.catch(() => {});
    worker.onmessage = (e) => this.#onMessage(slot, e.data);
    worker.onerror = (e) => {
      e.preventDefault?.();
      this.#fail(slot, `engine worker error: ${e.message || 'could not start worker.js'}`);
    };
    this.#module.then(
      (module) => worker.postMessage({ type: 'init', baseURL: this.#baseURL, module }),
      (err) => this.#fail(slot, err.message),
    );
    return slot;
  }

  #onMessage(slot, m) {
    switch (m.type) {
      case 'ready':
        slot.started = true;
        slot.onStart();
        break;
      case 'fatal':
        this.#fail(slot, m.message, m.reported === true);
        return;
      case 'stats':
        this.#stats.get(m.id)?.({ wasmBytes: m.wasmBytes });
        this.#stats.delete(m.id);
        return;
      case 'progress':
        slot.jobs.get(m.id)?.onProgress?.(m.done, m.total);
        return;
      case 'big': {
        // The worker started a big file and gave back the files queued
        // behind it, for the other workers.
        if (slot.jobs.has(m.id)) slot.big = m.id;
        const back = [];
        for (const id of m.requeue) {
          const job = slot.jobs.get(id);
          if (!job) continue; // cancelled meanwhile
          slot.jobs.delete(id);
          back.push(job);
        }
        this.#requeue(back);
        break;
      }
      case 'results':
        for (const r of m.items) this.#settle(slot, r.id, r);
        break;
      case 'result':
        this.#settle(slot, m.id, { value: m.value });
        break;
      case 'error':
        this.#settle(slot, m.id, { message: m.message });
        break;
      default:
        return;
    }
    this.#dispatch();
  }

  #settle(slot, id, r) {
    if (slot.big === id) slot.big = null;
    const job = slot.jobs.get(id);
    if (!job) return; // a late answer for a cancelled job
    slot.jobs.delete(id);
    if (r.message === undefined) job.resolve(r.value);
    else job.reject(new Error(r.message));
  }

  // #fail handles a worker that could not start or whose Go instance died.
  // A worker that never started fails the pool (nothing could work); a
  // running one is replaced.
  #fail(slot, message, reported = false) {
    if (this.#closed) return;
    if (!slot.started) {
      const err = new Error(message.startsWith('could not') ? message : `could not start the engine: ${message}`);
      slot.onFail(err);
      slot.worker.terminate();
      // Nothing can run: fail everything waiting, the pool stays unusable.
      for (const job of this.#queue.splice(0)) job.reject(err);
      this.#closed = true;
      return;
    }
    // reported: the worker already failed the file it was on, the others
    // are innocent. Otherwise (Go exited, or the worker died without a
    // word) the big file, or else the oldest file it holds, is the one that
    // was running (the worker sends its finished results first): it fails,
    // so a file that kills workers cannot go round for ever.
    const culprit = reported ? null : slot.big !== null ? slot.jobs.get(slot.big) : slot.jobs.values().next().value;
    this.#replace(slot, culprit, new Error(message.startsWith('could not') ? message : `could not read ${culprit?.path ?? ''}: ${message}`));
  }

  // #replace terminates a slot's worker (stopping its job at once, even in
  // the middle of a synchronous Go loop) and starts a fresh one in its place:
  // failing (if any) rejects with err, the other files it held go back to
  // the head of the line.
  #replace(slot, failing, err) {
    slot.worker.terminate();
    if (failing) {
      slot.jobs.delete(failing.id);
      failing.reject(err);
    }
    this.#requeue([...slot.jobs.values()]);
    slot.jobs.clear();
    slot.big = null;
    const i = this.#slots.indexOf(slot);
    const fresh = this.#spawn();
    this.#slots[i] = fresh;
    fresh.ready.then(() => this.#dispatch(), () => {});
    this.#dispatch();
  }
}
