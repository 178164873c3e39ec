// Reading a repository for the view: GET /api/repos/{namespace}/{name}
// (the repository, its latest commit and every metadata entry), with each
// way it can fail said in plain words: no such repository (the server's
// own 404 message), a server that cannot be reached, and an answer that is
// not the API's (a static host with no API behind it). Reads need no token.
import { repoURL } from './url.js';

export class ViewError extends Error {
  /** @param {'notfound'|'unreachable'|'notapi'|'http'} kind */
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

/** Where the API is, for messages: the base's origin, or this site. */
export function serverName(base) {
  try {
    return new URL(base || location.origin).origin;
  } catch {
    return base;
  }
}

const settingsHint = 'Check the connection, or the server under Settings.';

/**
 * Resolves to {repository, entries}; rejects with a ViewError (or the
 * signal's AbortError).
 */
export async function loadRepository(base, namespace, name, { signal } = {}) {
  const server = serverName(base);
  let res;
  try {
    res = await fetch(repoURL(base, namespace, name), { headers: { Accept: 'application/json' }, signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ViewError('unreachable', `Could not reach the server at ${server} (${err?.message || err}): it may be down, this device offline, or the server may not let this site read it (its -cors-origin). ${settingsHint}`);
  }
  let body = null;
  if ((res.headers.get('Content-Type') || '').includes('json')) {
    try {
      body = await res.json();
    } catch {
      body = null;
    }
  }
  const said = typeof body?.status_message === 'string' ? body.status_message : '';
  if (res.status === 404 && said) throw new ViewError('notfound', `${said}. Check the address, or the server under Settings (now ${server}).`);
  if (!res.ok && said) throw new ViewError('http', `The server at ${server} answered ${res.status}: ${said}`);
  if (!res.ok || !body?.repository) {
    throw new ViewError('notapi', `The server at ${server} did not answer as the oxdrop API (HTTP ${res.status}${body ? '' : ', not JSON'}). If the API runs elsewhere, set its address under Settings.`);
  }
  return { repository: body.repository, entries: Array.isArray(body.metadata_entries) ? body.metadata_entries : [] };
}
