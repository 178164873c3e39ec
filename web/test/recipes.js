// The client recipes of docs/clients.md, for the tests that run them as
// written (clients-recipes.test.js, clients.test.js): each is the fenced
// code block after a `<!-- recipe: NAME -->` line.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers.js';

/** docs/clients.md */
export const clientsDoc = path.join(repoRoot, 'docs', 'clients.md');

/** The address the recipes name, which the tests replace by their server's. */
export const docServer = 'http://localhost:3000';

/** Every recipe of docs/clients.md: name → { lang, code }. */
export function recipes() {
  const text = fs.readFileSync(clientsDoc, 'utf8');
  const out = {};
  const re = /^<!-- recipe: ([\w-]+) -->\n```(\w+)\n([\s\S]*?)\n```$/gm;
  for (const m of text.matchAll(re)) {
    if (out[m[1]]) throw new Error(`docs/clients.md: recipe ${m[1]} twice`);
    out[m[1]] = { lang: m[2], code: m[3] + '\n' };
  }
  return out;
}

/** The recipe `name`, its server address replaced by `server` (no trailing slash). */
export function recipe(name, server) {
  const r = recipes()[name];
  if (!r) throw new Error(`docs/clients.md has no recipe ${name}`);
  if (!r.code.includes(docServer)) throw new Error(`recipe ${name} does not name ${docServer}`);
  return { ...r, code: r.code.replaceAll(docServer, server.replace(/\/$/, '')) };
}

/**
 * Writes the folder the recipes upload, `my-folder`, into dir: two files of
 * one name in two folders (which basenames would collide), a nested file,
 * a name with spaces, commas and accents, random binary bytes and two files
 * of one content. Returns { folder, files: Map path → Buffer }.
 */
export function writeFolder(dir, seed = 'x') {
  const folder = path.join(dir, 'my-folder');
  const rnd = (n) => crypto.createHash('sha256').update(seed + n).digest();
  const files = new Map([
    ['cats/cat.txt', Buffer.from(`a cat ${seed}\n`)],
    ['dogs/cat.txt', Buffer.from(`not a cat ${seed}\n`)],
    ['data/deep/er/table.csv', Buffer.from(`a,b\n1,2\n3,${seed}\n`)],
    ['notes/résumé 1, final; v2.md', Buffer.from(`# Résumé ${seed}\n`)],
    ['raw/bytes.bin', Buffer.concat([rnd(1), rnd(2), Buffer.from([0, 255, 13, 10])])],
    ['raw/same-bytes.bin', Buffer.concat([rnd(1), rnd(2), Buffer.from([0, 255, 13, 10])])],
    ['top.json', Buffer.from(`{"seed": "${seed}"}\n`)],
  ]);
  for (const [p, bytes] of files) {
    fs.mkdirSync(path.dirname(path.join(folder, p)), { recursive: true });
    fs.writeFileSync(path.join(folder, p), bytes);
  }
  return { folder, files };
}

/**
 * Reads ox/name back from the server at url: its entries' paths, sorted,
 * and each file's bytes compared with files (Map path → Buffer). Returns
 * the list of differences (empty when the repository holds exactly files).
 */
export async function compareRepo(url, name, files) {
  const base = url.replace(/\/$/, '');
  const res = await fetch(`${base}/api/repos/ox/${name}`);
  const body = await res.json();
  if (!res.ok) return [`GET ox/${name}: ${res.status} ${body.status_message}`];
  const diffs = [];
  const got = body.metadata_entries.map((e) => e.resource.path).sort();
  const want = [...files.keys()].sort();
  if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push(`paths ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  for (const [p, bytes] of files) {
    const r = await fetch(`${base}/api/repos/ox/${name}/file/main/${p.split('/').map(encodeURIComponent).join('/')}`);
    const b = Buffer.from(await r.arrayBuffer());
    if (!r.ok || !b.equals(bytes)) diffs.push(`${p}: ${r.status}, ${b.length} bytes${r.ok ? ' that differ' : ''}`);
  }
  return diffs;
}
