// A small tus 1.0 client (core protocol and creation), as oxdrop's server
// speaks it at an upload's tus_endpoint (docs/uploads.md): one blob is
// created with its Oxen hash in Upload-Metadata, asked for its offset with
// HEAD and sent in pieces with PATCH. Pieces go with XMLHttpRequest, whose
// upload progress events give a per-byte progress that fetch does not.

export const TUS_VERSION = '1.0.0';

/** The largest piece this client sends, whatever the server allows. */
export const MAX_PIECE_BYTES = 16 * 2 ** 20;

/** A request that failed: kind 'network', 'http' (with status) or 'aborted'. */
export class RequestError extends Error {
  /**
   * @param {'network'|'http'|'aborted'} kind
   * @param {string} message
   * @param {{status?: number, body?: any, text?: string, retryAfter?: number}} [detail]
   *   retryAfter in seconds, NaN when the answer did not say
   */
  constructor(kind, message, { status = 0, body = null, text = '', retryAfter = NaN } = {}) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.body = body;
    this.text = text;
    this.retryAfter = retryAfter;
  }
}

/**
 * The size of every piece of a blob but its last: min(max_chunk_bytes,
 * 16 MiB), and never below min_chunk_bytes (a server whose pieces are R2
 * multipart parts needs 5 MiB) unless that is over max_chunk_bytes.
 */
export function pieceSize(maxChunkBytes, minChunkBytes = 0) {
  const max = maxChunkBytes > 0 ? maxChunkBytes : MAX_PIECE_BYTES;
  const size = Math.min(max, MAX_PIECE_BYTES);
  return minChunkBytes > size ? Math.min(minChunkBytes, max) : size;
}

/** tus Upload-Metadata: "key base64(value),…" of UTF-8 values. */
export function encodeMetadata(meta) {
  return Object.entries(meta)
    .map(([k, v]) => `${k} ${btoa(String.fromCharCode(...new TextEncoder().encode(String(v))))}`)
    .join(',');
}

/** Retry-After as seconds: a number of seconds or an HTTP date; NaN when absent or unreadable. */
export function parseRetryAfter(value, now = Date.now()) {
  if (value == null || value === '') return NaN;
  const s = String(value).trim();
  if (/^\d+$/.test(s)) return Number(s);
  const at = Date.parse(s);
  return Number.isFinite(at) ? Math.max(0, (at - now) / 1000) : NaN;
}

/** A whole non-negative number from a header, or NaN. */
export function headerCount(value) {
  return value != null && /^\d+$/.test(String(value).trim()) ? Number(value) : NaN;
}

function parseJSON(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null; // not JSON (a proxy's page): the text is kept
  }
}

function httpError(method, url, status, text, retryAfter) {
  return new RequestError('http', `${method} ${url}: HTTP ${status}`, { status, body: parseJSON(text), text, retryAfter: parseRetryAfter(retryAfter) });
}

function headers(token, extra) {
  const h = { ...extra };
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

/**
 * One request with fetch, its failure as a RequestError. Answers
 * {status, body, text, headers} for any status in ok (default 2xx).
 */
export async function call(method, url, { token = '', json, head = {}, signal, ok = (s) => s >= 200 && s < 300 } = {}) {
  const init = { method, headers: headers(token, head), signal, cache: 'no-store' };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  let res;
  let text;
  try {
    res = await fetch(url, init);
    text = method === 'HEAD' ? '' : await res.text();
  } catch (err) {
    if (signal?.aborted) throw new RequestError('aborted', `${method} ${url}: aborted`);
    throw new RequestError('network', `${method} ${url}: ${err?.message || err}`);
  }
  if (!ok(res.status)) throw httpError(method, url, res.status, text, res.headers.get('Retry-After'));
  return { status: res.status, body: parseJSON(text), text, headers: res.headers };
}

/** tus creation: announces a blob of size bytes by its hash; answers its URL. */
export async function tusCreate(endpoint, hash, size, { token, signal } = {}) {
  const res = await call('POST', endpoint, {
    token,
    signal,
    head: { 'Tus-Resumable': TUS_VERSION, 'Upload-Length': String(size), 'Upload-Metadata': encodeMetadata({ hash }) },
    ok: (s) => s === 201,
  });
  const loc = res.headers.get('Location');
  return loc ? new URL(loc, endpoint).href : `${endpoint}/${hash}`;
}

/** tus HEAD: {offset, length} of a blob, or null when it was never created (404). */
export async function tusHead(url, { token, signal } = {}) {
  const res = await call('HEAD', url, { token, signal, head: { 'Tus-Resumable': TUS_VERSION }, ok: (s) => s === 200 || s === 404 });
  if (res.status === 404) return null;
  const offset = headerCount(res.headers.get('Upload-Offset'));
  if (!Number.isFinite(offset)) throw new RequestError('http', `HEAD ${url}: no Upload-Offset in the answer`, { status: res.status });
  return { offset, length: headerCount(res.headers.get('Upload-Length')) };
}

/**
 * tus PATCH of one piece (a Blob) at offset. Resolves with the server's new
 * offset; rejects with a RequestError. onProgress(loaded) follows the bytes
 * of this piece. A piece that shows no progress for stallMs (the connection
 * hangs without failing) is aborted as a network error.
 *
 * @returns {{promise: Promise<number>, abort: () => void}}
 */
export function tusPatch(url, piece, offset, { token, onProgress, stallMs = 120_000 } = {}) {
  const xhr = new XMLHttpRequest();
  let timer = 0;
  let stalled = false;
  const watch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      xhr.abort();
    }, stallMs);
  };
  const promise = new Promise((resolve, reject) => {
    xhr.open('PATCH', url);
    for (const [k, v] of Object.entries(headers(token, { 'Tus-Resumable': TUS_VERSION, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' }))) {
      xhr.setRequestHeader(k, v);
    }
    xhr.upload.onprogress = (e) => {
      watch();
      onProgress?.(e.loaded);
    };
    xhr.onreadystatechange = watch;
    xhr.onload = () => {
      clearTimeout(timer);
      if (xhr.status !== 204) return reject(httpError('PATCH', url, xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After')));
      const next = headerCount(xhr.getResponseHeader('Upload-Offset'));
      if (!Number.isFinite(next)) return reject(new RequestError('http', `PATCH ${url}: no Upload-Offset in the answer`, { status: 204 }));
      resolve(next);
    };
    xhr.onerror = () => {
      clearTimeout(timer);
      reject(new RequestError('network', `PATCH ${url}: the connection failed`));
    };
    xhr.onabort = () => {
      clearTimeout(timer);
      reject(stalled ? new RequestError('network', `PATCH ${url}: no progress for ${stallMs / 1000} s`) : new RequestError('aborted', `PATCH ${url}: aborted`));
    };
    watch();
    xhr.send(piece);
  });
  return { promise, abort: () => xhr.abort() };
}
