// Helper worker of the hashing benchmark: reads a File in 4 MiB slices with
// FileReaderSync (as oxdrop's engine worker does), hashing with hash-wasm or
// only counting bytes.
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
