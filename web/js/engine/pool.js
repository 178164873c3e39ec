// EnginePool: a pool of Web Workers, each running one Go WebAssembly
// instance of oxdrop's core (worker.js), so hashing, classification and
// previews never run on the page's main thread. API and scheduling rules:
// README.md in this folder.

const DEFAULT_CHUNK = 4 << 20;

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
  #queue = [];
  #nextId = 1;
  #closed = false;
  #ready;
  #stats = new Map(); // id -> resolve, for memoryStats()

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
    this.#ready = Promise.all(this.#slots.map((s) => s.ready)).then(() => {});
    this.#ready.catch(() => {});
  }

  /** Number of workers. */
  get size() { return this.#slots.length; }

  /** Resolves when every worker has started its Go instance; rejects if the engine cannot load. */
  ready() { return this.#ready; }

  /**
   * Hashes and describes a file: resolves to the Go model.FileInfo JSON
   * {hash, size, data_type, mime_type, extension, metadata}.
   */
  describe(file, path, { onProgress, signal } = {}) {
    return this.#enqueue({ type: 'describe', file, path, chunkSize: this.#chunkSize, readAhead: this.#readAhead }, { onProgress, signal, path });
  }

  /** The head of a tabular file {columns, dtypes, rows}, or null when the file is not tabular. */
  preview(file, path, maxRows = 20, { signal } = {}) {
    return this.#enqueue({ type: 'preview', file, path, maxRows }, { signal, path, urgent: true });
  }

  /** "" when name is a valid repository or namespace name, else the core's message. */
  validateName(name) {
    return this.#enqueue({ type: 'validateName', name: String(name) }, { urgent: true });
  }

  /**
   * The size of each worker's Go linear memory (it only grows, so this is
   * the peak): [{ wasmBytes }], one entry per started worker. For tests and
   * diagnostics; a busy worker answers when its current job ends.
   */
  memoryStats() {
    return Promise.all(this.#slots.filter((s) => s.started).map((slot) => new Promise((resolve) => {
      const id = this.#nextId++;
      this.#stats.set(id, resolve);
      slot.worker.postMessage({ type: 'stats', id });
    })));
  }

  /** Rejects every queued job and stops every running one (its worker is replaced). */
  cancelAll() {
    const queued = this.#queue.splice(0);
    for (const job of queued) job.reject(abortError());
    for (const slot of this.#slots) {
      if (slot.job) this.#replace(slot, abortError());
    }
  }

  /** Stops every worker; pending jobs reject and the pool cannot be used again. */
  terminate() {
    if (this.#closed) return;
    this.#closed = true;
    const err = new Error('the engine pool was terminated');
    for (const job of this.#queue.splice(0)) job.reject(err);
    for (const slot of this.#slots) {
      slot.worker.terminate();
      if (slot.job) slot.job.reject(err);
      slot.job = null;
    }
  }

  #enqueue(msg, { onProgress, signal, path, urgent = false } = {}) {
    if (this.#closed) return Promise.reject(new Error('the engine pool was terminated'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const job = { id: this.#nextId++, msg, onProgress, path, slot: null };
      const cleanup = () => signal?.removeEventListener('abort', onAbort);
      job.resolve = (v) => { cleanup(); resolve(v); };
      job.reject = (e) => { cleanup(); reject(e); };
      const onAbort = () => this.#abort(job, abortError(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      // Interactive requests (name checks, previews) go ahead of the files
      // waiting to be hashed; files are taken in the order they were given.
      if (urgent) {
        const firstFile = this.#queue.findIndex((j) => !j.urgent);
        job.urgent = true;
        this.#queue.splice(firstFile < 0 ? this.#queue.length : firstFile, 0, job);
      } else {
        this.#queue.push(job);
      }
      this.#dispatch();
    });
  }

  #abort(job, err) {
    const i = this.#queue.indexOf(job);
    if (i >= 0) {
      this.#queue.splice(i, 1);
      job.reject(err);
    } else if (job.slot && job.slot.job === job) {
      this.#replace(job.slot, err);
    }
  }

  #dispatch() {
    for (const slot of this.#slots) {
      if (!this.#queue.length) return;
      if (slot.job || !slot.started) continue;
      const job = this.#queue.shift();
      slot.job = job;
      job.slot = slot;
      slot.worker.postMessage({ ...job.msg, id: job.id });
    }
  }

  // #spawn starts a worker and sends it the compiled module.
  #spawn() {
    const worker = new Worker(this.#workerURL, { name: 'oxdrop-engine' });
    const slot = { worker, job: null, started: false, ready: null };
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
        this.#dispatch();
        return;
      case 'fatal':
        this.#fail(slot, m.message);
        return;
      case 'stats':
        this.#stats.get(m.id)?.({ wasmBytes: m.wasmBytes });
        this.#stats.delete(m.id);
        return;
    }
    const job = slot.job;
    if (!job || job.id !== m.id) return; // a late message from a cancelled job
    if (m.type === 'progress') {
      job.onProgress?.(m.done, m.total);
      return;
    }
    slot.job = null;
    if (m.type === 'result') job.resolve(m.value);
    else job.reject(new Error(m.message));
    this.#dispatch();
  }

  // #fail handles a worker that could not start or whose Go instance died.
  // A worker that never started fails the pool (nothing could work); a
  // running one fails its job and is replaced.
  #fail(slot, message) {
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
    this.#replace(slot, new Error(message.startsWith('could not') ? message : `could not read ${slot.job?.path ?? ''}: ${message}`));
  }

  // #replace terminates a slot's worker (stopping its job at once, even in
  // the middle of a synchronous Go loop) and starts a fresh one in its place.
  #replace(slot, err) {
    slot.worker.terminate();
    const job = slot.job;
    slot.job = null;
    job?.reject(err);
    const i = this.#slots.indexOf(slot);
    const fresh = this.#spawn();
    this.#slots[i] = fresh;
    fresh.ready.then(() => this.#dispatch(), () => {});
  }
}
