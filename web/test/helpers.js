// Shared helpers for oxdrop's browser tests (node:test + playwright-core +
// Debian's chromium): a static file server on 127.0.0.1 and a headless
// Chromium launcher. Used by engine.test.js and the page's UI tests.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { fixturesDir } from '../../internal/testenv/testenv.js';

/** Repository root (this file lives in web/test/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The built app (npm run build). */
export const distDir = path.join(repoRoot, 'build', 'dist');

/** Oxen's fixture files: $OXDROP_FIXTURES, else ../shared/fixtures/oxen (internal/testenv). */
export { fixturesDir };

/** Debian's chromium; override with OXDROP_CHROMIUM. */
export const chromiumPath = process.env.OXDROP_CHROMIUM || '/usr/bin/chromium';

export const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** Launches headless Chromium; extraArgs are appended to the defaults. */
export function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs, ...extraArgs] });
}

const mimeTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The Content-Type the test server sends for a file name. */
export function mimeFor(name) {
  return mimeTypes[path.extname(name).toLowerCase()] || 'application/octet-stream';
}

/**
 * Serves files on 127.0.0.1 at a random port.
 *   root:     directory served at "/" (usually distDir); "/" maps to index.html
 *   mounts:   { "/prefix/": "/abs/dir" } extra directories (e.g. node_modules)
 *   routes:   { "/path": string | Buffer | (req, res) => void } in-memory pages and handlers
 *   crossOriginIsolated: send COOP/COEP so performance.measureUserAgentSpecificMemory works
 *   port:     0 (default) picks a free port; manual runs use 3301-3309
 * Returns { url, server, close() } where url ends with "/".
 */
export async function startStaticServer({ root = distDir, mounts = {}, routes = {}, crossOriginIsolated = false, port = 0 } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const pathname = decodeURIComponent(url.pathname);
    if (crossOriginIsolated) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    res.setHeader('Cache-Control', 'no-store');
    const route = routes[pathname];
    if (typeof route === 'function') return route(req, res);
    if (route !== undefined) {
      res.writeHead(200, { 'Content-Type': mimeFor(pathname) });
      return res.end(route);
    }
    let base = root;
    let rel = pathname;
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (pathname.startsWith(prefix)) {
        base = dir;
        rel = pathname.slice(prefix.length - 1);
        break;
      }
    }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(base, rel);
    if (!file.startsWith(path.resolve(base) + path.sep)) {
      res.writeHead(403).end('outside the served folder');
      return;
    }
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${pathname}`);
        return;
      }
      res.writeHead(200, { 'Content-Type': mimeFor(file), 'Content-Length': st.size });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).pipe(res);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    server,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

/** Lists every regular file under dir as paths relative to dir ("/"-separated), sorted. */
export function listFiles(dir) {
  const out = [];
  const walk = (d, prefix) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${ent.name}` : ent.name;
      if (ent.isDirectory()) walk(path.join(d, ent.name), rel);
      else if (ent.isFile()) out.push(rel);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** Reads JSHeapUsedSize (bytes) of a page's main thread through CDP. */
export async function jsHeapUsed(cdp) {
  await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
}
