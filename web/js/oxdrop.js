// oxdrop's public browser module: the engine that hashes, classifies and
// previews files exactly as Oxen does (Go compiled to WebAssembly, in Web
// Workers), and createRepository, which sends files to an oxdrop server
// (resumable when the server offers it, else one multipart request).
// The app is built on this module and nothing under it; other pages
// import it the same way (docs/embedding.md, types in oxdrop.d.ts).
//
// Every URL it loads (the workers, wasm_exec.js, oxdrop.wasm) resolves
// relative to this file, so it works from any folder of any host,
// including another origin than the page's (served with CORS). It sets
// no globals on the page.

import { EnginePool } from './engine/pool.js';
import { pathProblem } from './engine/paths.js';
import { apiURL, buildPayload, fetchLimits, limitProblem, send, serverMessage, UploadError } from './upload.js';
import { knownUploads, ResumableUpload } from './upload/resumable.js';
import { RequestError } from './upload/tus.js';

export { pathProblem as validatePath };

/** What a file is, in Oxen's JSON shapes, plus its path. */
function described(path, info) {
  return {
    path,
    hash: info.hash,
    size: info.size,
    data_type: info.data_type,
    mime_type: info.mime_type,
    extension: info.extension,
    metadata: info.metadata ?? null,
  };
}

/** The path a File carries: its relative path in a picked or dropped folder, else its name. */
export function filePath(file) {
  return file.webkitRelativePath || file.relativePath || file.name;
}

/** {file, path} for a File, or for {file, path} given as is. */
function asItem(x) {
  if (x instanceof Blob) return { file: x, path: filePath(x) };
  if (x && x.file instanceof Blob) return { ...x, path: x.path ?? filePath(x.file) };
  throw new TypeError('expected a File, or an object {file, path}');
}

const TEXT_HEAD = 4096;
const BYTES_HEAD = 512;

function abortError(signal) {
  return signal?.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

export class Engine {
  #pool;

  /** @param {EnginePool} pool  started by createEngine */
  constructor(pool) {
    this.#pool = pool;
  }

  /** Number of workers (Go instances). */
  get workers() {
    return this.#pool.size;
  }

  /**
   * Describes one file: {path, hash, size, data_type, mime_type, extension, metadata}.
   * onProgress(done, total) reports bytes for files over one read chunk.
   */
  async describeFile(file, { path = filePath(file), onProgress, signal } = {}) {
    return described(path, await this.#pool.describe(file, path, { onProgress, signal }));
  }

  /**
   * Describes files (a FileList, or an iterable of File or {file, path}),
   * yielding one result per file in the order given. All of them are handed
   * to the workers at once (the pool paces the hand-over), so files are
   * hashed in parallel while the caller consumes results. A file that
   * cannot be read yields {path, error} instead of throwing, so one bad
   * file does not end the rest; stopping the loop early (break) or the
   * signal cancels what is left.
   */
  async *describe(files, { signal, onProgress } = {}) {
    const items = Array.from(files, asItem);
    const stop = new AbortController();
    const onAbort = () => stop.abort(abortError(signal));
    if (signal?.aborted) throw abortError(signal);
    signal?.addEventListener('abort', onAbort, { once: true });
    const results = items.map(({ file, path }) => this.#pool
      .describe(file, path, { signal: stop.signal, onProgress: onProgress && ((done, total) => onProgress({ path, done, total })) })
      .then((info) => described(path, info), (err) => ({ path, error: err?.message || String(err), aborted: stop.signal.aborted })));
    try {
      for (const r of results) {
        const got = await r;
        if (got.aborted) throw abortError(signal);
        delete got.aborted;
        yield got;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stop.abort(); // anything not yet consumed: the loop ended early
    }
  }

  /**
   * What a preview shows of a file, read on this device:
   * {kind: 'table', columns, dtypes, rows} for tabular data (the first
   * maxRows rows), {kind: 'media', data_type, mime_type} for images, video
   * and audio (show them with URL.createObjectURL(file)), {kind: 'text',
   * text, truncated} for text, else {kind: 'bytes', bytes, truncated}.
   * Pass info (describe's result) to skip describing the file first.
   */
  async preview(file, { path = filePath(file), maxRows = 20, info, signal } = {}) {
    const what = info ?? (await this.describeFile(file, { path, signal }));
    const type = what.data_type;
    if (type === 'image' || type === 'video' || type === 'audio') return { kind: 'media', data_type: type, mime_type: what.mime_type };
    if (type === 'tabular') {
      const table = await this.#pool.preview(file, path, maxRows, { signal });
      if (table) return { kind: 'table', ...table };
    }
    if (type === 'text' || type === 'tabular') {
      const head = new Uint8Array(await file.slice(0, TEXT_HEAD).arrayBuffer());
      // Cut at the last whole character, so a multi-byte one is not shown broken.
      let end = head.length;
      if (file.size > TEXT_HEAD) while (end > 0 && (head[end - 1] & 0xc0) === 0x80) end--;
      if (end < head.length && end > 0 && head[end - 1] >= 0xc0) end--;
      return { kind: 'text', text: new TextDecoder().decode(head.subarray(0, end)), truncated: file.size > end };
    }
    const bytes = new Uint8Array(await file.slice(0, BYTES_HEAD).arrayBuffer());
    return { kind: 'bytes', bytes, truncated: file.size > bytes.length };
  }

  /** The head of a tabular file {columns, dtypes, rows}, or null when it is not tabular. */
  previewTable(file, { path = filePath(file), maxRows = 20, signal } = {}) {
    return this.#pool.preview(file, path, maxRows, { signal });
  }

  /** null when path is a valid file path in a repository, else the server's message. */
  validatePath(path) {
    return pathProblem(path);
  }

  /**
   * The server's rules between paths too (core/repo's PathSet, in Go): each
   * added path on its own, then against the listed ones and those added
   * before it. Resolves to one message per added path, '' when valid.
   */
  checkPaths(added, listed = []) {
    return this.#pool.checkPaths(added, listed);
  }

  /** '' when name is a valid namespace or repository name, else the core's message. */
  validateName(name) {
    return this.#pool.validateName(name);
  }

  /** '' when name and email are a valid commit author, else the core's message. */
  validateAuthor(name, email) {
    return this.#pool.validateAuthor(name, email);
  }

  /** Each worker's WebAssembly memory and what handing files over cost the page (diagnostics). */
  async stats() {
    return { memory: await this.#pool.memoryStats(), handOver: this.#pool.handOverStats() };
  }

  /** Stops every running description (their promises reject with an AbortError). */
  cancelAll() {
    this.#pool.cancelAll();
  }

  /** Stops the workers; the engine cannot be used afterwards. */
  close() {
    this.#pool.terminate();
  }
}

/**
 * Starts the engine: {workers} Go instances (default: the number of
 * cores), resolving once the first one takes work (the others join as
 * they start). Rejects when oxdrop.wasm cannot be loaded.
 */
export async function createEngine({ workers, chunkSize } = {}) {
  return engineOf(new EnginePool({ size: workers ?? (globalThis.navigator?.hardwareConcurrency || 2), ...(chunkSize ? { chunkSize } : {}) }));
}

/**
 * The Engine of a pool already started: once its first worker takes work;
 * if it cannot start, the pool is stopped and the reason thrown. Not in
 * the declared API: the app's, whose pool starts before this module loads
 * (files/boot.js).
 */
export async function engineOf(pool) {
  try {
    await pool.ready();
  } catch (err) {
    pool.terminate();
    throw err;
  }
  return new Engine(pool);
}

/**
 * Why createRepository failed: kind is 'http' (the server refused; status,
 * body and text are its answer), 'network', 'cancelled', 'invalid' (an
 * argument) or 'too_large' (the server's limits, checked before sending).
 * where says which step failed in a resumable upload ('plan', 'blob',
 * 'commit'), path which file (for 'blob').
 */
export class CreateRepositoryError extends Error {
  constructor(message, { kind, status = 0, body = null, text = '', where = '', path = '', cause } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = 'CreateRepositoryError';
    Object.assign(this, { kind, status, body, text, where, path });
  }
}

function fromRequestError(err) {
  if (err instanceof CreateRepositoryError) return err;
  if (err instanceof UploadError) return new CreateRepositoryError(err.message, { kind: err.kind, cause: err });
  if (err instanceof RequestError) {
    const said = serverMessage(err.body, err.text);
    const message = err.kind === 'network' ? 'The server could not be reached.' : said || `HTTP ${err.status}`;
    return new CreateRepositoryError(message, { kind: err.kind === 'network' ? 'network' : 'http', status: err.status, body: err.body, text: err.text, where: err.where || '', path: err.path || '', cause: err });
  }
  return new CreateRepositoryError(err?.message || String(err), { kind: 'network', cause: err });
}

// Uploads remembered only for this page's life: a page embedding the module
// decides itself whether to keep anything in its origin's storage.
function memoryKnown() {
  const all = new Map();
  return { has: (id) => all.has(id), add: (id, exp) => all.set(id, exp), delete: (id) => all.delete(id) };
}

const fail = (message) => { throw new CreateRepositoryError(message, { kind: 'invalid' }); };

/**
 * Creates namespace/name on the oxdrop server at serverUrl from files (a
 * FileList, or an iterable of File or {file, path, hash?, size?}), with one
 * commit. Files without a hash are described first (with opts.engine, or an
 * engine started for the call and closed after). The server's limits are
 * checked before any byte is sent; the files then go by the resumable
 * protocol (docs/uploads.md) when the server offers it, else as one
 * multipart request. Resolves to the server's answer (the created
 * repository, its commit and metadata entries); rejects with a
 * CreateRepositoryError.
 *
 * opts.onProgress({phase, loaded, total}) follows it: phase 'hashing'
 * (files), then 'uploading' (bytes). opts.signal cancels it (a resumable
 * upload is deleted on the server, freeing the name). Also: mode ('auto',
 * 'resumable' or 'single'), hooks (the resumable upload's onPhase, onPlan,
 * onBlob, onWait), onUpload(control) with pause() and resume(), and
 * rememberUploads (keep planned uploads in localStorage so a reload can
 * resume them; off by default), limits (GET /api/limits's answer when the
 * caller has it, null for none: not fetched again).
 */
export async function createRepository(serverUrl, files, opts = {}) {
  const { namespace, name, description = '', author = {}, token = '', onProgress, signal, engine, mode = 'auto', hooks = {}, onUpload, rememberUploads = false } = opts;
  const known = 'limits' in opts; // the caller fetched them (null: the server gives none)
  if (typeof namespace !== 'string' || !namespace) fail('namespace is required');
  if (typeof name !== 'string' || !name) fail('name is required');
  if (!['auto', 'resumable', 'single'].includes(mode)) fail(`mode must be auto, resumable or single, not ${mode}`);
  if (signal?.aborted) throw new CreateRepositoryError('Cancelled before anything was sent.', { kind: 'cancelled' });
  const base = new URL(String(serverUrl || '/'), globalThis.location?.href).href.replace(/\/+$/, '');
  const url = (p) => apiURL(base, p);
  const items = Array.from(files, asItem);
  if (!items.length) fail('there are no files to send');
  const paths = new Set();
  for (const it of items) {
    const bad = pathProblem(it.path);
    if (bad) fail(bad);
    if (paths.has(it.path)) fail(`Duplicate file path "${it.path}": two files would have the same path in the repository`);
    paths.add(it.path);
  }

  // Hashes first: the manifest and the plan both name every file by its hash.
  const unhashed = items.filter((it) => !it.hash || !Number.isFinite(it.size));
  if (unhashed.length) {
    hooks.onPhase?.('hashing');
    const own = engine ? null : await createEngine();
    try {
      let done = 0;
      onProgress?.({ phase: 'hashing', loaded: 0, total: unhashed.length });
      const byPath = new Map(unhashed.map((it) => [it.path, it]));
      for await (const d of (engine ?? own).describe(unhashed, { signal })) {
        if (d.error) throw new CreateRepositoryError(`“${d.path}” could not be read: ${d.error}`, { kind: 'invalid', path: d.path });
        Object.assign(byPath.get(d.path), { hash: d.hash, size: d.size });
        onProgress?.({ phase: 'hashing', loaded: ++done, total: unhashed.length });
      }
    } catch (err) {
      if (signal?.aborted) throw new CreateRepositoryError('Cancelled while hashing. Nothing was sent.', { kind: 'cancelled' });
      throw err;
    } finally {
      own?.close();
    }
  }

  hooks.onPhase?.('limits');
  const limits = known ? opts.limits : await fetchLimits(base);
  if (signal?.aborted) throw new CreateRepositoryError('Cancelled. Nothing was sent.', { kind: 'cancelled' });
  const form = { namespace, name, description, authorName: author.name ?? '', authorEmail: author.email ?? '' };
  const planned = items.map((it) => ({ file: it.file, path: it.path, hash: it.hash, size: it.size }));
  const tooBig = limitProblem(limits, planned, { inPieces: mode !== 'single' });
  if (tooBig) throw new CreateRepositoryError(tooBig, { kind: 'too_large', status: 413 });

  let answer = null;
  if (mode !== 'single') answer = await resumable(url, token, form, planned, { onProgress, signal, hooks, onUpload, known: rememberUploads ? knownUploads : memoryKnown(), mode });
  if (!answer) answer = await single(url, token, form, planned, { onProgress, signal, hooks });
  if (answer.status >= 200 && answer.status < 300 && answer.body?.repository) return answer.body;
  throw new CreateRepositoryError(serverMessage(answer.body, answer.text) || `HTTP ${answer.status}`, { kind: 'http', status: answer.status, body: answer.body, text: answer.text, where: 'commit' });
}

// The resumable protocol; null when the server does not offer it (mode auto).
async function resumable(url, token, form, files, { onProgress, signal, hooks, onUpload, known, mode }) {
  const upload = new ResumableUpload({
    url,
    token,
    form,
    files,
    known,
    hooks: {
      ...hooks,
      onProgress: (loaded, total, skipped) => {
        hooks.onProgress?.(loaded, total, skipped);
        onProgress?.({ phase: 'uploading', loaded, total, skipped });
      },
    },
  });
  onUpload?.({
    pause: () => upload.pause(),
    resume: () => upload.resume(),
    get paused() { return upload.paused; },
  });
  const onAbort = () => upload.cancel();
  const online = () => upload.online();
  const offline = () => upload.offline();
  signal?.addEventListener('abort', onAbort, { once: true });
  globalThis.addEventListener?.('online', online);
  globalThis.addEventListener?.('offline', offline);
  try {
    return await upload.run();
  } catch (err) {
    if (mode === 'auto' && err instanceof RequestError && err.where === 'plan' && (err.status === 404 || err.status === 405)) return null;
    throw fromRequestError(err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    globalThis.removeEventListener?.('online', online);
    globalThis.removeEventListener?.('offline', offline);
  }
}

// One multipart request (the contract's POST /api/repos).
async function single(url, token, form, files, { onProgress, signal, hooks }) {
  hooks.onPhase?.('single');
  const total = files.reduce((n, f) => n + f.size, 0);
  const req = send(url('/api/repos'), buildPayload(form, files), {
    token,
    onProgress(loaded, sent) {
      if (loaded === Infinity) hooks.onPhase?.('committing');
      else onProgress?.({ phase: 'uploading', loaded, total: sent > 0 ? sent : total });
    },
  });
  const onAbort = () => req.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await req.promise;
  } catch (err) {
    throw fromRequestError(err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
