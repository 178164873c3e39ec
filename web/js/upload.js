// The one multipart request that creates a repository, and the plain words
// for what can go wrong with it.

import { formatBytes } from './format.js';

/**
 * Builds the payload in the order the server reads it: new_repo, name and
 * email (both before any file, as Oxen requires), the manifest of browser
 * hashes, then one file[] part per file named by its relative path. The
 * FormData only references the Files: the browser streams them from disk.
 *
 * @param {{namespace: string, name: string, description: string,
 *          authorName: string, authorEmail: string}} form
 * @param {{file: File, path: string, hash: string}[]} files
 */
export function buildPayload(form, files) {
  const fd = new FormData();
  fd.append('new_repo', JSON.stringify({ namespace: form.namespace, name: form.name, description: form.description }));
  fd.append('name', form.authorName);
  fd.append('email', form.authorEmail);
  const manifest = {};
  for (const f of files) manifest[f.path] = f.hash;
  fd.append('manifest', JSON.stringify(manifest));
  for (const f of files) fd.append('file[]', f.file, f.path);
  return fd;
}

/** The URL of an API path under a base ("" means the page's own origin). */
export function apiURL(base, path) {
  const origin = base && base.trim() ? base.trim().replace(/\/+$/, '') : location.origin;
  return `${origin}${path}`;
}

/**
 * Sends the payload with XMLHttpRequest, which (unlike fetch) reports upload
 * progress and can be aborted. Resolves with {status, body, text} for any
 * HTTP answer; rejects with an UploadError for network failure or cancel.
 *
 * @returns {{promise: Promise<{status:number, body:any, text:string}>, abort: () => void}}
 */
export function send(url, payload, { token, onProgress } = {}) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open('POST', url);
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : 0);
    xhr.upload.onload = () => onProgress?.(Infinity, 0);
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON (a proxy's HTML error page, say): the text is still shown.
      }
      resolve({ status: xhr.status, body, text: xhr.responseText });
    };
    xhr.onerror = () => reject(new UploadError('network', 'The server could not be reached. Check the connection and the server address in Settings, then try again.'));
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => reject(new UploadError('cancelled', 'Upload cancelled. Nothing was created.'));
    xhr.send(payload);
  });
  return { promise, abort: () => xhr.abort() };
}

/**
 * The server's size limits from GET /api/limits, or null when it does not
 * say (an Oxen server, an older oxdrop, a network problem): the upload then
 * goes ahead as before and the server's own answer decides.
 *
 * @returns {Promise<{maxBodyBytes:number, maxFileBytes:number, maxFiles:number} | null>}
 */
export async function fetchLimits(base, { timeoutMs = 5000 } = {}) {
  try {
    const res = await fetch(apiURL(base, '/api/limits'), { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    return parseLimits(await res.json());
  } catch {
    return null;
  }
}

/** Validates a /api/limits body; null unless all three are positive numbers. */
export function parseLimits(body) {
  const n = (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
  const limits = { maxBodyBytes: n(body?.max_body_bytes), maxFileBytes: n(body?.max_file_bytes), maxFiles: n(body?.max_files) };
  return limits.maxBodyBytes && limits.maxFileBytes && limits.maxFiles ? limits : null;
}

// What buildPayload adds around the file bytes, generously: the form fields,
// and per file a part header (boundary, Content-Disposition with the path,
// Content-Type) plus its manifest entry (path and 32-hex hash).
const PAYLOAD_BASE_OVERHEAD = 4096;
const PART_OVERHEAD = 256;

/** A generous estimate of the multipart body size for these files. */
export function estimatePayloadBytes(files) {
  let total = PAYLOAD_BASE_OVERHEAD;
  for (const f of files) total += f.size + PART_OVERHEAD + 2 * new TextEncoder().encode(f.path).length;
  return total;
}

/**
 * The reason these files would be refused by a server with these limits, or
 * '' when they fit (or the limits are unknown). Sizes are those the engine
 * measured, not File.size read on the main thread. Sent in pieces (a
 * resumable upload), no request carries them all, so their total is not
 * bounded by the body limit.
 *
 * @param {{maxBodyBytes:number, maxFileBytes:number, maxFiles:number} | null} limits
 * @param {{path: string, size: number}[]} files
 * @param {{inPieces?: boolean}} [how]
 */
export function limitProblem(limits, files, { inPieces = false } = {}) {
  if (!limits) return '';
  if (files.length > limits.maxFiles) {
    return `You are sending ${files.length.toLocaleString('en-US')} files; this server accepts at most ${limits.maxFiles.toLocaleString('en-US')} files in one repository upload. Remove some files and try again.`;
  }
  const big = files.find((f) => f.size > limits.maxFileBytes);
  if (big) {
    return `“${big.path}” is ${formatBytes(big.size)}; this server accepts files up to ${formatBytes(limits.maxFileBytes)}. Remove it and try again.`;
  }
  const estimate = estimatePayloadBytes(files);
  if (!inPieces && estimate > limits.maxBodyBytes) {
    const sum = files.reduce((a, f) => a + f.size, 0);
    return `The files add up to ${formatBytes(sum)} (about ${formatBytes(estimate)} to send); this server accepts uploads up to ${formatBytes(limits.maxBodyBytes)} in total. Remove some files and try again.`;
  }
  return '';
}

/**
 * Extra words for a network failure of a large upload: a server refusing a
 * body over its limit closes the connection while the browser is still
 * sending, which the browser reports as a network error.
 */
export function networkLimitHint(limits, sentBytes) {
  if (!limits || sentBytes <= 1 << 20) return '';
  return ` The upload was ${formatBytes(sentBytes)}; if the server stopped it for being too large (this server accepts files up to ${formatBytes(limits.maxFileBytes)} and uploads up to ${formatBytes(limits.maxBodyBytes)} in total), that also looks like a lost connection.`;
}

export class UploadError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

/** The server's own words from an error body (Oxen's shapes A and B). */
export function serverMessage(body, text) {
  if (body && typeof body === 'object') {
    const detail = body.error?.detail || body.error?.title;
    if (detail) return String(detail);
    if (body.status_message && body.status_message !== 'bad_request') return String(body.status_message);
    if (typeof body.error === 'string') return body.error;
    if (body.message) return String(body.message);
    if (body.status_message) return String(body.status_message);
  }
  const t = (text || '').trim();
  return t && t.length < 300 && !t.startsWith('<') ? t : '';
}

/** A plain-words explanation for an HTTP error answer. */
export function explainStatus(status, body, text, { name, limit } = {}) {
  const said = serverMessage(body, text);
  switch (status) {
    case 400:
      return `The server refused the request: ${said || 'it says the request is invalid'}.`;
    case 401:
    case 403:
      return 'The server needs a valid access token: the token is missing or wrong. Paste it into the Token field and try again.';
    case 409:
      return `The name “${name}” is already taken on this server. Choose another one, for example “${suggestName(name)}”.`;
    case 413: {
      const lim = limit || limitFrom(said);
      return `The upload is too large for this server${lim ? ` (its limit is ${lim})` : ''}. Remove some files and try again.`;
    }
    default:
      if (status >= 500) return `The server failed while creating the repository (HTTP ${status})${said ? `: ${said}` : ''}. Nothing was created; try again.`;
      return `Unexpected answer from the server (HTTP ${status})${said ? `: ${said}` : ''}.`;
  }
}

function limitFrom(message) {
  const m = /(\d+(?:\.\d+)?\s*(?:[KMGT]i?B|bytes))/i.exec(message || '');
  return m ? m[1] : '';
}

/** "cats" → "cats-2", "cats-2" → "cats-3". */
export function suggestName(name) {
  const m = /^(.*?)-(\d+)$/.exec(name || '');
  if (m) return `${m[1]}-${Number(m[2]) + 1}`;
  return `${name || 'repo'}-2`;
}
