// The peer's worker (peer.html): hashes every File of the FileList it is
// given, one after the other, with hash-wasm's XXH3-128, and posts the
// hashes back every 50 ms.
import { createXXHash128 } from '/hash-wasm/index.esm.js';

const ready = createXXHash128();
ready.then(() => self.postMessage({ type: 'ready' }));

self.onmessage = async (e) => {
  const hasher = await ready;
  let out = [];
  let sent = performance.now();
  for (const file of e.data) {
    try {
      hasher.init();
      hasher.update(new Uint8Array(await file.arrayBuffer()));
      out.push({ hash: hasher.digest('hex') });
    } catch (err) {
      out.push({ error: `${file.webkitRelativePath}: ${err.message}` });
    }
    if (performance.now() - sent > 50) {
      self.postMessage({ type: 'results', results: out });
      out = [];
      sent = performance.now();
    }
  }
  self.postMessage({ type: 'results', results: out });
};
