// oxdrop engine reader: a worker nested in each engine worker (worker.js)
// that reads the file being hashed, chunk after chunk, with FileReaderSync
// and hands each chunk over (transferred, not copied). Reading then runs on
// its own thread while Go hashes the previous chunk. It reads at most
// `ahead` chunks beyond what the engine has taken, so memory stays bounded.
/* global FileReaderSync */
'use strict';

const reader = new FileReaderSync();
let job = null; // { gen, file, chunk, off, credits }

self.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'open') job = { gen: m.gen, file: m.file, chunk: m.chunk, off: 0, credits: m.ahead };
  else if (m.type === 'more' && job && job.gen === m.gen) job.credits++;
  else if (m.type === 'close' && job && job.gen === m.gen) job = null;
  pump();
};

function pump() {
  while (job && job.credits > 0 && job.off < job.file.size) {
    const { gen, file, off } = job;
    const end = Math.min(off + job.chunk, file.size);
    let buf;
    try {
      buf = reader.readAsArrayBuffer(file.slice(off, end));
    } catch (err) {
      self.postMessage({ type: 'error', gen, message: `${err && err.name ? err.name + ': ' : ''}${err && err.message ? err.message : String(err)}` });
      job = null;
      return;
    }
    job.credits--;
    job.off = end;
    self.postMessage({ type: 'chunk', gen, buf }, [buf]);
  }
}
