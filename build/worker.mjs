// Builds the Cloudflare Workers bundle into build/worker/:
//   1. the web app (node build/build.mjs -> build/dist, served as Workers
//      static assets), unless --worker-only;
//   2. syumai/workers' JS glue (workers-assets-gen -mode=go);
//   3. the Go worker compiled to WebAssembly (build/worker/app.wasm).
// Everything is built in a temporary folder next to build/worker and then
// swapped in, so a running `wrangler dev` never sees half an output.
// Prints the worker's size raw and gzip (Cloudflare's free plan allows 3 MB
// gzip).
//
// Usage: node build/worker.mjs [--worker-only]
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build", "worker");
const workerOnly = process.argv.includes("--worker-only");
const freeLimit = 3 * 1024 * 1024;

// build/embed.go as the Worker sees it: no app inside (see the overlay).
const noAssetsEmbed = `// Package build, Workers variant (build/worker.mjs overlay): the app is
// served by Workers static assets, so nothing is embedded.
package build

import (
	"io/fs"
	"testing/fstest"
)

// Dist returns an empty file system.
func Dist() fs.FS { return fstest.MapFS{} }

// Built reports false: no app in this binary.
func Built() bool { return false }
`;

const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

// step prints what it is doing, runs cmd quietly and ends the line with its
// time; when cmd fails, its output is printed and the build stops.
function step(what, cmd, args, env = {}) {
  process.stdout.write(`worker: ${what}... `);
  const t0 = Date.now();
  try {
    execFileSync(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  } catch (err) {
    process.stdout.write("failed\n");
    process.stderr.write(`${err.stdout ?? ""}${err.stderr ?? ""}`);
    throw new Error(`${cmd} ${args.join(" ")}: ${err.status !== null ? `exit status ${err.status}` : err.message}`);
  }
  process.stdout.write(`done in ${secs(Date.now() - t0)}\n`);
}

if (!workerOnly) {
  if (existsSync(join(root, "build", "build.mjs"))) {
    // Its own progress lines (and errors) go straight through.
    try {
      execFileSync(process.execPath, ["build/build.mjs"], { cwd: root, stdio: "inherit" });
    } catch {
      process.exit(1);
    }
  } else {
    console.log("build/build.mjs is absent: skipping the app build (the Worker then serves the API only).");
  }
}

const started = Date.now();
const tmp = mkdtempSync(join(root, "build", ".worker-tmp-"));
try {
  step("generating the JS glue (workers-assets-gen)", "go", ["run", "github.com/syumai/workers/cmd/workers-assets-gen" /* version pinned in go.mod (v0.32.0) */, "-mode=go", "-o", tmp]);
  // The app is served by Workers static assets, so the Worker does not
  // embed build/dist (4+ MB that would push it over the free plan's 3 MB):
  // a build overlay swaps build/embed.go for an empty version, leaving the
  // tree untouched.
  const overlay = join(tmp, "overlay");
  mkdirSync(overlay);
  writeFileSync(join(overlay, "embed.go"), noAssetsEmbed);
  writeFileSync(join(overlay, "overlay.json"), JSON.stringify({ Replace: { [join(root, "build", "embed.go")]: join(overlay, "embed.go") } }));
  step("compiling the Worker to WebAssembly (go build ./server/worker)", "go", ["build", "-trimpath", "-ldflags=-s -w", `-overlay=${join(overlay, "overlay.json")}`, "-o", join(tmp, "app.wasm"), "./server/worker"], {
    GOOS: "js",
    GOARCH: "wasm",
  });
  rmSync(overlay, { recursive: true });
  writeFileSync(join(tmp, ".gitkeep"), "");
  // Swap: two renames, so build/worker is always a complete build.
  const old = `${out}.old-${process.pid}`;
  if (existsSync(out)) renameSync(out, old);
  renameSync(tmp, out);
  rmSync(old, { recursive: true, force: true });
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  console.error(`worker build failed: ${err.message}`);
  process.exit(1);
}

let raw = 0;
let gz = 0;
for (const name of readdirSync(out)) {
  const p = join(out, name);
  if (!statSync(p).isFile() || name.startsWith(".")) continue;
  const data = readFileSync(p);
  raw += data.length;
  gz += gzipSync(data, { level: 9 }).length;
}
const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
console.log(`worker: build/worker/ built in ${secs(Date.now() - started)}: ${mb(raw)}, ${mb(gz)} gzip (free plan limit ${mb(freeLimit)} gzip)`);
if (gz > freeLimit) console.warn("warning: over the Workers free plan's 3 MB gzip limit (paid plans allow 10 MB)");
