// The one multipart request that creates a repository, and the plain words
// for what can go wrong with it.

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
