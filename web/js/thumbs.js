// Small image thumbnails in the file list. Only rows that scroll into view
// get one, at most two decode at a time, and each decodes straight to a tiny
// bitmap (createImageBitmap with a resize), so 10,000 photos cost no more
// memory than the few rows on screen and a cache of the last ones drawn:
// the list is virtualized, so a row scrolled away and back is a new
// element, and without the cache its image was decoded again.

const SIZE = 72; // device pixels; shown at 36 CSS px
const queue = [];
let running = 0;
const MAX_RUNNING = 2;

let observer = null;

// The last CACHED thumbnails, by File (a Map keeps insertion order: the
// first key is the least recently used). null: the file does not decode.
// 72×72 RGBA is 20 KiB, so the cache holds at most about 6 MiB.
const CACHED = 300;
const cache = new Map();

function remember(file, bitmap) {
  cache.delete(file);
  cache.set(file, bitmap);
  while (cache.size > CACHED) {
    const [oldest, bm] = cache.entries().next().value;
    cache.delete(oldest);
    bm?.close();
  }
}

/** For tests: how many decodes ran, and how many thumbnails came from the cache. */
export const thumbStats = { decoded: 0, cached: 0 };

/** Starts watching a row; when it becomes visible, its icon becomes a thumbnail. */
export function watchThumbnail(row, file, dims) {
  if (typeof createImageBitmap !== 'function' || typeof IntersectionObserver !== 'function') return;
  observer ??= new IntersectionObserver(onIntersect, { rootMargin: '200px 0px' });
  row._thumb = { file, dims };
  observer.observe(row);
}

/** Stops watching a row (removed from the list). */
export function unwatchThumbnail(row) {
  if (observer && row._thumb) observer.unobserve(row);
  row._thumb = null;
}

function onIntersect(records) {
  for (const r of records) {
    if (!r.isIntersecting) continue;
    observer.unobserve(r.target);
    if (r.target._thumb) queue.push(r.target);
  }
  pump();
}

function pump() {
  while (running < MAX_RUNNING && queue.length) {
    const row = queue.shift();
    const job = row._thumb;
    if (!job || !row.isConnected) continue;
    running++;
    draw(row, job).finally(() => {
      running--;
      pump();
    });
  }
}

async function draw(row, { file, dims }) {
  let w = SIZE;
  let h = SIZE;
  if (dims && dims.width > 0 && dims.height > 0) {
    const scale = SIZE / Math.max(dims.width, dims.height);
    w = Math.max(1, Math.round(dims.width * scale));
    h = Math.max(1, Math.round(dims.height * scale));
  }
  let bitmap = cache.get(file);
  if (bitmap === null) return; // known not to decode: the type icon stays
  if (bitmap) {
    thumbStats.cached++;
    remember(file, bitmap);
  } else {
    try {
      bitmap = await createImageBitmap(file, { resizeWidth: w, resizeHeight: h, resizeQuality: 'medium' });
    } catch {
      remember(file, null);
      return; // not decodable here: the type icon stays
    }
    thumbStats.decoded++;
    remember(file, bitmap);
  }
  const icon = row.querySelector('.ic');
  if (!row.isConnected || !icon) return;
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.className = 'thumb';
  canvas.getContext('2d').drawImage(bitmap, 0, 0);
  icon.replaceChildren(canvas);
  icon.classList.add('has-thumb');
}
