// Test harness for the API conformance suite and the R2 backend tests:
// builds Go Workers, starts them under Cloudflare's local runtime (workerd
// through Miniflare's API, R2 persisted to a folder so a restart finds the
// data), and starts the native `oxdrop serve` on a random loopback port.
// Everything binds 127.0.0.1 only; workerd uses ports 8787-8799. A
// recording proxy in front of a target logs what the server was sent, and
// can cut a request's body off partway.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const compatibilityDate = "2026-04-01";

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `oxdrop-${prefix}-`));
}

/** Builds the Go Worker package pkg (e.g. "./server/worker/r2probe") with
 * syumai/workers' glue into outDir (built aside, then renamed in). */
export function buildGoWorker(pkg, outDir) {
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const run = (args, env = {}) =>
    execFileSync("go", args, { cwd: root, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, ...env } });
  run(["run", "github.com/syumai/workers/cmd/workers-assets-gen", "-mode=go", "-o", tmp]);
  run(["build", "-trimpath", "-ldflags=-s -w", "-o", join(tmp, "app.wasm"), pkg], { GOOS: "js", GOARCH: "wasm" });
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
  return outDir;
}

/** Resolves to true if 127.0.0.1:port can be bound right now. */
function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** A free port in workerd's range 8787-8799 (the project's convention). */
export async function workerdPort() {
  for (let p = 8790; p <= 8799; p++) if (await portFree(p)) return p;
  for (let p = 8787; p < 8790; p++) if (await portFree(p)) return p;
  throw new Error("no free port in 127.0.0.1:8787-8799 for workerd");
}

/** A random free loopback port. */
export function randomPort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the Worker in dir (worker.mjs + app.wasm) under workerd with an R2
 * bucket OXDROP_BUCKET persisted in persistDir. restart() disposes the
 * runtime and starts a new one on the same state.
 */
export async function startWorker({ dir, persistDir, bindings = {}, onStdout }) {
  const port = await workerdPort();
  const options = {
    modules: true,
    scriptPath: join(dir, "worker.mjs"),
    modulesRoot: dir,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate,
    r2Buckets: ["OXDROP_BUCKET"],
    r2Persist: persistDir,
    bindings,
    host: "127.0.0.1",
    port,
  };
  if (onStdout) {
    // The Worker's console output (the Go logger's JSON lines), line by line.
    options.handleRuntimeStdio = (stdout, stderr) => {
      let rest = "";
      stdout.on("data", (d) => {
        const lines = (rest + d).split("\n");
        rest = lines.pop();
        for (const l of lines) onStdout(l);
      });
      stderr.pipe(process.stderr);
    };
  }
  let mf = new Miniflare(options);
  let url = await mf.ready;
  return {
    name: "workers",
    get url() {
      return url.href.replace(/\/$/, "");
    },
    async restart() {
      await mf.dispose();
      mf = new Miniflare(options);
      url = await mf.ready;
    },
    async close() {
      await mf.dispose();
    },
  };
}

/** Builds the native oxdrop binary once per process. */
let nativeBinary;
export function buildNative() {
  if (nativeBinary) return nativeBinary;
  const dir = tempDir("bin");
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, "oxdrop");
  execFileSync("go", ["build", "-o", out, "./server/cmd/oxdrop"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  nativeBinary = out;
  return out;
}

/** Polls url until it answers (any status) or the deadline passes. */
async function waitUp(url, proc, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with code ${proc.exitCode} before it answered`);
    try {
      await fetch(url);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Starts `oxdrop serve` on a random loopback port with -data dataDir; env
 * passes OXDROP_* settings. restart() stops it (SIGTERM) and starts it again
 * on the same data.
 */
export async function startNative({ dataDir, env = {}, args = [] }) {
  const bin = buildNative();
  let proc;
  let port;
  const start = async () => {
    port = await randomPort();
    proc = spawn(bin, ["serve", "-addr", `127.0.0.1:${port}`, "-data", dataDir, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    proc.stderr.on("data", (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    proc.stderrText = () => stderr;
    await waitUp(`http://127.0.0.1:${port}/`, proc);
  };
  const stop = async () => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  };
  await start();
  return {
    name: "native",
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    async restart() {
      await stop();
      await start();
    },
    close: stop,
  };
}

/** Whether a Go package exists in the tree (targets whose code has not
 * landed are reported, not silently passed). */
export function hasPackage(rel) {
  return existsSync(join(root, rel));
}

/**
 * Sends one request on a fresh connection (node:http, no keep-alive) and
 * resolves to {status, headers, text}. Large uploads use it: fetch reuses
 * idle keep-alive sockets, and when the runtime closes one just as a big
 * body starts, the upload dies with EPIPE (not retried for PUT/POST).
 * A FormData body is encoded first (Content-Type with its boundary); a
 * Readable body is streamed (its Content-Length in headers, if known).
 */
export async function freshRequest(url, { method = "GET", headers = {}, body } = {}) {
  let payload = body;
  const hdrs = { ...headers };
  if (body instanceof FormData) {
    const encoded = new Request("http://x/", { method: "POST", body });
    hdrs["content-type"] = encoded.headers.get("content-type");
    payload = Buffer.from(await encoded.arrayBuffer());
  }
  if (payload !== undefined && !(payload instanceof Readable)) hdrs["content-length"] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: hdrs, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (payload instanceof Readable) payload.pipe(req);
    else req.end(payload);
  });
}

// Hop-by-hop headers, which a proxy does not forward.
const hopByHop = ["connection", "keep-alive", "transfer-encoding", "proxy-connection"];
const endToEnd = (headers) => Object.fromEntries(Object.entries(headers).filter(([k]) => !hopByHop.includes(k)));

/**
 * Starts a loopback HTTP proxy in front of target() (a base URL, asked at
 * every request: a restarted server may have moved) that records every
 * request in log as {method, path, headers, bytes, status, resHeaders, ms}:
 * bytes is how much of the body it forwarded, so the log is what the
 * server was sent; ms is the time to the answer's end. Each request goes
 * upstream on a fresh connection.
 *
 * hold(entry) may return a byte count: that request's body is forwarded up
 * to it and the rest is dropped (a link gone silent: the server waits for
 * more), and onHold(entry) is called. When the client gives up, the
 * upstream request is destroyed, so the server sees the body cut off there.
 * (The rest is read, not left unread: a paused socket would not notice
 * that the client closed it.)
 */
export async function startRecordingProxy(target) {
  const proxy = { log: [], hold: () => undefined, onHold: () => {} };
  const server = createHttpServer((req, res) => {
    const entry = { method: req.method, path: req.url, headers: req.headers, bytes: 0 };
    const start = performance.now();
    proxy.log.push(entry);
    const to = new URL(req.url, target());
    const up = httpRequest(to, { method: req.method, headers: { ...endToEnd(req.headers), host: to.host }, agent: false });
    up.on("response", (ures) => {
      entry.status = ures.statusCode;
      entry.resHeaders = ures.headers;
      res.writeHead(ures.statusCode, endToEnd(ures.headers));
      ures.pipe(res);
      ures.on("end", () => (entry.ms = performance.now() - start));
    });
    up.on("error", (err) => {
      entry.error = err.message;
      res.destroy();
    });
    const limit = proxy.hold(entry);
    req.on("data", (chunk) => {
      if (entry.held) return;
      if (limit !== undefined && entry.bytes + chunk.length >= limit) {
        chunk = chunk.subarray(0, limit - entry.bytes);
        entry.held = true;
      }
      entry.bytes += chunk.length;
      if (!up.write(chunk) && !entry.held) {
        req.pause();
        up.once("drain", () => req.resume());
      }
      if (entry.held) proxy.onHold(entry);
    });
    req.on("end", () => entry.held || up.end());
    // The client went away before its answer: so does the upstream request.
    res.on("close", () => {
      if (!res.writableFinished) up.destroy();
    });
  });
  // Longer than any pause between a client's requests: a keep-alive socket
  // closed by the proxy just as a client reuses it fails the request.
  server.keepAliveTimeout = 120_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  proxy.url = `http://127.0.0.1:${server.address().port}`;
  proxy.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  });
  return proxy;
}

/** The pids of this process's live workerd children. */
export function workerdPids() {
  const out = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const live = /VmRSS/.test(readFileSync(`/proc/${d}/status`, "utf8"));
      if (ppid === process.pid && live && readFileSync(`/proc/${d}/cmdline`, "utf8").includes("workerd")) out.push(d);
    } catch {}
  }
  return out;
}

/** A memory field of /proc/pid/status (VmRSS, VmHWM) in KiB; 0 when the process is gone. */
export function memKiB(pid, field) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`${field}:\\s+(\\d+)`));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the process is gone
  }
}
