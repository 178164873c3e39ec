// A stored file as the preview components read it (web/js/preview.js):
// like a File, it has `size` and `slice(start, end)`, whose arrayBuffer()
// and text() fetch exactly those bytes from the file endpoint with one Range
// request. So the text and hexadecimal previews read the first few KiB of
// a file of any size, never the whole file. For the table preview, which
// the engine (a Web Worker) reads from a Blob, blob() gives the whole file
// when it is small, else the head of a line-based table (csv, tsv, jsonl)
// cut after its last whole line; other big tables (parquet, arrow, json)
// give null, and the preview shows their schema from the metadata.

/** A table up to this size goes to the engine whole. */
export const WHOLE_TABLE = 1 << 20;
/** The head of a bigger line-based table: enough for the 20 rows shown and their types. */
export const TABLE_HEAD = 256 << 10;
const LINE_TABLES = new Set(['csv', 'tsv', 'jsonl', 'ndjson']);

/**
 * The bytes [start, end) of the file at url, with a Range request. A server
 * that ignores Range (200) is read only up to end, then the rest is
 * cancelled.
 */
export async function fetchRange(url, start, end, signal) {
  if (end <= start) return new ArrayBuffer(0);
  const res = await fetch(url, { headers: { Range: `bytes=${start}-${end - 1}` }, signal });
  if (res.status === 206) return res.arrayBuffer();
  if (!res.ok) {
    let why = '';
    try {
      why = (await res.json())?.status_message || '';
    } catch {
      // not the API's JSON
    }
    throw new Error(`the server answered HTTP ${res.status}${why ? `: ${why}` : ''}`);
  }
  const out = new Uint8Array(end - start);
  const reader = res.body.getReader();
  let at = 0; // bytes of the body read so far
  while (at < end) {
    const { value, done } = await reader.read();
    if (done) break;
    const from = Math.max(start, at);
    const to = Math.min(end, at + value.length);
    if (to > from) out.set(value.subarray(from - at, to - at), from - start);
    at += value.length;
  }
  reader.cancel().catch(() => {});
  return out.buffer.slice(0, Math.max(0, Math.min(end, at) - start));
}

class RemoteSlice {
  #url;
  #signal;
  constructor(url, start, end, signal) {
    this.#url = url;
    this.#signal = signal;
    this.start = start;
    this.end = end;
  }

  get size() {
    return this.end - this.start;
  }

  arrayBuffer() {
    return fetchRange(this.#url, this.start, this.end, this.#signal);
  }

  async text() {
    return new TextDecoder().decode(await this.arrayBuffer());
  }

  async blob() {
    return new Blob([await this.arrayBuffer()]);
  }
}

export class RemoteFile {
  #signal;
  /**
   * @param {string} url     the file endpoint (…/file/main/{path})
   * @param {number} size    its size, from the metadata entry
   * @param {string} path    its path in the repository (for its extension)
   * @param {AbortSignal} [signal] cancels every fetch (the preview closed)
   */
  constructor(url, size, path, signal) {
    this.url = url;
    this.size = Math.max(0, Number(size) || 0);
    this.path = path;
    this.#signal = signal;
  }

  /** Bytes [start, end) like Blob.slice (negative offsets count from the end). */
  slice(start = 0, end = this.size) {
    const at = (n) => Math.min(this.size, Math.max(0, n < 0 ? this.size + n : n));
    const a = at(start);
    return new RemoteSlice(this.url, a, Math.max(a, at(end)), this.#signal);
  }

  /** What the engine reads for a table preview: a Blob, or null (see the top of this file). */
  async blob() {
    if (this.size <= WHOLE_TABLE) return this.slice().blob();
    const ext = this.path.slice(this.path.lastIndexOf('.') + 1).toLowerCase();
    if (!LINE_TABLES.has(ext)) return null;
    const head = new Uint8Array(await this.slice(0, TABLE_HEAD).arrayBuffer());
    const cut = head.lastIndexOf(0x0a);
    return new Blob([cut > 0 ? head.subarray(0, cut + 1) : head]);
  }
}
