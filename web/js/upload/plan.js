// The pure parts of a resumable upload (docs/uploads.md): which drops take
// it, the bodies of its plan and its commit, what the plan's `missing`
// leaves to send, and how long to wait before trying again.

import { formatBytes, formatCount } from '../numbers.js';

/**
 * A drop of at most this many files and bytes goes as one multipart
 * request (docs/uploads.md, "In the app"): one request is then faster than
 * a plan, its blobs and a commit.
 */
export const SMALL_DROP = { files: 8, bytes: 8 * 2 ** 20 };

/** @param {{size: number}[]} files */
export function isSmallDrop(files) {
  if (files.length > SMALL_DROP.files) return false;
  return files.reduce((sum, f) => sum + f.size, 0) <= SMALL_DROP.bytes;
}

/** POST /api/uploads: the name and every file's path, hash and size. */
export function planBody(form, files) {
  return { namespace: form.namespace, name: form.name, files: files.map((f) => ({ path: f.path, hash: f.hash, size: f.size })) };
}

/** The commit: a JSON RepoNew whose files name the upload's blobs. */
export function commitBody(form, files, uploadId) {
  const user = { name: form.authorName, email: form.authorEmail };
  return {
    namespace: form.namespace,
    name: form.name,
    description: form.description,
    upload_id: uploadId,
    files: files.map((f) => ({ path: f.path, contents: { Blob: f.hash }, user })),
  };
}

/**
 * What the plan leaves to send: each hash of `missing` once (a content
 * dropped twice is sent once), with a file that holds it, in plan order;
 * and the files whose content the server already has.
 *
 * @param {{path: string, hash: string, size: number, file: Blob}[]} files
 * @param {string[]} missing
 */
export function splitByPlan(files, missing) {
  const want = new Set(missing);
  const blobs = new Map();
  const present = { files: 0, bytes: 0 };
  for (const f of files) {
    if (!want.has(f.hash)) {
      present.files++;
      present.bytes += f.size;
    } else if (!blobs.has(f.hash)) blobs.set(f.hash, { hash: f.hash, size: f.size, file: f.file });
  }
  return { blobs: [...blobs.values()], present };
}

/** "12 of 45 files are already on the server: 1.2 GB not sent", or '' when none is. */
export function presentNote(present, total) {
  if (!present.files) return '';
  let who = `${formatCount(present.files)} of ${formatCount(total)} files ${present.files === 1 ? 'is' : 'are'}`;
  if (present.files === total) who = total === 1 ? 'The file is' : `All ${formatCount(total)} files are`;
  return `${who} already on the server: ${formatBytes(present.bytes)} not sent`;
}

/** The statuses worth trying again: a timeout, too many requests, a server failure. */
export function retryableStatus(status) {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * How long to wait (ms) before the next try after `failures` failures in a
 * row: 1 s, 2 s, 4 s, … capped at 30 s, each drawn in its upper half so that
 * clients cut off together do not come back together; a Retry-After the
 * server sent wins (up to 5 minutes).
 */
export function backoffDelay(failures, { retryAfter = NaN, random = Math.random, baseMs = 1000, capMs = 30_000 } = {}) {
  if (Number.isFinite(retryAfter)) return Math.min(retryAfter, 300) * 1000;
  const full = Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(full / 2 + (random() * full) / 2);
}
