// The page side of the browser hashing benchmark: times each way of
// turning a chosen File into a hash (or just reading it). run.mjs drives it.
import { EnginePool } from '../js/engine/pool.js';
import { createXXHash128 } from '/hash-wasm/index.esm.js';

const CHUNK = 4 << 20;

// A worker for the methods that read with FileReaderSync like oxdrop does.
const helper = new Worker(new URL('./bench-worker.js', import.meta.url), { type: 'module' });
let seq = 0;
const waiting = new Map();
helper.onmessage = (e) => {
  const { id, value, error } = e.data;
  const w = waiting.get(id);
  waiting.delete(id);
  if (error) w.reject(new Error(error));
  else w.resolve(value);
};
function inHelper(method, file) {
  return new Promise((resolve, reject) => {
    const id = ++seq;
    waiting.set(id, { resolve, reject });
    helper.postMessage({ id, method, file, chunk: CHUNK });
  });
}

// hex128 drops leading zeros, as Oxen prints a u128.
const unpad = (hex) => hex.replace(/^0+(?=.)/, '');

let pool;
let syncPool;
export const methods = {
  // oxdrop: the engine pool exactly as the app uses it.
  oxdrop: async (file) => (await pool.describe(file, file.name)).hash,
  // The same without the reader thread: read and hash alternate on one thread.
  'oxdrop no read-ahead': async (file) => (await syncPool.describe(file, file.name)).hash,
  // hash-wasm's streaming XXH3-128 over file.stream(), on the page.
  'hash-wasm stream': async (file) => {
    const h = await createXXHash128();
    h.init();
    const r = file.stream().getReader();
    for (;;) {
      const { done, value } = await r.read();
      if (done) break;
      h.update(value);
    }
    return unpad(h.digest('hex'));
  },
  // hash-wasm in a worker, reading 4 MiB slices with FileReaderSync.
  'hash-wasm FRS worker': (file) => inHelper('hash-wasm', file).then(unpad),
  // Reading only, the floor for any hasher: file.stream() on the page...
  'read-only stream': async (file) => {
    const r = file.stream().getReader();
    let n = 0;
    for (;;) {
      const { done, value } = await r.read();
      if (done) break;
      n += value.length;
    }
    return String(n);
  },
  // ...file.stream() in a worker, as oxdrop's reader does...
  'read-only stream worker': (file) => inHelper('read-stream', file),
  // ...and 4 MiB FileReaderSync slices in a worker.
  'read-only FRS worker': (file) => inHelper('read', file),
};

window.bench = {
  // startup creates the pool and times it until ready (wasm fetch, compile,
  // every worker's Go instance started).
  async startup(size) {
    const t0 = performance.now();
    pool = new EnginePool(size ? { size } : {});
    await pool.ready();
    const ms = performance.now() - t0;
    syncPool = new EnginePool({ size: 1, readAhead: false });
    await syncPool.ready();
    return ms;
  },
  async run(method, index) {
    const file = document.getElementById('files').files[index];
    const t0 = performance.now();
    const result = await methods[method](file);
    return { ms: performance.now() - t0, result, size: file.size };
  },
  methods: Object.keys(methods),
};
document.getElementById('out').textContent = 'ready';
