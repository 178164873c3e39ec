// The repository view's addresses: repo.html#/namespace/name, or
// repo.html#/namespace/name/path/of/a/file to open that file's preview.
// The repository lives in the fragment, so any static host (oxdrop serve,
// a CDN, Cloudflare's static assets in front of the Worker) serves the one
// page for every repository without a server-side route. No DOM here: the
// main app imports repoViewURL for its result panel.
import { apiURL } from '../upload.js';

// Oxen's name pattern (core/repo: [A-Za-z0-9][A-Za-z0-9_.-]+, at most 100 bytes).
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]+$/;
const NAME_MAX = 100;

/** Where the repository view of namespace/name is, relative to the app's page: "repo.html#/ox/cats". */
export function repoViewURL(namespace, name, path = '') {
  const segs = [namespace, name, ...(path ? String(path).split('/') : [])];
  return `repo.html#/${segs.map((s) => encodeURIComponent(String(s))).join('/')}`;
}

/** Whether s is a valid repository or namespace name (Oxen's pattern, at most 100 bytes). */
export function validName(s) {
  return NAME.test(s) && new TextEncoder().encode(s).length <= NAME_MAX;
}

/**
 * Reads a location hash ("#/ox/cats", "#/ox/cats/images/a.png") into
 * {namespace, name, path} (path "" when none), or {error} saying in plain
 * words why it names no repository.
 */
export function parseRepoHash(hash) {
  const raw = String(hash || '').replace(/^#/, '');
  const how = 'A repository’s address ends in #/namespace/name, for example repo.html#/ox/cats.';
  if (!raw || raw === '/') return { error: `This address names no repository. ${how}` };
  let segs;
  try {
    segs = raw.replace(/^\//, '').split('/').map(decodeURIComponent);
  } catch {
    return { error: `This address is not valid (a broken %-escape). ${how}` };
  }
  if (segs.length < 2 || !segs[1]) return { error: `This address names no repository: “${segs.join('/')}”. ${how}` };
  const [namespace, name, ...rest] = segs;
  for (const [what, v] of [['namespace', namespace], ['repository name', name]]) {
    if (!validName(v)) return { error: `“${v}” is not a valid ${what}: names are 2 to 100 letters, digits, “_”, “.” or “-”, starting with a letter or digit. ${how}` };
  }
  const path = rest.join('/');
  if (rest.length && rest.some((s) => s === '' || s === '.' || s === '..')) return { error: `“${path}” is not a file path of a repository. ${how}` };
  return { namespace, name, path };
}

const enc = encodeURIComponent;

/** GET /api/repos/{namespace}/{name} under the API's base ("" is this site). */
export function repoURL(base, namespace, name) {
  return apiURL(base, `/api/repos/${enc(namespace)}/${enc(name)}`);
}

/** GET /api/repos/{namespace}/{name}/file/main/{path}, each segment escaped. */
export function fileURL(base, namespace, name, path) {
  return `${repoURL(base, namespace, name)}/file/main/${path.split('/').map(enc).join('/')}`;
}
