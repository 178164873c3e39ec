// What one row of the file list shows. A file's row: its path (folder and
// file name apart, so a long folder path is what gets cut short, never the
// file's name), and, as the engine gets on, its progress bar, then its type
// icon or thumbnail, metadata, mime type, size and hash; a duplicate's
// mark; its part in a resumable upload. data-path, data-hash, data-type and
// data-mime are the page's contract with its tests. A folder's row (when
// the list is grouped): its name, how many files and bytes it holds.
// Rows are reused as the list scrolls (grid.js): resetRow clears one.

import { formatBytes, formatCount, metadataSummary, schemaSummary } from '../../format.js';
import { typeColour, typeInfo } from '../../types.js';
import { unwatchThumbnail, watchThumbnail } from '../../thumbs.js';

/** Points row at another path (rows are reused as the list scrolls). */
export function setPath(row, path) {
  row.dataset.path = path;
  const { name, rm } = parts(row);
  const cut = path.lastIndexOf('/') + 1;
  name.replaceChildren();
  if (cut > 0) {
    const dir = document.createElement('span');
    dir.className = 'dir';
    dir.textContent = path.slice(0, cut);
    name.append(dir);
  }
  const base = document.createElement('span');
  base.className = 'base';
  base.textContent = path.slice(cut);
  name.append(base);
  // The two parts are flex items, which would put a space in the computed
  // name; the label keeps the path whole.
  name.setAttribute('aria-label', path);
  name.title = `Preview ${path}`;
  rm.setAttribute('aria-label', `Remove ${path}`);
}

function parts(row) {
  const q = (c) => row.querySelector(c);
  return { icon: q('.ic'), name: q('.name'), meta: q('.meta'), mime: q('.mime'), size: q('.size'), hash: q('.hash'), rm: q('.rm') };
}

/** Draws entry's state into its row. */
export function paintRow(row, entry, store) {
  const { icon, name, meta, mime, size, hash } = parts(row);
  row.dataset.state = entry.state;
  paintUpload(row, entry.upload);
  size.textContent = entry.size === null || entry.sizeUnknown ? '' : formatBytes(entry.size);
  if (entry.state === 'done') {
    const info = entry.info;
    if (row.dataset.hash !== info.hash) {
      row.dataset.hash = info.hash;
      row.dataset.type = info.data_type;
      row.dataset.mime = info.mime_type;
      if (!icon.classList.contains('has-thumb')) icon.textContent = typeInfo(info.data_type).glyph;
      icon.style.color = typeColour(info.data_type);
      meta.textContent = metadataSummary(info.metadata);
      meta.title = schemaSummary(info.metadata);
      mime.textContent = info.mime_type;
      hash.replaceChildren(info.hash);
      hash.title = `XXH3-128 content hash ${info.hash}`;
      if (info.data_type === 'image' && entry.file) watchThumbnail(row, entry.file, info.metadata?.image);
    }
    const same = store.sameContent(entry);
    if (same && same.size > 1) {
      row.dataset.duplicate = String(same.size);
      name.setAttribute('aria-label', `${entry.path} (duplicate)`);
      name.title = `Same content as ${same.size - 1} other ${same.size === 2 ? 'file' : 'files'}: ${[...same].filter((e) => e !== entry).slice(0, 5).map((e) => e.path).join(', ')}`;
    } else {
      delete row.dataset.duplicate;
      name.setAttribute('aria-label', entry.path);
      name.title = `Preview ${entry.path}`;
    }
    return;
  }
  // Not described (yet): clear what a replaced file left behind.
  delete row.dataset.hash;
  delete row.dataset.type;
  delete row.dataset.mime;
  delete row.dataset.duplicate;
  unwatchThumbnail(row);
  icon.classList.remove('has-thumb');
  icon.textContent = '';
  meta.textContent = '';
  meta.title = '';
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

function paintUpload(row, upload) {
  const holder = row.querySelector('.c-rm');
  let label = holder.querySelector('.up');
  if (!upload) {
    if (!label) return;
    label.remove();
    delete row.dataset.upload;
    row.style.removeProperty('--up');
    return;
  }
  if (!label) {
    label = document.createElement('span');
    label.className = 'up';
    holder.append(label);
  }
  const [text, title] = upload.state === 'sending' ? [`${upload.pct}%`, `Sending: ${upload.pct} % sent`] : UPLOAD_LABELS[upload.state];
  row.dataset.upload = upload.state;
  row.style.setProperty('--up', String(upload.state === 'sending' ? upload.pct / 100 : upload.state === 'waiting' ? 0 : 1));
  label.textContent = text;
  label.title = title;
}

/** Clears what a row showed, before it shows another file. */
export function resetRow(row) {
  unwatchThumbnail(row);
  for (const k of Object.keys(row.dataset)) delete row.dataset[k];
  row.style.removeProperty('--up');
  row.querySelector('.up')?.remove();
  const icon = row.querySelector('.ic');
  icon.classList.remove('has-thumb');
  icon.replaceChildren();
  icon.style.color = '';
}

/** Draws a folder of the tree: its name, and how many files and bytes are under it. */
export function paintFolder(row, folder) {
  const { icon, name, meta, size } = parts(row);
  let bytes = 0;
  for (const e of folder.files) bytes += e.size ?? 0;
  const n = folder.files.length;
  row.dataset.folder = folder.key;
  row.setAttribute('aria-expanded', String(folder.expanded));
  icon.textContent = folder.expanded ? '▾' : '▸';
  name.textContent = `${folder.name}/`;
  name.setAttribute('aria-label', `Folder ${folder.key}, ${n === 1 ? '1 file' : `${formatCount(n)} files`}`);
  name.title = `${folder.expanded ? 'Close' : 'Open'} ${folder.key}`;
  meta.textContent = `${formatCount(n)} ${n === 1 ? 'file' : 'files'}`;
  size.textContent = formatBytes(bytes);
}
