// What the preview dialog shows for one file. A File (any Blob) is read on
// this device: nothing is fetched or sent. The repository view passes a
// stored file instead (repoview/source.js: size, slice(a, b) whose
// arrayBuffer() and text() fetch those bytes with a Range request, blob()
// for the engine, url): then only the bytes shown are fetched, and images,
// video and audio load from its url. Text is always inserted as text
// (textContent), never parsed as HTML, and every object URL made here is
// handed back through `urls` so the caller revokes it when the dialog closes.

import { formatBytes, metadataSummary, schemaSummary, tableCaption } from './format.js';

const TEXT_HEAD = 4096;
const HEX_HEAD = 512;
const MAX_IMAGE_W = 1200;
const MAX_IMAGE_H = 900;
const TABLE_ROWS = 20;
const CELL_MAX = 300;

const local = (file) => file instanceof Blob;

function objectURL(file, ctx) {
  const url = URL.createObjectURL(file);
  ctx.urls.push(url);
  return url;
}

/**
 * Fills `body` with a preview of entry ({file, path, info}).
 * @param {{pool: any, urls: string[], signal: AbortSignal}} ctx
 */
export async function renderPreview(body, entry, ctx) {
  const info = entry.info;
  const type = info?.data_type;
  if (type === 'image') return imagePreview(body, entry, ctx);
  if (type === 'video' || type === 'audio') return mediaPreview(body, entry, ctx, type);
  if (type === 'tabular') {
    const shown = await tablePreview(body, entry, ctx);
    if (shown) return;
    return textPreview(body, entry.file, ctx);
  }
  if (type === 'text') return textPreview(body, entry.file, ctx);
  return hexPreview(body, entry.file, ctx);
}

/** A short line of facts for the dialog's header. */
export function previewFacts(entry) {
  const info = entry.info;
  const parts = [formatBytes(entry.size ?? entry.info?.size)];
  if (info) {
    parts.push(info.mime_type);
    const summary = metadataSummary(info.metadata);
    if (summary) parts.push(summary);
  }
  return parts.join(' · ');
}

async function imagePreview(body, entry, ctx) {
  const dims = entry.info?.metadata?.image;
  // A known size lets the browser decode straight to a downscaled bitmap, so
  // a 100-megapixel photo never sits in memory at full size.
  if (local(entry.file) && dims && dims.width > 0 && dims.height > 0 && typeof createImageBitmap === 'function') {
    const scale = Math.min(1, MAX_IMAGE_W / dims.width, MAX_IMAGE_H / dims.height);
    const w = Math.max(1, Math.round(dims.width * scale));
    const h = Math.max(1, Math.round(dims.height * scale));
    try {
      const bitmap = await createImageBitmap(entry.file, { resizeWidth: w, resizeHeight: h, resizeQuality: 'high' });
      if (ctx.signal.aborted) {
        bitmap.close();
        return;
      }
      const canvas = document.createElement('canvas');
      canvas.width = w;
      canvas.height = h;
      canvas.className = 'preview-image';
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `Image ${entry.path}, ${dims.width} by ${dims.height} pixels`);
      canvas.getContext('2d').drawImage(bitmap, 0, 0);
      bitmap.close();
      body.append(canvas);
      return;
    } catch {
      // Not decodable as a bitmap (TIFF, HEIF in Chromium): try an <img>.
    }
  }
  const url = local(entry.file) ? objectURL(entry.file, ctx) : entry.file.url;
  const img = document.createElement('img');
  img.className = 'preview-image';
  img.alt = `Image ${entry.path}`;
  img.decoding = 'async';
  img.src = url;
  img.onerror = () => {
    img.remove();
    note(body, 'This browser cannot display this image format. Its hash and details are still correct.');
  };
  body.append(img);
}

function mediaPreview(body, entry, ctx, kind) {
  const url = local(entry.file) ? objectURL(entry.file, ctx) : entry.file.url;
  const el = document.createElement(kind);
  el.controls = true;
  el.preload = 'metadata';
  el.className = `preview-${kind}`;
  el.setAttribute('aria-label', `${kind === 'video' ? 'Video' : 'Audio'} ${entry.path}`);
  el.src = url;
  el.onerror = () => note(body, `This browser cannot play this ${kind} format. Its hash and details are still correct.`);
  body.append(el);
}

async function tablePreview(body, entry, ctx) {
  const schema = schemaSummary(entry.info?.metadata);
  let data = null;
  try {
    // A stored file hands the engine a Blob of what it needs, or null when
    // that would mean fetching a big file whole: its schema then.
    const blob = local(entry.file) ? entry.file : await entry.file.blob();
    data = blob ? await ctx.pool.previewTable(blob, { path: entry.path, maxRows: TABLE_ROWS }) : schemaTable(entry.info?.metadata);
  } catch (err) {
    note(body, `The table could not be read for a preview (${err?.message || err}). Showing the start of the file instead.`);
    return false;
  }
  if (ctx.signal.aborted) return true;
  if (!data || !Array.isArray(data.columns)) {
    if (schema) note(body, `Schema: ${schema}`);
    return false;
  }
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap preview-table';
  const table = document.createElement('table');
  const caption = document.createElement('caption');
  const height = entry.info?.metadata?.tabular?.height;
  caption.textContent = tableCaption(Math.min(data.rows?.length ?? 0, TABLE_ROWS), height);
  table.append(caption);
  const thead = table.createTHead();
  const hr = thead.insertRow();
  data.columns.forEach((name, i) => {
    const th = document.createElement('th');
    th.scope = 'col';
    const n = document.createElement('span');
    n.textContent = String(name);
    th.append(n);
    const dtype = data.dtypes?.[i];
    if (dtype) {
      const d = document.createElement('span');
      d.className = 'dtype';
      d.textContent = String(dtype);
      th.append(d);
    }
    hr.append(th);
  });
  const tbody = table.createTBody();
  for (const row of (data.rows || []).slice(0, TABLE_ROWS)) {
    const tr = tbody.insertRow();
    const cells = Array.isArray(row) ? row : data.columns.map((c) => row?.[c]);
    for (const v of cells) {
      const td = tr.insertCell();
      const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      if (v === null || v === undefined) td.className = 'null';
      td.textContent = s.length > CELL_MAX ? `${s.slice(0, CELL_MAX)}…` : s;
    }
  }
  wrap.append(table);
  body.append(wrap);
  return true;
}

function schemaTable(metadata) {
  const fields = metadata?.tabular?.schema?.fields;
  return Array.isArray(fields) ? { columns: fields.map((f) => f.name), dtypes: fields.map((f) => f.dtype), rows: [] } : null;
}

async function textPreview(body, file, ctx) {
  const text = await file.slice(0, TEXT_HEAD).text();
  if (ctx.signal.aborted) return;
  const pre = document.createElement('pre');
  pre.className = 'preview-text';
  pre.tabIndex = 0;
  pre.setAttribute('aria-label', 'Start of the file');
  pre.textContent = text; // as text, never as HTML
  body.append(pre);
  if (file.size > TEXT_HEAD) note(body, `Showing the first ${formatBytes(TEXT_HEAD)} of ${formatBytes(file.size)}.`);
}

async function hexPreview(body, file, ctx) {
  const bytes = new Uint8Array(await file.slice(0, HEX_HEAD).arrayBuffer());
  if (ctx.signal.aborted) return;
  const lines = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const chunk = bytes.subarray(off, off + 16);
    const hex = Array.from(chunk, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(chunk, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '·')).join('');
    lines.push(`${off.toString(16).padStart(6, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  const pre = document.createElement('pre');
  pre.className = 'preview-text preview-hex';
  pre.tabIndex = 0;
  pre.setAttribute('aria-label', 'First bytes of the file, in hexadecimal');
  pre.textContent = lines.join('\n') || '(empty file)';
  body.append(pre);
  if (file.size > HEX_HEAD) note(body, `Binary file: showing the first ${HEX_HEAD} bytes of ${formatBytes(file.size)}.`);
}

function note(body, text) {
  const p = document.createElement('p');
  p.className = 'preview-note';
  p.textContent = text;
  body.append(p);
}
