// A resumable upload (docs/uploads.md): the plan (POST /api/uploads, which
// checks the name before any file byte is sent and lists the blobs the
// server lacks), those blobs with tus (a few at a time, each resumed where
// it stopped), then the commit (POST /api/repos with upload_id). It pauses,
// resumes and cancels (DELETE /api/uploads/{id}, which frees the name), and
// tries again by itself when the network drops or the server fails for a
// moment. No DOM here: the page follows it through hooks.

import { UploadError } from '../upload.js';
import { backoffDelay, commitBody, planBody, retryableStatus, splitByPlan } from './plan.js';
import { call, pieceSize, RequestError, tusCreate, tusHead, tusPatch } from './tus.js';

/** Blobs sent at the same time. */
export const PARALLEL = 3;

/** Server failures (5xx, 408, 429) in a row before giving up; a lost network is waited for without end. */
export const MAX_SERVER_FAILURES = 8;

const KNOWN_KEY = 'oxdrop.uploads';

/**
 * The uploads this browser planned ({id: expires_at}), kept across reloads
 * so that a plan answered with one of them (a resumed upload) asks the
 * server with HEAD how much of each blob it has before sending any.
 */
export const knownUploads = {
  read() {
    try {
      const all = JSON.parse(localStorage.getItem(KNOWN_KEY) || '{}');
      const now = Date.now();
      return Object.fromEntries(Object.entries(all).filter(([, exp]) => Date.parse(exp) > now));
    } catch {
      return {};
    }
  },
  write(all) {
    try {
      localStorage.setItem(KNOWN_KEY, JSON.stringify(all));
    } catch {
      // Storage off (private mode): a resumed upload then starts its blobs again.
    }
  },
  has(id) {
    return id in this.read();
  },
  add(id, expires) {
    this.write({ ...this.read(), [id]: expires });
  },
  delete(id) {
    const all = this.read();
    delete all[id];
    this.write(all);
  },
};

const transport = { call, tusCreate, tusHead, tusPatch };

/**
 * @typedef {{path: string, hash: string, size: number, file: Blob}} PlannedFile
 * @typedef {{
 *   onPhase?: (phase: 'planning'|'sending'|'committing') => void,
 *   onPlan?: (plan: {id: string, resumed: boolean, sending: Set<string>, bytes: number, present: {files: number, bytes: number}}) => void,
 *   onProgress?: (loaded: number, total: number, skipped: number) => void,
 *   onBlob?: (hash: string, state: 'waiting'|'sending'|'sent', loaded: number, size: number) => void,
 *   onWait?: (wait: {until: number, error: RequestError} | null) => void,
 *   onPiece?: (hash: string, offset: number, bytes: number) => void,
 * }} Hooks
 */

export class ResumableUpload {
  /**
   * @param {{url: (path: string) => string, token?: string, form: any, files: PlannedFile[],
   *          hooks?: Hooks, known?: typeof knownUploads, net?: typeof transport,
   *          delay?: (failures: number, error: RequestError) => number}} opts
   *   net and delay (the wait before a retry, in ms) are for tests
   */
  constructor({ url, token = '', form, files, hooks = {}, known = knownUploads, net = transport, delay = (n, err) => backoffDelay(n, { retryAfter: err.retryAfter }) }) {
    Object.assign(this, { url, token, form, files, hooks, known, net, delay });
    this.phase = 'planning';
    this.id = '';
    this.paused = false;
    this.failures = 0; // failed tries in a row, for the backoff
    this.waiting = null; // {until, end} while a backoff runs
    this.pieces = new Map(); // blob → the PATCH in flight
    this.active = new Set(); // blobs being sent
    this.doneBytes = 0;
    this.skipped = 0; // bytes a resumed upload's server already had
    this.aborter = new AbortController();
    this.unpause = null;
    this.halted = false; // a blob failed for good: the others stop
    this.cancelled = null; // once cancel() is called: the promise of the UploadError run() rejects with
  }

  /** Plans, sends, commits. Resolves with the commit's {status, body, text}; rejects with a RequestError or an UploadError. */
  async run() {
    const planned = this.plan();
    this.planned = planned.catch(() => null); // for a cancel during the plan
    try {
      await planned;
      await this.sendAll();
      return await this.commit();
    } catch (err) {
      if (this.cancelled) throw await this.cancelled;
      // The other blobs stop too; the upload stays on the server, so
      // Create again goes on from where it stands.
      this.halted = true;
      for (const req of this.pieces.values()) req.abort();
      throw err;
    } finally {
      this.waiting?.end(false);
    }
  }

  async plan() {
    this.setPhase('planning');
    const res = await this.retrying(() => this.net.call('POST', this.url('/api/uploads'), { token: this.token, json: planBody(this.form, this.files) }), 'plan');
    const up = res.body?.upload;
    if (!up?.id || !Array.isArray(up.missing) || !up.tus_endpoint) throw new RequestError('http', 'The server answered the plan without an upload', { status: res.status, body: res.body, text: res.text });
    this.id = up.id;
    this.expires = up.expires_at;
    this.endpoint = new URL(up.tus_endpoint, this.url('/')).href;
    this.piece = pieceSize(up.max_chunk_bytes, up.min_chunk_bytes);
    this.uniform = up.min_chunk_bytes > 0;
    this.resumed = up.resumed === true || this.known.has(up.id);
    this.known.add(up.id, up.expires_at);
    const { blobs, present } = splitByPlan(this.files, up.missing);
    this.blobs = blobs;
    this.total = blobs.reduce((n, b) => n + b.size, 0);
    this.hooks.onPlan?.({ id: up.id, resumed: this.resumed, sending: new Set(blobs.map((b) => b.hash)), bytes: this.total, present });
    return up;
  }

  async sendAll() {
    this.setPhase('sending');
    for (const b of this.blobs) this.hooks.onBlob?.(b.hash, 'waiting', 0, b.size);
    this.report();
    const queue = [...this.blobs];
    const worker = async () => {
      for (let b; (b = queue.shift()); ) await this.sendBlob(b);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
  }

  async sendBlob(b) {
    b.url = `${this.endpoint}/${b.hash}`; // fixed by the hash (docs/uploads.md)
    b.created = this.resumed; // a resumed upload may hold it already: ask first
    b.stale = this.resumed; // the offset is unknown until asked
    b.offset = b.loaded = 0;
    this.active.add(b);
    let conflicts = 0;
    await this.retrying(async () => {
      for (;;) {
        await this.gate();
        if (b.created && b.stale) await this.ask(b);
        if (!b.created) {
          await this.net.tusCreate(this.endpoint, b.hash, b.size, { token: this.token, signal: this.aborter.signal });
          Object.assign(b, { created: true, stale: false, offset: 0 });
          this.progress(b, 0);
        }
        if (b.offset >= b.size) break;
        try {
          await this.patch(b);
          conflicts = 0;
        } catch (err) {
          b.stale = true; // a piece cut off is discarded whole: ask where the server stands
          if (err.kind === 'http' && (err.status === 409 || err.status === 404) && ++conflicts <= 3) continue;
          throw err;
        }
      }
    }, 'blob', b);
    this.active.delete(b);
    this.doneBytes += b.size;
    this.hooks.onBlob?.(b.hash, 'sent', b.size, b.size);
    this.report();
  }

  /** HEAD: where the server stands on a blob (404: never created, so create it). */
  async ask(b) {
    const first = !b.asked;
    b.asked = true;
    const at = await this.net.tusHead(b.url, { token: this.token, signal: this.aborter.signal });
    b.stale = false;
    // A server whose pieces must all have one size cannot go on from an
    // offset that is not a whole number of this client's pieces.
    if (!at || (this.uniform && at.offset % this.piece && at.offset < b.size)) {
      b.created = false;
      return;
    }
    b.offset = at.offset;
    if (first && this.resumed) this.skipped += at.offset;
    this.progress(b, at.offset);
  }

  async patch(b) {
    const start = b.offset;
    const end = Math.min(b.size, start + this.piece);
    this.hooks.onPiece?.(b.hash, start, end - start);
    const req = this.net.tusPatch(b.url, b.file.slice(start, end), start, { token: this.token, onProgress: (n) => this.progress(b, start + Math.min(n, end - start)) });
    this.pieces.set(b, req);
    try {
      const next = await req.promise;
      if (!(next > start && next <= b.size)) throw new RequestError('http', `The server answered offset ${next} to a piece at ${start} of ${b.size} bytes`, { status: 204 });
      b.offset = next;
      this.failures = 0;
      this.progress(b, next);
    } catch (err) {
      this.progress(b, start);
      throw err;
    } finally {
      this.pieces.delete(b);
    }
  }

  progress(b, loaded) {
    b.loaded = loaded;
    this.hooks.onBlob?.(b.hash, 'sending', loaded, b.size);
    this.report();
  }

  report() {
    let loaded = this.doneBytes;
    for (const b of this.active) loaded += b.loaded;
    this.hooks.onProgress?.(loaded, this.total, this.skipped);
  }

  async commit() {
    this.setPhase('committing');
    let lost = false; // an earlier try's answer was lost: a 409 may be our own repository
    const res = await this.retrying(async () => {
      let res;
      try {
        res = await this.net.call('POST', this.url('/api/repos'), { token: this.token, json: commitBody(this.form, this.files, this.id), ok: (s) => !retryableStatus(s) });
      } catch (err) {
        lost ||= err.kind === 'network';
        throw err;
      }
      if (res.status !== 409 || !lost) return res;
      const repo = `/api/repos/${encodeURIComponent(this.form.namespace)}/${encodeURIComponent(this.form.name)}`;
      const got = await this.net.call('GET', this.url(repo), { ok: () => true });
      return got.status === 200 && got.body?.repository?.latest_commit ? got : res;
    }, 'commit');
    if (res.status >= 200 && res.status < 300) this.known.delete(this.id);
    return res;
  }

  /**
   * Runs step until it succeeds: a network failure or a passing server
   * failure waits (backoff, shared by every blob) and tries again; a pause
   * waits for resume; anything else is thrown, marked with where it
   * happened.
   */
  async retrying(step, where, blob) {
    for (;;) {
      await this.gate();
      try {
        const out = await step();
        this.failures = 0;
        return out;
      } catch (err) {
        if (this.cancelled || this.halted) throw err;
        if (!(err instanceof RequestError)) throw err;
        if (err.kind === 'aborted') continue; // paused, or the browser went offline: the gate and the next try decide
        const serverFailure = err.kind === 'http' && retryableStatus(err.status);
        if (err.kind !== 'network' && !(serverFailure && this.failures < MAX_SERVER_FAILURES)) {
          Object.assign(err, { where, path: blob ? this.files.find((f) => f.hash === blob.hash)?.path : '' });
          throw err;
        }
        await this.backoff(err);
      }
    }
  }

  /** Waits while paused; throws once cancelled or failed. */
  async gate() {
    while (this.paused && !this.cancelled) await this.unpause.promise;
    if (this.cancelled || this.halted) throw new RequestError('aborted', this.halted ? 'stopped' : 'cancelled');
  }

  backoff(error) {
    if (!this.waiting) {
      this.failures++;
      const ms = this.delay(this.failures, error);
      let wake;
      const promise = new Promise((resolve) => (wake = resolve));
      const w = {
        until: Date.now() + ms,
        promise,
        end: (tell = true) => {
          clearTimeout(timer);
          if (this.waiting === w) this.waiting = null;
          if (tell) this.hooks.onWait?.(null);
          wake();
        },
      };
      const timer = setTimeout(w.end, ms);
      this.waiting = w;
      this.hooks.onWait?.({ until: w.until, error });
    }
    return this.waiting.promise;
  }

  /** The window's online event: stop waiting, try now. */
  online() {
    this.waiting?.end();
  }

  /** The window's offline event: pieces in flight cannot arrive; stop them and wait. */
  offline() {
    for (const req of this.pieces.values()) req.abort();
  }

  /** Stops sending (pieces in flight are stopped; each blob goes on from the server's offset). False when not sending. */
  pause() {
    if (this.paused || this.cancelled || this.phase !== 'sending') return false;
    this.paused = true;
    let resolve;
    this.unpause = { promise: new Promise((r) => (resolve = r)), resolve };
    for (const req of this.pieces.values()) req.abort();
    this.waiting?.end();
    return true;
  }

  resume() {
    if (!this.paused) return;
    this.paused = false;
    this.failures = 0;
    this.unpause.resolve();
  }

  /**
   * Stops everything and deletes the upload on the server (its partial
   * blobs, its hold on the name). run() then rejects with an UploadError
   * 'cancelled' saying whether the server was told.
   */
  cancel() {
    if (this.cancelled) return;
    this.cancelled = (async () => {
      const up = this.id ? { id: this.id, expires_at: this.expires } : await this.planned;
      if (!up?.id) return new UploadError('cancelled', 'Upload cancelled. Nothing was created.');
      try {
        await this.net.call('DELETE', this.url(`/api/uploads/${encodeURIComponent(up.id)}`), { token: this.token, signal: AbortSignal.timeout(10_000), ok: (s) => s === 204 || s === 404 });
        this.known.delete(up.id);
        return new UploadError('cancelled', 'Upload cancelled. Nothing was created, and the name is free again.');
      } catch {
        return new UploadError('cancelled', `Upload cancelled. Nothing was created, but the server could not be told, so it keeps the name “${this.form.name}” until ${new Date(up.expires_at || Date.now()).toLocaleString()} (pressing Create with the same files resumes the upload).`);
      }
    })();
    this.aborter.abort();
    for (const req of this.pieces.values()) req.abort();
    this.waiting?.end(false);
    this.unpause?.resolve();
  }

  setPhase(phase) {
    this.phase = phase;
    this.hooks.onPhase?.(phase);
  }
}
