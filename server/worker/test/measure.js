// Measures the Workers build under workerd (run by hand, not part of the
// suite; figures go to server/worker/README.md):
//   - cold start: time from a fresh Miniflare instance being ready to the
//     answer of its first request (wasm compile + Go start + one R2 head),
//     then a warm request for comparison;
//   - a 90 MB multipart upload through POST /api/repos: time, and the
//     workerd process's peak resident memory (VmHWM) above its level
//     before the upload (an upper bound on the isolate's use: it also
//     counts Miniflare's R2 simulator in the same process), and the Go
//     instance's own peak (runtime.MemStats.Sys, which the Worker logs);
//   - the download of that file: time, bytes identical, Go peak.
// Usage: npm run worker:build && node server/worker/test/measure.js [MB]
import { rmSync } from "node:fs";
import { join } from "node:path";
import { freshRequest, memKiB, root, startWorker, tempDir, workerdPids } from "./harness.js";

const mb = Number(process.argv[2] || 90);

const persist = tempDir("measure");
let goPeak = 0;
const w = await startWorker({
  dir: join(root, "build", "worker"),
  persistDir: persist,
  onStdout: (line) => {
    const m = line.match(/"go_sys_bytes":(\d+)/);
    if (m) goPeak = Math.max(goPeak, Number(m[1]));
    if (process.env.OXDROP_MEASURE_LOG) console.log(line);
  },
});
try {
  let t = performance.now();
  await (await fetch(`${w.url}/api/repos/ox/none`)).text();
  const cold = performance.now() - t;
  t = performance.now();
  await (await fetch(`${w.url}/api/repos/ox/none`)).text();
  console.log(`cold start: first request ${cold.toFixed(0)} ms, second ${(performance.now() - t).toFixed(0)} ms`);

  const pids = workerdPids();
  if (pids.length !== 1) throw new Error(`expected one workerd child, found ${pids.length}`);
  const [pid] = pids;
  const before = memKiB(pid, "VmRSS");
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, memKiB(pid, "VmRSS"));
  }, 50);
  const data = Buffer.alloc(mb * 1e6);
  for (let i = 0; i < data.length; i += 4096) data.writeUInt32LE(i, i); // not all zeros
  const fd = new FormData();
  fd.append("name", "Ox");
  fd.append("email", "ox@example.org");
  fd.append("new_repo", JSON.stringify({ namespace: "ox", name: "big" }));
  fd.append("file", new Blob([data]), "big/data.bin");
  t = performance.now();
  const res = await freshRequest(`${w.url}/api/repos`, { method: "POST", body: fd });
  const text = res.text;
  const secs = (performance.now() - t) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, memKiB(pid, "VmRSS"));
  console.log(`${mb} MB multipart upload: HTTP ${res.status} in ${secs.toFixed(1)} s (${(mb / secs).toFixed(1)} MB/s)`);
  if (res.status !== 200) console.log(text.slice(0, 300));
  await new Promise((r) => setTimeout(r, 500)); // let the log line arrive
  console.log(`Go instance memory (runtime.MemStats.Sys, logged by the Worker): peak ${(goPeak / 1048576).toFixed(1)} MiB`);
  goPeak = 0;
  t = performance.now();
  const dl = await fetch(`${w.url}/api/repos/ox/big/file/main/big/data.bin`);
  const back = Buffer.from(await dl.arrayBuffer());
  const dsecs = (performance.now() - t) / 1000;
  await new Promise((r) => setTimeout(r, 500));
  console.log(`download: HTTP ${dl.status}, ${back.length} bytes, identical: ${back.equals(data)}, ${dsecs.toFixed(1)} s, Go peak ${(goPeak / 1048576).toFixed(1)} MiB`);
  console.log(`workerd RSS: ${(before / 1024).toFixed(0)} MiB before, peak ${(peak / 1024).toFixed(0)} MiB during (+${((peak - before) / 1024).toFixed(0)} MiB)`);
} finally {
  await w.close();
  rmSync(persist, { recursive: true, force: true });
}
