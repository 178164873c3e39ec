// oxdrop's page: files come in (drop, pickers, paste), the engine (Go in
// WebAssembly, in Web Workers) describes each one as Oxen would, the list
// shows what it found, and the form creates the repository: a small drop
// in one multipart request, any other as a resumable upload (upload/). Rendering is batched per animation frame so the page stays
// responsive with tens of thousands of rows.

import { fromDataTransfer, fromFileList, fromClipboard } from './collect.js';
import { formatBytes, formatCount, metadataSummary, schemaSummary } from './format.js';
import { DATA_TYPES, typeColour, typeInfo } from './types.js';
import { apiURL, buildPayload, explainStatus, fetchLimits, limitProblem, networkLimitHint, send, serverMessage, UploadError } from './upload.js';
import { UploadPanel } from './upload/panel.js';
import { isSmallDrop, presentNote } from './upload/plan.js';
import { ResumableUpload } from './upload/resumable.js';
import { RequestError } from './upload/tus.js';
import { renderPreview, previewFacts } from './preview.js';
import { watchThumbnail, unwatchThumbnail } from './thumbs.js';

const $ = (id) => document.getElementById(id);
const els = {
  dropzone: $('dropzone'),
  fileInput: $('file-input'),
  folderInput: $('folder-input'),
  addFiles: $('add-files'),
  addFolder: $('add-folder'),
  problems: $('problems'),
  list: $('file-list'),
  empty: $('empty-list'),
  totals: $('totals'),
  chips: $('type-chips'),
  overall: $('overall'),
  hashProgress: $('hash-progress'),
  hashLabel: $('hash-label'),
  hashLive: $('hash-live'),
  clearAll: $('clear-all'),
  engineStatus: $('engine-status'),
  netStatus: $('net-status'),
  apiBase: $('api-base'),
  ownOrigin: $('own-origin'),
  form: $('repo-form'),
  submit: $('submit'),
  submitHint: $('submit-hint'),
  upload: $('upload'),
  uploadPhase: $('upload-phase'),
  uploadProgress: $('upload-progress'),
  uploadFigures: $('upload-figures'),
  cancelUpload: $('cancel-upload'),
  pauseUpload: $('pause-upload'),
  error: $('error'),
  result: $('result'),
  preview: $('preview'),
  previewTitle: $('preview-title'),
  previewFacts: $('preview-facts'),
  previewBody: $('preview-body'),
  rowTemplate: $('row-template').content.firstElementChild,
};

const panel = new UploadPanel({
  phase: els.uploadPhase,
  progress: els.uploadProgress,
  figures: els.uploadFigures,
  note: $('upload-note'),
  status: $('upload-status'),
  statusText: $('upload-status-text'),
  countdown: $('upload-countdown'),
  live: $('upload-status-live'),
  pause: els.pauseUpload,
});

const STORE = {
  apiBase: 'oxdrop.api_base',
  namespace: 'oxdrop.namespace',
  authorName: 'oxdrop.author_name',
  authorEmail: 'oxdrop.author_email',
};

// ---------------------------------------------------------------------------
// State

/**
 * One file in the list.
 * @typedef {{path: string, file: File, size: number, state: 'queued'|'hashing'|'done'|'error',
 *   info: any, error: string, done: number, row: HTMLLIElement|null,
 *   controller: AbortController|null,
 *   upload?: {state: 'waiting'|'sending'|'sent'|'present', pct: number}|null}} Entry
 */

/** @type {Map<string, Entry>} in insertion order */
const entries = new Map();
/** @type {Map<string, Set<Entry>>} content hash → entries with that content */
const byHash = new Map();
const queue = []; // entries waiting to be described
let inFlight = 0;
let maxInFlight = 4;
const totals = { unsized: 0, bytes: 0, described: 0, describedBytes: 0, progressBytes: 0, failed: 0, byType: new Map() };

let pool = null;
let engineError = '';
let engineReady = null; // Promise resolved with the pool
let uploading = null; // {abort} while a request is in flight
let idleWaiters = []; // resolved when every file is described

// ---------------------------------------------------------------------------
// Engine

async function startEngine() {
  try {
    const { EnginePool } = await import('./engine/pool.js');
    pool = new EnginePool();
    await pool.ready();
    const n = pool.size ?? pool.workers?.length;
    // Enough files in flight for the pool to keep each worker a batch ahead
    // (see engine/pool.js); the rest wait here, without an AbortController.
    maxInFlight = Math.max(2, Number.isFinite(n) ? n : navigator.hardwareConcurrency || 2) * 48;
    setEngineStatus('ready', Number.isFinite(n) ? `Engine ready · ${n} ${n === 1 ? 'worker' : 'workers'}` : 'Engine ready');
    pump();
    validateNameField(els.form.elements.namespace, true);
    validateNameField(els.form.elements.repo_name, true);
    return pool;
  } catch (err) {
    engineError = err?.message || String(err);
    setEngineStatus('error', 'The engine could not start');
    showError(`The file engine could not start, so files cannot be hashed: ${engineError}. Reload the page; if it keeps failing, this browser may not support WebAssembly in workers.`);
    throw err;
  }
}

function setEngineStatus(state, text) {
  els.engineStatus.dataset.state = state;
  els.engineStatus.textContent = text;
}

// ---------------------------------------------------------------------------
// Adding files

/**
 * Adds collected files: new paths get a row, a path already listed is
 * replaced. Work is done in slices of a few milliseconds with a yield to the
 * browser between them, and File.size is never read here: in Chromium it
 * is a synchronous round trip to the browser process for a file picked from
 * disk, which, queued behind the workers' reads, froze the page for seconds
 * with 2,000 files. The size comes from the engine instead (its first
 * progress report or its result). Adds are chained so two drops in a row
 * keep their order.
 */
let adding = Promise.resolve();
function addCollected(collected) {
  if (uploading) {
    refuseWhileUploading();
    return adding;
  }
  adding = adding.then(() => addInSlices(collected)).catch((err) => showProblems([{ path: '', message: `Files could not be added: ${err?.message || err}` }]));
  return adding;
}

const SLICE_MS = 8;

function yieldToBrowser() {
  if (globalThis.scheduler?.yield) return globalThis.scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

// pathProblems asks the engine about the paths of files being added, in
// one batch: the server's own rules (core/repo PathSet, in Go), each path
// against the ones listed and the ones added before it, so a file the
// server would refuse never enters the list. One message per path, "" when
// valid. Without an engine nothing can be hashed or sent, so nothing is
// checked either.
async function pathProblems(paths) {
  const p = await engineReady; // the pool once started, null if it failed
  if (!p) return paths.map(() => '');
  return p.checkPaths(paths, entries.keys());
}

async function addInSlices({ files, problems }) {
  const notes = [...problems];
  const bad = await pathProblems(files.map((f) => f.path));
  let replaced = 0;
  let sliceStart = performance.now();
  for (let i = 0; i < files.length; i++) {
    if (performance.now() - sliceStart > SLICE_MS) {
      scheduleRender();
      pump();
      await yieldToBrowser();
      sliceStart = performance.now();
    }
    const { file, path } = files[i];
    if (bad[i]) {
      notes.push({ path, message: bad[i] });
      continue;
    }
    const old = entries.get(path);
    if (old) {
      replaced++;
      forget(old, true);
    }
    /** @type {Entry} */
    const entry = { path, file, size: null, state: 'queued', info: null, error: '', done: 0, row: old?.row || null, controller: null };
    entries.set(path, entry);
    totals.unsized++;
    if (entry.row) {
      // Keep the row (and its place) for the replacing file.
      dirty.add(entry);
    } else {
      pendingRows.push(entry);
    }
    queue.push(entry);
  }
  if (replaced) notes.push({ path: '', message: `${replaced} ${replaced === 1 ? 'file has' : 'files have'} the same path as one already listed and replaced it.`, info: true });
  showProblems(notes);
  scheduleRender();
  pump();
}

/** s with control, format (bidi, zero-width) and line-separator characters written as ⟨U+XXXX⟩. */
// Files dropped, pasted or picked while an upload runs would not be part of
// it: say so in the problems box instead of ignoring them.
function refuseWhileUploading() {
  showProblems([{ path: '', message: 'Files cannot be added while an upload is running: drop or add them again after it ends.' }]);
}
function visibleChars(s) {
  return s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => `⟨U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

function showProblems(notes) {
  if (!notes.length) return;
  const box = els.problems;
  box.hidden = false;
  box.replaceChildren();
  const head = document.createElement('div');
  head.className = 'problems-head';
  const errors = notes.filter((n) => !n.info).length;
  const title = document.createElement('strong');
  title.textContent = errors ? `${errors} ${errors === 1 ? 'item was' : 'items were'} not added` : 'Note';
  const dismiss = document.createElement('button');
  dismiss.type = 'button';
  dismiss.className = 'btn btn-quiet';
  dismiss.textContent = 'Dismiss';
  dismiss.addEventListener('click', () => {
    box.hidden = true;
    box.replaceChildren();
  });
  head.append(title, dismiss);
  const ul = document.createElement('ul');
  for (const n of notes.slice(0, 200)) {
    const li = document.createElement('li');
    if (n.path) {
      const code = document.createElement('code');
      // The path as it is, but with its invisible and text-direction
      // characters shown (they are often why it was refused), and isolated
      // (dir) so that none of them reorders the message around it.
      code.textContent = visibleChars(n.path);
      code.dir = 'auto';
      li.append(code, ' ');
    }
    li.append(n.message);
    ul.append(li);
  }
  if (notes.length > 200) {
    const li = document.createElement('li');
    li.textContent = `…and ${notes.length - 200} more.`;
    ul.append(li);
  }
  box.append(head, ul);
}

/** Takes an entry out of the state (its row is removed unless keepRow). */
function forget(entry, keepRow = false) {
  entry.controller?.abort();
  entry.controller = null;
  entries.delete(entry.path);
  if (entry.size === null) totals.unsized--;
  else totals.bytes -= entry.size;
  totals.progressBytes -= entry.done;
  if (entry.state === 'done') {
    totals.described--;
    totals.describedBytes -= entry.size;
    const t = entry.info.data_type;
    totals.byType.set(t, (totals.byType.get(t) || 0) - 1);
    const same = byHash.get(entry.info.hash);
    if (same) {
      same.delete(entry);
      if (same.size === 0) byHash.delete(entry.info.hash);
      for (const other of same) dirty.add(other);
    }
  }
  if (entry.state === 'error') totals.failed--;
  const qi = queue.indexOf(entry);
  if (qi >= 0) queue.splice(qi, 1);
  const pi = pendingRows.indexOf(entry);
  if (pi >= 0) pendingRows.splice(pi, 1);
  entry.state = 'removed';
  if (entry.row) {
    unwatchThumbnail(entry.row);
    if (!keepRow) {
      const chunk = entry.row.parentElement;
      entry.row.remove();
      if (chunk && chunk !== els.list && chunk.childElementCount === 0) chunk.remove();
    }
  }
  dirty.delete(entry);
  scheduleRender();
  checkIdle();
}

function removeEntry(entry) {
  const row = entry.row;
  const next =
    row?.nextElementSibling ||
    row?.parentElement?.nextElementSibling?.firstElementChild ||
    row?.previousElementSibling ||
    row?.parentElement?.previousElementSibling?.lastElementChild;
  forget(entry);
  // Keep keyboard focus in the list instead of dropping it on <body>.
  next?.querySelector('.rm')?.focus();
  if (!next) els.addFiles.focus();
}

function clearAll() {
  for (const e of [...entries.values()]) forget(e);
  els.problems.hidden = true;
  scheduleRender();
}

// ---------------------------------------------------------------------------
// Describing (hashing, classifying, metadata) through the engine pool

function pump() {
  if (!pool) return;
  while (inFlight < maxInFlight && queue.length) {
    const entry = queue.shift();
    describe(entry);
  }
}

async function describe(entry) {
  inFlight++;
  // The row still shows it waiting: the engine takes files in batches, and
  // its first progress report (or the result) is what starts the bar.
  entry.state = 'hashing';
  entry.controller = new AbortController();
  const { signal } = entry.controller;
  try {
    const info = await pool.describe(entry.file, entry.path, {
      signal,
      onProgress(done, total) {
        if (entry.state !== 'hashing') return;
        if (entry.size === null && Number.isFinite(total)) setSize(entry, total);
        totals.progressBytes += done - entry.done;
        entry.done = done;
        dirty.add(entry);
        scheduleRender();
      },
    });
    if (entry.state !== 'hashing') return; // removed or replaced meanwhile
    entry.info = info;
    entry.state = 'done';
    if (entry.size === null) setSize(entry, info.size);
    totals.progressBytes += entry.size - entry.done;
    entry.done = entry.size;
    totals.described++;
    totals.describedBytes += entry.size;
    totals.byType.set(info.data_type, (totals.byType.get(info.data_type) || 0) + 1);
    let same = byHash.get(info.hash);
    if (!same) byHash.set(info.hash, (same = new Set()));
    same.add(entry);
    if (same.size > 1) for (const other of same) dirty.add(other);
  } catch (err) {
    if (entry.state !== 'hashing' || signal.aborted) return;
    entry.state = 'error';
    entry.error = err?.message || String(err);
    if (entry.size === null) {
      // Never learnt: count it as 0 bytes, show no size.
      setSize(entry, 0);
      entry.sizeUnknown = true;
    }
    totals.failed++;
  } finally {
    inFlight--;
    entry.controller = null;
    dirty.add(entry);
    scheduleRender();
    pump();
    checkIdle();
  }
}

/** Records a file's size, learnt from the engine. */
function setSize(entry, size) {
  entry.size = size;
  totals.unsized--;
  totals.bytes += size;
}

// Every listed entry is queued, hashing, done or failed, and the totals count
// the last two: this stays O(1) however long the list (it runs per result).
function pendingCount() {
  return entries.size - totals.described - totals.failed;
}

// Each described entry is in exactly one set of byHash, so the number of
// extra copies is the described count minus the number of distinct hashes.
function duplicateCount() {
  return totals.described - byHash.size;
}

function checkIdle() {
  if (!idleWaiters.length || pendingCount() > 0) return;
  const waiters = idleWaiters;
  idleWaiters = [];
  for (const w of waiters) w();
}

async function whenAllDescribed() {
  await adding; // files still being added count too
  if (pendingCount() === 0) return;
  await new Promise((resolve) => idleWaiters.push(resolve));
}

// ---------------------------------------------------------------------------
// Rendering, batched per animation frame

const pendingRows = []; // entries without a row yet, in order
const dirty = new Set(); // entries whose row needs repainting
let frameRequested = false;
const FRAME_BUDGET_MS = 8;

// Results arrive dozens a second; a frame per result pays style, paint and
// layerize each time for a row or two. Once the backlog is drawn, the next
// frame waits until RESULT_GAP_MS after the last one, so a burst of results
// is drawn in one pass. New rows and a backlog still go every frame.
const RESULT_GAP_MS = 100;
let lastFrameAt = -Infinity;

function scheduleRender() {
  if (frameRequested) return;
  frameRequested = true;
  const wait = pendingRows.length ? 0 : lastFrameAt + RESULT_GAP_MS - performance.now();
  if (wait > 0) setTimeout(() => requestAnimationFrame(renderFrame), wait);
  else requestAnimationFrame(renderFrame);
}

function scheduleNextFrame() {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(renderFrame);
}

// Rows live in chunks of CHUNK_ROWS. Each chunk has content-visibility:
// auto, so the browser skips style, layout and paint of every chunk out of
// view: with 10,000 files only the few chunks on screen cost anything. (Per
// row it would cost more than it saves: the browser checks the visibility of
// every such element on each frame.)
const CHUNK_ROWS = 100;
const ROW_HEIGHT = 47; // px, a guess for chunks not yet rendered

function lastChunk() {
  let chunk = els.list.lastElementChild;
  if (!chunk || chunk.childElementCount >= CHUNK_ROWS) {
    chunk = document.createElement('div');
    chunk.className = 'chunk';
    chunk.setAttribute('role', 'presentation');
    els.list.append(chunk);
  }
  return chunk;
}

function renderFrame() {
  frameRequested = false;
  const start = performance.now();
  lastFrameAt = start;
  while (pendingRows.length && performance.now() - start < FRAME_BUDGET_MS) {
    const chunk = lastChunk();
    const frag = document.createDocumentFragment();
    // Small steps, so the time budget is checked often.
    const room = Math.min(20, CHUNK_ROWS - chunk.childElementCount);
    for (let n = 0; n < room && pendingRows.length; n++) frag.append(makeRow(pendingRows.shift()));
    chunk.append(frag);
    chunk.style.containIntrinsicSize = `auto ${chunk.childElementCount * ROW_HEIGHT}px`;
  }
  for (const entry of dirty) {
    if (performance.now() - start > FRAME_BUDGET_MS * 1.5) break;
    dirty.delete(entry);
    if (entry.row && entry.state !== 'removed') paintRow(entry);
  }
  maybeRenderTotals(start);
  if (pendingRows.length || dirty.size) scheduleNextFrame();
}

// Totals, chips, the overall bar and the hints change with every result;
// redrawing them that often only repaints the header for nobody to read.
// They are drawn at most every TOTALS_MS, at once when the list empties or
// the last file is described (the states tests and people wait for), and a
// timer makes sure the last change is never left undrawn.
const TOTALS_MS = 250;
let totalsAt = -Infinity;
let totalsTimer = 0;
let totalsSettled = null; // the "nothing pending" state last drawn, or null

function maybeRenderTotals(now) {
  const settled = entries.size === 0 || pendingCount() === 0;
  const key = settled ? `${entries.size}/${totals.failed}/${totals.bytes}/${byHash.size}` : null;
  const due = now - totalsAt >= TOTALS_MS || (settled && totalsSettled !== key);
  if (!due) {
    totalsTimer ||= setTimeout(() => {
      totalsTimer = 0;
      scheduleRender();
    }, TOTALS_MS - (now - totalsAt));
    return;
  }
  clearTimeout(totalsTimer);
  totalsTimer = 0;
  totalsAt = now;
  totalsSettled = key;
  renderTotals();
}

function makeRow(entry) {
  const li = els.rowTemplate.cloneNode(true);
  li.dataset.path = entry.path;
  const [, name, , , size, , rm] = li.children;
  // Folder and file name apart, so a long folder path is what gets cut
  // short, never the file's own name.
  const cut = entry.path.lastIndexOf('/') + 1;
  if (cut > 0) {
    const dir = document.createElement('span');
    dir.className = 'dir';
    dir.textContent = entry.path.slice(0, cut);
    name.append(dir);
  }
  const base = document.createElement('span');
  base.className = 'base';
  base.textContent = entry.path.slice(cut);
  name.append(base);
  // The two parts are flex items, which would put a space in the computed
  // name; the label keeps the path whole.
  name.setAttribute('aria-label', entry.path);
  name.title = `Preview ${entry.path}`;
  size.textContent = entry.size === null || entry.sizeUnknown ? '' : formatBytes(entry.size);
  rm.setAttribute('aria-label', `Remove ${entry.path}`);
  entry.row = li;
  paintRow(entry);
  return li;
}

function paintRow(entry) {
  const li = entry.row;
  const [icon, name, meta, mime, size, hash] = li.children;
  li.dataset.state = entry.state;
  paintUpload(li, entry.upload);
  size.textContent = entry.size === null || entry.sizeUnknown ? '' : formatBytes(entry.size);
  if (entry.state === 'done') {
    const info = entry.info;
    if (li.dataset.hash !== info.hash) {
      li.dataset.hash = info.hash;
      li.dataset.type = info.data_type;
      li.dataset.mime = info.mime_type;
      if (!icon.classList.contains('has-thumb')) icon.textContent = typeInfo(info.data_type).glyph;
      icon.style.color = typeColour(info.data_type);
      meta.textContent = metadataSummary(info.metadata);
      meta.title = schemaSummary(info.metadata);
      mime.textContent = info.mime_type;
      hash.replaceChildren(info.hash);
      hash.title = `XXH3-128 content hash ${info.hash}`;
      if (info.data_type === 'image') watchThumbnail(li, entry.file, info.metadata?.image);
    }
    const same = byHash.get(info.hash);
    if (same && same.size > 1) {
      li.dataset.duplicate = String(same.size);
      name.setAttribute('aria-label', `${entry.path} (duplicate)`);
      name.title = `Same content as ${same.size - 1} other ${same.size === 2 ? 'file' : 'files'}: ${[...same].filter((e) => e !== entry).slice(0, 5).map((e) => e.path).join(', ')}`;
    } else {
      delete li.dataset.duplicate;
      name.setAttribute('aria-label', entry.path);
      name.title = `Preview ${entry.path}`;
    }
    return;
  }
  // Not described (yet): clear what a replaced file left behind.
  delete li.dataset.hash;
  delete li.dataset.type;
  delete li.dataset.mime;
  delete li.dataset.duplicate;
  icon.classList.remove('has-thumb');
  icon.textContent = '';
  meta.textContent = '';
  mime.textContent = '';
  if (entry.state === 'error') {
    hash.textContent = `Could not read: ${entry.error}`;
    hash.title = entry.error;
    return;
  }
  const frac = entry.size > 0 ? entry.done / entry.size : 0; // 0 while the size is unknown
  let bar = hash.firstElementChild;
  if (!bar || !bar.classList.contains('bar')) {
    bar = document.createElement('span');
    bar.className = 'bar';
    bar.append(document.createElement('span'));
    hash.replaceChildren(bar);
    hash.title = '';
  }
  bar.dataset.waiting = entry.state === 'queued' || (entry.state === 'hashing' && entry.done === 0) ? 'true' : 'false';
  bar.firstElementChild.style.transform = `scaleX(${Math.min(1, frac)})`;
}

// A row's part in a resumable upload: data-upload (waiting, sending, sent,
// present: the server had it), --up (the line along the row's bottom) and
// a short label where the hidden remove button was.
const UPLOAD_LABELS = { waiting: ['–', 'Waiting to be sent'], sent: ['✓', 'Sent'], present: ['✓', 'Already on the server: not sent'] };
function paintUpload(li, upload) {
  let label = li.lastElementChild?.classList.contains('up') ? li.lastElementChild : null;
  if (!upload) {
    if (!label) return;
    label.remove();
    delete li.dataset.upload;
    li.style.removeProperty('--up');
    return;
  }
  if (!label) {
    label = document.createElement('span');
    label.className = 'up';
    li.append(label);
  }
  const [text, title] = upload.state === 'sending' ? [`${upload.pct}%`, `Sending: ${upload.pct} % sent`] : UPLOAD_LABELS[upload.state];
  li.dataset.upload = upload.state;
  li.style.setProperty('--up', String(upload.state === 'sending' ? upload.pct / 100 : upload.state === 'waiting' ? 0 : 1));
  label.textContent = text;
  label.title = title;
}

let lastLive = '';
function renderTotals() {
  const count = entries.size;
  els.empty.hidden = count > 0;
  document.body.classList.toggle('has-files', count > 0);
  els.clearAll.disabled = count === 0 || !!uploading;
  if (count === 0) {
    els.totals.textContent = 'None yet';
    els.chips.replaceChildren();
    els.overall.hidden = true;
    setLive('');
    updateSubmitHint();
    return;
  }
  const bytes = totals.unsized ? `${formatBytes(totals.bytes)} so far` : formatBytes(totals.bytes);
  els.totals.textContent = `${formatCount(count)} ${count === 1 ? 'file' : 'files'} · ${bytes}`;
  // Chips: how many of each type, then duplicates and failures.
  const chips = [];
  for (const { type, glyph, label } of DATA_TYPES) {
    const n = totals.byType.get(type) || 0;
    if (n > 0) chips.push([type, `${glyph} ${formatCount(n)} ${label.toLowerCase()}`]);
  }
  const dupes = duplicateCount();
  if (dupes) chips.push(['dup', `${formatCount(dupes)} duplicate${dupes === 1 ? '' : 's'}`]);
  if (totals.failed) chips.push(['failed', `${formatCount(totals.failed)} unreadable`]);
  const key = chips.map((c) => c[1]).join('|');
  if (els.chips.dataset.key !== key) {
    els.chips.dataset.key = key;
    els.chips.replaceChildren(
      ...chips.map(([t, text]) => {
        const li = document.createElement('li');
        li.className = `chip chip-${t}`;
        li.textContent = text;
        return li;
      }),
    );
  }
  const pending = count - totals.described - totals.failed;
  els.overall.hidden = false;
  // By bytes once every size is known, by files before that.
  const frac = totals.unsized ? (count - pending) / count : totals.bytes > 0 ? totals.progressBytes / totals.bytes : pending === 0 ? 1 : 0;
  els.hashProgress.value = Math.max(0, Math.min(1, frac));
  if (pending > 0) {
    els.hashLabel.textContent = pool
      ? `Hashing ${formatCount(totals.described + totals.failed)} of ${formatCount(count)} files · ${formatBytes(totals.progressBytes)}${totals.unsized ? '' : ` of ${formatBytes(totals.bytes)}`}`
      : engineError
        ? 'The engine is not running'
        : 'Waiting for the engine…';
    setLive(`Hashing ${formatCount(count)} files`);
  } else {
    els.hashLabel.textContent = `${count === 1 ? '1 file' : `All ${formatCount(count)} files`} hashed${totals.failed ? `, ${formatCount(totals.failed)} could not be read` : ''}`;
    setLive(els.hashLabel.textContent);
  }
  updateSubmitHint();
}

function setLive(text) {
  // Polite announcements only when the phase changes, not on every frame.
  if (text === lastLive) return;
  lastLive = text;
  els.hashLive.textContent = text;
}

// ---------------------------------------------------------------------------
// Preview dialog

let previewState = null; // {entry, urls, controller}

function openPreview(entry) {
  closePreviewContent();
  const controller = new AbortController();
  previewState = { entry, urls: [], controller, opener: document.activeElement };
  els.previewTitle.textContent = entry.path;
  els.previewFacts.textContent = previewFacts(entry);
  els.previewBody.replaceChildren();
  if (!els.preview.open) els.preview.showModal();
  const ctx = { pool, urls: previewState.urls, signal: controller.signal };
  const state = previewState;
  const loading = document.createElement('p');
  loading.className = 'preview-note';
  loading.textContent = 'Loading preview…';
  els.previewBody.append(loading);
  const body = document.createElement('div');
  body.className = 'preview-content';
  renderPreview(body, entry, ctx)
    .catch((err) => {
      const p = document.createElement('p');
      p.className = 'preview-note';
      p.textContent = `No preview: ${err?.message || err}`;
      body.append(p);
    })
    .finally(() => {
      if (previewState !== state) return;
      loading.remove();
      els.previewBody.append(body);
    });
}

function closePreviewContent() {
  if (!previewState) return;
  previewState.controller.abort();
  // Stop media before revoking, so no decoder keeps the blob alive.
  for (const m of els.previewBody.querySelectorAll('audio, video')) {
    m.pause();
    m.removeAttribute('src');
    m.load();
  }
  for (const url of previewState.urls) URL.revokeObjectURL(url);
  els.previewBody.replaceChildren();
  const opener = previewState.opener;
  previewState = null;
  return opener;
}

function stepPreview(delta) {
  if (!previewState) return;
  const list = [...entries.values()].filter((e) => e.row);
  const i = list.indexOf(previewState.entry);
  const next = list[(i + delta + list.length) % list.length];
  if (next) {
    const opener = previewState.opener;
    openPreview(next);
    previewState.opener = next.row?.querySelector('.name') || opener;
  }
}

// ---------------------------------------------------------------------------
// Form: live validation and remembered fields

function debounce(fn, ms) {
  let t = 0;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

async function validateNameField(input, quiet = false) {
  const msg = $(`${input.name}-msg`);
  const value = input.value;
  if (!value) {
    input.setCustomValidity('');
    input.removeAttribute('aria-invalid');
    msg.textContent = '';
    msg.className = 'field-msg';
    return quiet; // empty: fine while typing, a problem on submit
  }
  if (!pool) return true; // checked again once the engine is up
  let problem = '';
  try {
    problem = await pool.validateName(value);
  } catch (err) {
    problem = err?.message || String(err);
  }
  if (input.value !== value) return false; // typed on meanwhile
  input.setCustomValidity(problem);
  if (problem) {
    input.setAttribute('aria-invalid', 'true');
    msg.textContent = friendlyNameProblem(problem);
    msg.className = 'field-msg bad';
  } else {
    input.removeAttribute('aria-invalid');
    msg.textContent = '';
    msg.className = 'field-msg';
  }
  return !problem;
}

function friendlyNameProblem(problem) {
  // The core speaks Oxen's words; add what to do about the pattern (the
  // length message says it all).
  if (!problem.includes('Must match')) return problem;
  return `${problem} Use at least two letters, digits, “_”, “.” or “-”, starting with a letter or digit.`;
}

function remember(key, value) {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    // Storage can be disabled (private mode): the form still works.
  }
}

function recall(key) {
  try {
    return localStorage.getItem(key) || '';
  } catch {
    return '';
  }
}

function updateSubmitHint() {
  if (uploading) return;
  const pending = pendingCount();
  let hint = '';
  if (entries.size === 0) hint = 'Add files first, or create an empty repository.';
  else if (totals.failed) hint = `${totals.failed} ${totals.failed === 1 ? 'file' : 'files'} could not be read: remove ${totals.failed === 1 ? 'it' : 'them'} to continue.`;
  else if (pending) hint = `${formatCount(pending)} ${pending === 1 ? 'file is' : 'files are'} still being hashed; you can submit now and the upload starts when they are done.`;
  else hint = `${formatCount(entries.size)} ${entries.size === 1 ? 'file' : 'files'}, ${formatBytes(totals.bytes)}, in one commit.`;
  if (els.submitHint.textContent !== hint) els.submitHint.textContent = hint;
}

// ---------------------------------------------------------------------------
// Creating the repository

function showError(message) {
  els.error.textContent = message;
  els.error.hidden = !message;
}

function formValues() {
  const f = els.form.elements;
  return {
    namespace: f.namespace.value.trim(),
    name: f.repo_name.value.trim(),
    description: f.description.value,
    authorName: f.author_name.value.trim(),
    authorEmail: f.author_email.value.trim(),
    token: f.token.value.trim(),
  };
}

async function checkForm() {
  const f = els.form.elements;
  const problems = [];
  for (const input of [f.namespace, f.repo_name]) {
    input.value = input.value.trim();
    if (!input.value) {
      problems.push([input, `${labelOf(input)} is required.`]);
      continue;
    }
    if (!(await validateNameField(input))) problems.push([input, $(`${input.name}-msg`).textContent]);
  }
  for (const input of [f.author_name, f.author_email]) {
    const msg = $(`${input.name}-msg`);
    let problem = '';
    if (!input.value.trim()) problem = `${labelOf(input)} is required: it is the commit's author.`;
    else if (input === f.author_email && !/^[^\s@]+@[^\s@]+$/.test(input.value.trim())) problem = 'This does not look like an email address.';
    else if (pool) {
      // The server's own rule (255 bytes, no control characters), from the engine.
      const rule = await pool.validateAuthor(input === f.author_name ? input.value.trim() : '', input === f.author_email ? input.value.trim() : '').catch((err) => err?.message || String(err));
      if (rule) problem = `${rule[0].toUpperCase()}${rule.slice(1)}.`;
    }
    msg.textContent = problem;
    msg.className = problem ? 'field-msg bad' : 'field-msg';
    if (problem) {
      input.setAttribute('aria-invalid', 'true');
      problems.push([input, problem]);
    } else input.removeAttribute('aria-invalid');
  }
  return problems;
}

function labelOf(input) {
  return input.labels?.[0]?.textContent.replace(/optional.*$/, '').trim() || input.name;
}

async function onSubmit(event) {
  event.preventDefault();
  if (uploading) return;
  showError('');
  els.result.hidden = true;
  const problems = await checkForm();
  if (problems.length) {
    showError(problems.length === 1 ? problems[0][1] : `Please fix ${problems.length} fields: ${problems.map((p) => p[1].replace(/[.\s]*$/, '.')).join(' ')}`);
    problems[0][0].focus();
    return;
  }
  if (engineError) {
    showError(`Files cannot be hashed because the engine did not start (${engineError}). Reload the page.`);
    return;
  }
  const form = formValues();
  remember(STORE.namespace, form.namespace);
  remember(STORE.authorName, form.authorName);
  remember(STORE.authorEmail, form.authorEmail);

  setUploading(true);
  // Cancel works while waiting for hashes too: it wins the race below.
  let cancelWait;
  const cancelled = new Promise((resolve) => (cancelWait = () => resolve('cancelled')));
  uploading = { abort: () => cancelWait() };
  if (pendingCount() > 0 || pendingRows.length) {
    panel.begin(`Waiting for ${formatCount(pendingCount())} files to finish hashing…`);
    if ((await Promise.race([whenAllDescribed(), cancelled])) === 'cancelled') {
      setUploading(false);
      showError('Upload cancelled. Nothing was sent.');
      return;
    }
  }
  if (totals.failed) {
    setUploading(false);
    showError(`${totals.failed} ${totals.failed === 1 ? 'file' : 'files'} could not be read, so ${totals.failed === 1 ? 'it has' : 'they have'} no hash. Remove ${totals.failed === 1 ? 'it' : 'them'} from the list and try again.`);
    return;
  }
  const files = [...entries.values()].map((e) => ({ file: e.file, path: e.path, hash: e.info.hash, info: e.info, size: e.info.size }));
  // Refuse here what the server would refuse only after much of the body was
  // sent (and, past its drain bound, with a reset the browser calls a network
  // error). No limits known (an Oxen server, say): send as before.
  panel.begin('Checking the server’s limits…');
  const limits = await Promise.race([fetchLimits(els.apiBase.value), cancelled]);
  if (limits === 'cancelled') {
    setUploading(false);
    showError('Upload cancelled. Nothing was sent.');
    return;
  }
  // A small drop goes as one request; the others in pieces, which the
  // server takes up to its per-file limit whatever their total.
  const inPieces = !isSmallDrop(files);
  const tooBig = limitProblem(limits, files, { inPieces });
  if (tooBig) {
    setUploading(false);
    showError(tooBig);
    return;
  }
  return inPieces ? sendInPieces(form, files) : sendOneRequest(form, files, limits);
}

/** The drop as one multipart request (buildPayload). */
async function sendOneRequest(form, files, limits) {
  const payload = buildPayload(form, files);
  const url = apiURL(els.apiBase.value, '/api/repos');
  panel.phase(`Uploading ${formatCount(files.length)} ${files.length === 1 ? 'file' : 'files'}`);
  els.uploadProgress.value = 0;
  const req = send(url, payload, {
    token: form.token,
    onProgress(loaded, total) {
      if (loaded === Infinity) panel.sent('Sent. The server is checking the hashes and writing the commit…');
      else panel.progress(loaded, total > 0 ? total : totals.bytes || 1);
    },
  });
  uploading = req;
  let answer;
  try {
    answer = await req.promise;
  } catch (err) {
    setUploading(false);
    const hint = err instanceof UploadError && err.kind === 'network' ? networkLimitHint(limits, totals.bytes) : '';
    showError((err instanceof UploadError ? err.message : `The upload failed: ${err?.message || err}`) + hint);
    return;
  }
  setUploading(false);
  showAnswer(answer, files, form);
}

/**
 * The drop in pieces (docs/uploads.md): plan, blobs, commit, with Pause,
 * Resume, Cancel and retries; each row shows how much of its content is
 * sent. A server without resumable uploads (404 or 405 to the plan) gets
 * the one request instead.
 */
async function sendInPieces(form, files) {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const upload = new ResumableUpload({
    url: (p) => apiURL(els.apiBase.value, p),
    token: form.token,
    form,
    files,
    hooks: {
      onPhase(phase) {
        if (uploading?.upload !== upload) return;
        if (phase === 'planning') panel.phase('Checking the name and which files the server already has…');
        if (phase === 'sending') els.pauseUpload.hidden = false;
        if (phase === 'committing') {
          if (document.activeElement === els.pauseUpload) els.cancelUpload.focus();
          els.pauseUpload.hidden = true;
          panel.sent('Sent. The server is checking the hashes and writing the commit…');
        }
      },
      onPlan({ sending, bytes, present }) {
        if (uploading?.upload !== upload) return;
        const n = files.filter((f) => sending.has(f.hash)).length;
        panel.phase(n ? `Uploading ${formatCount(n)} ${n === 1 ? 'file' : 'files'} (${formatBytes(bytes)})` : 'Nothing to send');
        panel.note(presentNote(present, files.length));
        els.uploadProgress.value = 0;
        for (const f of files) if (!sending.has(f.hash)) markUpload(f.hash, 'present', 1);
      },
      onProgress(loaded, total, skipped) {
        if (uploading?.upload === upload) panel.progress(loaded, total, skipped);
      },
      onBlob(hash, state, loaded, size) {
        if (uploading?.upload === upload) markUpload(hash, state, size > 0 ? loaded / size : 1);
      },
      onWait(wait) {
        if (uploading?.upload !== upload) return;
        if (!wait) return panel.wait(null);
        const e = wait.error;
        panel.wait(wait.until, e.kind === 'network' ? 'Connection lost, retrying' : `The server answered HTTP ${e.status}, retrying`);
      },
    },
  });
  uploading = { abort: () => upload.cancel(), upload };
  let answer;
  try {
    answer = await upload.run();
  } catch (err) {
    setUploading(false);
    if (err instanceof RequestError && err.where === 'plan' && (err.status === 404 || err.status === 405)) {
      setUploading(true);
      return sendOneRequest(form, files, null);
    }
    showError(explainPieces(err, form, byPath));
    if (err?.status === 409 && err.where === 'plan') els.form.elements.repo_name.focus();
    if (err?.status === 401 || err?.status === 403) els.form.elements.token.focus();
    return;
  }
  setUploading(false);
  showAnswer(answer, files, form);
}

/** The plain words for a resumable upload that stopped. */
function explainPieces(err, form, byPath) {
  if (err instanceof UploadError) return err.message;
  if (!(err instanceof RequestError)) return `The upload failed: ${err?.message || err}`;
  if (err.kind === 'network') return 'The server could not be reached. Check the connection and the server address in Settings, then try again.';
  const said = serverMessage(err.body, err.text);
  if (err.where === 'plan' && err.status === 409) return `${explainStatus(409, err.body, err.text, { name: form.name })}${said ? ` The server says: ${said.replace(/[.\s]*$/, '.')}` : ''}`;
  if (err.where === 'blob' && err.status === 404) return 'The upload is no longer on the server (it expired or was cancelled). Press Create repository to start it again: what was sent is kept.';
  if (err.where === 'blob' && err.status === 400) return `The server refused “${byPath.get(err.path)?.path ?? err.path}”: ${said || 'it says the piece is invalid'}. If the file changed since it was hashed, add it again.`;
  return explainStatus(err.status, err.body, err.text, { name: form.name });
}

/** A creation's answer (either way of sending): the result, or the error in plain words. */
function showAnswer(answer, files, form) {
  if (answer.status >= 200 && answer.status < 300 && answer.body?.repository) {
    showResult(answer.body, files);
    return;
  }
  showError(explainStatus(answer.status, answer.body, answer.text, { name: form.name }));
  if (answer.status === 409) els.form.elements.repo_name.focus();
  if (answer.status === 401 || answer.status === 403) els.form.elements.token.focus();
}

/** A content's upload state on every row that holds it (duplicates share it). */
function markUpload(hash, state, frac) {
  for (const entry of byHash.get(hash) || []) {
    const pct = Math.floor(frac * 100);
    if (entry.upload?.state === state && entry.upload.pct === pct) continue;
    entry.upload = { state, pct };
    dirty.add(entry);
  }
  scheduleRender();
}

function setUploading(on) {
  els.upload.hidden = !on;
  if (!on) {
    panel.end();
    els.pauseUpload.hidden = true;
    for (const entry of entries.values()) {
      if (!entry.upload) continue;
      entry.upload = null;
      dirty.add(entry);
    }
    scheduleRender();
  }
  els.submit.disabled = on;
  els.form.inert = on;
  els.form.setAttribute('aria-busy', on ? 'true' : 'false');
  document.body.classList.toggle('is-uploading', on);
  if (!on) uploading = null;
  els.clearAll.disabled = on || entries.size === 0;
  if (on) els.cancelUpload.focus();
  // Cancel (or the end of the upload) hides the focused Cancel button: give
  // the focus to the Create button rather than let it fall to <body>.
  else if (els.upload.contains(document.activeElement) || document.activeElement === document.body) els.submit.focus();
}

function showResult(body, files) {
  const repo = body.repository;
  const commit = repo.latest_commit;
  $('result-name').textContent = `${repo.namespace}/${repo.name}`;
  const code = $('result-commit');
  if (commit?.id) {
    code.textContent = commit.id;
    code.dataset.commitId = commit.id;
    code.title = `${commit.message} by ${commit.author} <${commit.email}> at ${commit.timestamp}`;
  } else {
    code.textContent = 'none (the repository is empty)';
    code.dataset.commitId = '';
  }
  const link = $('result-link');
  link.href = apiURL(els.apiBase.value, `/api/repos/${encodeURIComponent(repo.namespace)}/${encodeURIComponent(repo.name)}`);
  link.textContent = link.href;

  // Compare every server hash with the one computed here.
  const server = Array.isArray(body.metadata_entries) ? body.metadata_entries : [];
  const byPath = new Map();
  server.forEach((e, i) => byPath.set(e.resource?.path || files[i]?.path || e.filename, e));
  const mismatches = [];
  const missing = [];
  const tbody = $('result-table').tBodies[0];
  tbody.replaceChildren();
  const frag = document.createDocumentFragment();
  for (const f of files) {
    const e = byPath.get(f.path);
    const tr = document.createElement('tr');
    const cells = [f.path, e?.data_type ?? '–', e ? formatBytes(e.size) : '–', e?.hash ?? 'missing'];
    cells.forEach((text, i) => {
      const td = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) td.scope = 'row';
      if (i === 2) td.className = 'num';
      if (i === 3) td.className = 'mono';
      td.textContent = text;
      tr.append(td);
    });
    if (!e) missing.push(f.path);
    else if (e.hash !== f.hash) {
      mismatches.push({ path: f.path, browser: f.hash, server: e.hash });
      tr.className = 'mismatch';
    }
    frag.append(tr);
  }
  tbody.append(frag);
  $('result-entries-title').textContent = `Entries (${formatCount(server.length)})`;
  const verify = $('result-verify');
  verify.replaceChildren();
  if (mismatches.length || (server.length && missing.length)) {
    verify.className = 'verify bad';
    const lines = [];
    if (mismatches.length) lines.push(`${mismatches.length} ${mismatches.length === 1 ? 'file arrived' : 'files arrived'} with a different hash than this browser computed: ${mismatches.map((m) => `${m.path} (browser ${m.browser}, server ${m.server})`).join('; ')}. The data may have changed on disk or in transit.`);
    if (server.length && missing.length) lines.push(`${missing.length} ${missing.length === 1 ? 'file is' : 'files are'} missing from the server's answer: ${missing.slice(0, 20).join(', ')}.`);
    verify.textContent = `Warning: ${lines.join(' ')}`;
    // Also in the page's one alert, so it cannot be missed.
    showError(`The repository was created, but the hash check failed: ${lines.join(' ')}`);
  } else if (server.length) {
    verify.className = 'verify ok';
    verify.textContent = `✓ All ${formatCount(files.length)} server hashes match the ones computed in this browser.`;
  } else {
    verify.className = 'verify';
    verify.textContent = files.length ? 'The server did not list its entries, so hashes could not be compared.' : 'The repository was created empty.';
  }
  els.result.hidden = false;
  els.result.focus();
}

// ---------------------------------------------------------------------------
// Wiring

function wire() {
  // Drop anywhere on the page; the drop zone lights up while dragging.
  let dragDepth = 0;
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  window.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth++;
    document.body.classList.add('is-dragging');
  });
  window.addEventListener('dragleave', () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) document.body.classList.remove('is-dragging');
  });
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('drop', (e) => {
    dragDepth = 0;
    document.body.classList.remove('is-dragging');
    if (!e.dataTransfer) return;
    e.preventDefault();
    if (uploading) return refuseWhileUploading();
    fromDataTransfer(e.dataTransfer).then(addCollected, (err) => showProblems([{ path: '', message: `The drop could not be read: ${err?.message || err}` }]));
  });

  els.addFiles.addEventListener('click', () => els.fileInput.click());
  els.addFolder.addEventListener('click', () => els.folderInput.click());
  for (const input of [els.fileInput, els.folderInput]) {
    input.addEventListener('change', () => {
      addCollected(fromFileList(input.files));
      input.value = ''; // so choosing the same files again fires change
    });
  }
  document.addEventListener('paste', (e) => {
    const got = fromClipboard(e.clipboardData);
    if (!got.files.length) return; // ordinary text paste into a field
    e.preventDefault();
    addCollected(got);
  });

  els.list.addEventListener('click', (e) => {
    const button = e.target.closest('button');
    const row = e.target.closest('.row');
    if (!button || !row) return;
    const entry = entries.get(row.dataset.path);
    if (!entry) return;
    if (button.classList.contains('rm')) removeEntry(entry);
    else if (button.classList.contains('name')) openPreview(entry);
  });
  els.clearAll.addEventListener('click', clearAll);

  els.preview.addEventListener('close', () => {
    const opener = closePreviewContent();
    if (opener?.isConnected) opener.focus();
  });
  $('preview-close').addEventListener('click', () => els.preview.close());
  $('preview-prev').addEventListener('click', () => stepPreview(-1));
  $('preview-next').addEventListener('click', () => stepPreview(1));
  els.preview.addEventListener('keydown', (e) => {
    if (e.target.closest('audio, video')) return;
    if (e.key === 'ArrowRight') stepPreview(1);
    else if (e.key === 'ArrowLeft') stepPreview(-1);
  });
  // A click on the backdrop (outside the dialog box) closes it.
  els.preview.addEventListener('click', (e) => {
    if (e.target === els.preview) els.preview.close();
  });

  // Remembered fields.
  const f = els.form.elements;
  f.namespace.value = recall(STORE.namespace);
  f.author_name.value = recall(STORE.authorName);
  f.author_email.value = recall(STORE.authorEmail);
  els.apiBase.value = recall(STORE.apiBase);
  els.ownOrigin.textContent = location.origin;
  els.apiBase.addEventListener('change', () => remember(STORE.apiBase, els.apiBase.value.trim()));
  f.author_name.addEventListener('change', () => remember(STORE.authorName, f.author_name.value.trim()));
  f.author_email.addEventListener('change', () => remember(STORE.authorEmail, f.author_email.value.trim()));
  for (const input of [f.namespace, f.repo_name]) {
    const check = debounce(() => validateNameField(input, true), 120);
    input.addEventListener('input', check);
  }
  for (const input of [f.author_name, f.author_email]) {
    input.addEventListener('input', () => {
      input.removeAttribute('aria-invalid');
      $(`${input.name}-msg`).textContent = '';
    });
  }
  els.form.addEventListener('submit', onSubmit);
  els.cancelUpload.addEventListener('click', () => uploading?.abort());
  els.pauseUpload.addEventListener('click', () => {
    const upload = uploading?.upload;
    if (!upload) return;
    if (upload.paused) upload.resume();
    else if (!upload.pause()) return;
    panel.setPaused(upload.paused);
  });
  $('start-over').addEventListener('click', () => {
    els.result.hidden = true;
    clearAll();
    f.repo_name.value = '';
    f.description.value = '';
    showError('');
    els.addFiles.focus();
  });

  const net = () => (els.netStatus.hidden = navigator.onLine);
  window.addEventListener('online', net);
  window.addEventListener('offline', net);
  // A resumable upload waiting to try again tries at once when the
  // connection is back, and stops its pieces when it is gone.
  window.addEventListener('online', () => uploading?.upload?.online());
  window.addEventListener('offline', () => uploading?.upload?.offline());
  net();
  showError('');
}

function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || location.protocol === 'file:') return;
  navigator.serviceWorker.register('sw.js').catch((err) => {
    // The app works without it, only not offline.
    console.warn('oxdrop: service worker not registered:', err);
  });
}

wire();
renderTotals();
engineReady = startEngine().catch(() => null);
registerServiceWorker();

// A small handle for tests and the console; not used by the page itself.
window.oxdrop = {
  entries,
  engineReady,
  get pool() {
    return pool;
  },
};
