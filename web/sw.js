// oxdrop's service worker: makes the app (page, scripts, the Go engine in
// WebAssembly) work offline after one visit. The build replaces
// __BUILD_ID__ with a hash of the whole build, so each release gets its own
// cache and the old ones are deleted when it activates.
//
// Rules: the pages (navigations, index.html, repo.html) are network-first so a
// new release shows up at once when online; every other file of the app is
// cache-first (the cache is per build, so it is never stale); anything under
// /api/ is never cached or answered from the cache.

const CACHE = 'oxdrop-__BUILD_ID__';
const PREFIX = 'oxdrop-';

// Every file of the app shell, relative to this worker's folder (the app
// root). The build fails when a file of the app is missing here, or this
// names a file the build does not have (build/build.mjs, checkShell).
const SHELL = [
  './',
  'index.html',
  'repo.html',
  'app.css',
  'repo.css',
  'manifest.webmanifest',
  'icons/icon.svg',
  'icons/icon-192.png',
  'icons/icon-512.png',
  'icons/icon-maskable-512.png',
  'js/app.js',
  'js/collect.js',
  'js/eta.js',
  'js/format.js',
  'js/numbers.js',
  'js/preview.js',
  'js/thumbs.js',
  'js/types.js',
  'js/upload.js',
  'js/remember.js',
  'js/offline.js',
  'js/store/entries.js',
  'js/store/view.js',
  'js/files/engine.js',
  'js/files/boot.js',
  'js/files/describe.js',
  'js/files/intake.js',
  'js/panels/alert.js',
  'js/panels/dropzone.js',
  'js/panels/list/fonts.js',
  'js/panels/list/grid.js',
  'js/panels/list/keys.js',
  'js/panels/list/row.js',
  'js/panels/list/tools.js',
  'js/panels/preview-dialog.js',
  'js/panels/problems.js',
  'js/panels/repo-form.js',
  'js/panels/result.js',
  'js/panels/throttle.js',
  'js/panels/topbar.js',
  'js/panels/totals.js',
  'js/repoview/api.js',
  'js/repoview/copy.js',
  'js/repoview/dialog.js',
  'js/repoview/main.js',
  'js/repoview/source.js',
  'js/repoview/tree.js',
  'js/repoview/treegrid.js',
  'js/repoview/url.js',
  'js/upload/panel.js',
  'js/upload/plan.js',
  'js/upload/resumable.js',
  'js/upload/tus.js',
  'js/upload/create.js',
  'js/oxdrop.js',
  'js/engine/paths.js',
  'js/engine/protocol.js',
  'js/engine/pool.js',
  'js/engine/worker.js',
  'wasm_exec.js',
  'oxdrop.wasm',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // cache: 'reload' skips the HTTP cache, so the files stored are the
      // ones of this build, not older copies.
      await cache.addAll(SHELL.map((p) => new Request(p, { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const scope = new URL(self.registration.scope);
  if (!url.pathname.startsWith(scope.pathname)) return;
  const rel = url.pathname.slice(scope.pathname.length);
  if (url.pathname.startsWith('/api/') || rel.startsWith('api/')) return; // never cached
  if (req.mode === 'navigate' || rel === '' || rel === 'index.html' || rel === 'repo.html') {
    event.respondWith(networkFirst(req, rel));
    return;
  }
  event.respondWith(cacheFirst(req));
});

// The page a navigation shows: the repository view for repo.html (or
// "repo", as hosts that drop ".html" name it), else the app's index.html.
function pageOf(rel) {
  return rel === 'repo.html' || rel === 'repo' ? 'repo.html' : 'index.html';
}

async function networkFirst(req, rel) {
  const cache = await caches.open(CACHE);
  const page = new URL(pageOf(rel), self.registration.scope).href;
  try {
    const res = await fetch(req);
    if (res.ok && !res.redirected) await cache.put(page, res.clone());
    return res;
  } catch (err) {
    const cached = (await cache.match(page)) || (await cache.match(req, { ignoreSearch: true }));
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(req) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(req, { ignoreSearch: true });
  if (cached) return cached;
  const res = await fetch(req);
  // Files of the app not in SHELL (added later) are kept once seen.
  if (res.ok && res.type === 'basic') await cache.put(req, res.clone());
  return res;
}
