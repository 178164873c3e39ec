// Test harness for the API conformance suite and the R2 backend tests:
// builds Go Workers, starts them under Cloudflare's local runtime (workerd
// through Miniflare's API, R2 persisted to a folder so a restart finds the
// data), and starts the native `oxdrop serve` on a random loopback port.
// Everything binds 127.0.0.1 only; workerd uses ports 8787-8799.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
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
 * A FormData body is encoded first (Content-Type with its boundary).
 */
export async function freshRequest(url, { method = "GET", headers = {}, body } = {}) {
  let payload = body;
  const hdrs = { ...headers };
  if (body instanceof FormData) {
    const encoded = new Request("http://x/", { method: "POST", body });
    hdrs["content-type"] = encoded.headers.get("content-type");
    payload = Buffer.from(await encoded.arrayBuffer());
  }
  if (payload !== undefined) hdrs["content-length"] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: hdrs, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}
