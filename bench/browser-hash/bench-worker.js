// Helper worker of the hashing benchmark: reads a File in 4 MiB slices with
// FileReaderSync (hashing with hash-wasm, or only counting bytes), or with
// file.stream() as oxdrop's reader worker does (only counting bytes).
import { createXXHash128 } from '/hash-wasm/index.esm.js';

const reader = new FileReaderSync();
let hasher;

self.onmessage = async (e) => {
  const { id, method, file, chunk } = e.data;
  try {
    if (method === 'hash-wasm') {
      hasher ??= await createXXHash128();
      hasher.init();
      for (let off = 0; off < file.size; off += chunk) {
        hasher.update(new Uint8Array(reader.readAsArrayBuffer(file.slice(off, off + chunk))));
      }
      self.postMessage({ id, value: hasher.digest('hex') });
    } else if (method === 'read-stream') {
      const r = file.stream().getReader();
      let n = 0;
      for (;;) {
        const { done, value } = await r.read();
        if (done) break;
        n += value.length;
      }
      self.postMessage({ id, value: String(n) });
    } else {
      let n = 0;
      for (let off = 0; off < file.size; off += chunk) {
        n += reader.readAsArrayBuffer(file.slice(off, off + chunk)).byteLength;
      }
      self.postMessage({ id, value: String(n) });
    }
  } catch (err) {
    self.postMessage({ id, error: `${err.name}: ${err.message}` });
  }
};
