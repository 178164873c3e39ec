// One API conformance suite, run against every target: the native server
// (`oxdrop serve` built from this tree, random loopback port, temp -data)
// and the Workers build (build/worker, from `npm run worker:build`) under
// Cloudflare's local runtime (workerd via Miniflare, R2 persisted to a temp
// folder). Both get the same body cap, bearer token and CORS origin, so
// every case means the same on both.
//
// The resumable upload (docs/uploads.md) is checked on each target with a
// stock tus-js-client, as a program in Node would use it, against a server
// started with its default caps (on Workers: OXDROP_MAX_BODY 95 MB, pieces
// of at most 64 MiB and at least R2's 5 MiB). Every request goes through a
// recording proxy (harness.js), so the tests count what the server was
// sent, not what the client says it sent. What each test proves:
//   - plan, tus, commit: the plan lists each missing blob once (a file
//     repeated in the folder too; hashes without leading zeros, as Oxen
//     prints them); tus-js-client sends each in pieces of the chunkSize it
//     was given, every piece but the last the same size and at least
//     min_chunk_bytes; the commit answers as POST /api/repos does, with
//     Oxen's hashes; the files read back byte-identical, and the upload is
//     closed.
//   - resume after a cut: a piece cut off in transit is discarded whole;
//     the same plan again answers the same upload, HEAD on the blob's fixed
//     URL says the end of the last whole piece, and a new tus.Upload given
//     that uploadUrl sends only the rest: the server gets less than one
//     piece twice, and no second creation.
//   - a second repository of the same files: the plan's missing is empty,
//     no tus request is made, and the commit makes a whole repository.
//   - 409 before any byte: a plan for an existing repository, or for a name
//     held by another live upload (a single-request create too), is refused
//     before the second client has an endpoint to send to; DELETE
//     /api/uploads/{id} ends the first upload (its partial blob is gone)
//     and frees the name.
//   - a blob whose bytes do not match its hash: the last piece is answered
//     400, tus-js-client's onError carries the server's message (both
//     hashes), the blob cannot be committed, and sending the right bytes
//     again works.
//   - Workers only, 300 MB with a 250 MB file: the resumable path carries a
//     folder far over the Worker's request cap in 64 MiB pieces, every
//     request the server gets is under 100 MB (a 96 MB one is refused 413),
//     and every file reads back byte-identical (hashed as it streams).
//     Time and the Worker's memory are printed, not asserted.
//
// OXDROP_CONFORMANCE_TARGETS=native or =workers runs one of them.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createXXHash128, xxhash128 } from "hash-wasm";
import * as tus from "tus-js-client";
import { freshRequest, memKiB, root, startNative, startRecordingProxy, startWorker, tempDir, workerdPids } from "./harness.js";
import { fixturesDir as fixtures, fixturesMissing, skipNow } from "../../../internal/testenv/testenv.js";

const maxBody = 4_000_000;
const token = "conformance-token-1";
const corsOrigin = "https://app.example";
const auth = { authorization: `Bearer ${token}` };
const targets = (process.env.OXDROP_CONFORMANCE_TARGETS || "native,workers").split(",");

// Each starts a target on the data folder dir, with the body cap maxBody
// (undefined: the target's default); onStdout gets the Worker's log lines.
const starters = {
  native: (dir, { maxBody } = {}) => {
    const tokens = `${dir}.tokens`; // removed with dir (see after)
    writeFileSync(tokens, `# conformance\n${token}\n`);
    const cap = maxBody ? ["-max-body", String(maxBody)] : [];
    return startNative({ dataDir: dir, args: [...cap, "-tokens", tokens, "-cors-origin", corsOrigin] });
  },
  workers: (dir, { maxBody, onStdout } = {}) => {
    const built = join(root, "build", "worker");
    if (!existsSync(join(built, "app.wasm"))) throw new Error("build/worker/app.wasm is missing: run `npm run worker:build` first");
    return startWorker({
      dir: built,
      persistDir: dir,
      bindings: { ...(maxBody ? { OXDROP_MAX_BODY: String(maxBody) } : {}), OXDROP_TOKENS: token, OXDROP_CORS_ORIGIN: corsOrigin },
      onStdout,
    });
  },
};

const MiB = 1 << 20;

/** A hash as Oxen prints a u128 ({:x}): lowercase hex without leading zeros. */
const unpadded = (hex) => hex.replace(/^0+(?=.)/, "");

/** Oxen's hash: XXH3-128 as unpadded lowercase hex. */
async function oxenHash(bytes) {
  return unpadded(await xxhash128(bytes));
}

/** Oxen's hash and the size of bytes that arrive in pieces (an iterable or a stream). */
async function oxenHashOf(pieces) {
  const h = await createXXHash128();
  h.init();
  let size = 0;
  for await (const p of pieces) {
    h.update(p);
    size += p.length;
  }
  return { hash: unpadded(h.digest("hex")), size };
}

/** size bytes of a xorshift32 sequence from seed, made 1 MiB at a time: the
 * same seed gives the same bytes again, and only one piece is held. */
function* seeded(seed, size) {
  let x = seed | 0 || 1;
  const words = new Uint32Array(MiB / 4);
  for (let done = 0; done < size; done += MiB) {
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x;
    }
    yield Buffer.from(words.buffer.slice(0, Math.min(MiB, size - done)));
  }
}

/** A file of a resumable upload: {path, bytes, hash, size}. */
async function upFile(path, bytes) {
  return { path, bytes, hash: await oxenHash(bytes), size: bytes.length };
}

/** Starts a stock tus-js-client upload of input (a Buffer or a byte
 * stream); done settles with its onSuccess or onError. */
function tusUpload(input, options) {
  let upload;
  const done = new Promise((resolve, reject) => {
    upload = new tus.Upload(input, { headers: auth, retryDelays: [0, 500, 2000], ...options, onSuccess: resolve, onError: reject });
  });
  upload.start();
  return { upload, done };
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

const user = { name: "Bessie Ox", email: "bessie@oxen.ai" };
const json = (body, headers = auth) => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

/** A multipart body with name/email first and one part per [path, bytes]. */
function multipart(namespace, name, files) {
  const fd = new FormData();
  fd.append("name", user.name);
  fd.append("email", user.email);
  fd.append("new_repo", JSON.stringify({ namespace, name }));
  for (const [path, bytes] of files) fd.append("file[]", new Blob([bytes]), path);
  return { method: "POST", headers: auth, body: fd };
}

async function body(res) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    assert.fail(`HTTP ${res.status}: body is not JSON: ${text.slice(0, 200)}`);
  }
}

function assertError(res, b, status, pattern) {
  assert.equal(res.status, status, JSON.stringify(b));
  assert.equal(b.status, "error", JSON.stringify(b));
  assert.match(b.status_message, pattern);
}

/** Checks a creation response's shape (the OpenAPI schema's required parts). */
function assertCreated(b, namespace, name, nFiles) {
  assert.equal(b.status, "success");
  assert.equal(b.status_message, "resource_created");
  assert.equal(b.repository.namespace, namespace);
  assert.equal(b.repository.name, name);
  assert.equal(b.repository.min_version, "0.36.0");
  const c = b.repository.latest_commit;
  assert.match(c.id, /^[0-9a-f]{1,32}$/);
  assert.deepEqual(c.parent_ids, []);
  assert.equal(c.message, "Initial commit");
  assert.equal(c.author, user.name);
  assert.equal(c.email, user.email);
  assert.ok(!Number.isNaN(Date.parse(c.timestamp)) && /Z$/.test(c.timestamp), c.timestamp);
  assert.equal(b.metadata_entries.length, nFiles);
  for (const e of b.metadata_entries) {
    assert.equal(e.is_dir, false);
    assert.equal(e.filename, e.resource.path.split("/").pop());
    assert.equal(e.latest_commit.id, c.id);
    for (const k of ["hash", "size", "data_type", "mime_type", "extension"]) assert.ok(k in e, `entry lacks ${k}`);
  }
}

for (const name of targets) {
  describe(`API conformance: ${name}`, () => {
    let target;
    let dir;
    const url = (p) => `${target.url}${p}`;
    const get = (p, init) => fetch(url(p), init);
    const created = {}; // repo -> {path: bytes}, checked again after a restart

    before(async () => {
      dir = tempDir(`conformance-${name}`);
      target = await starters[name](dir, { maxBody });
    });
    after(async () => {
      await target?.close();
      if (dir) {
        rmSync(dir, { recursive: true, force: true });
        rmSync(`${dir}.tokens`, { force: true });
      }
    });

    test("JSON create with Text and Binary contents; repository and file bytes read back", async () => {
      const binary = [0, 1, 2, 254, 255, 10, 13, 0];
      const res = await fetch(url("/api/repos"), json({
        namespace: "ox", name: "json-repo",
        files: [
          { path: "notes/hello.txt", contents: { Text: "Hello" }, user },
          { path: "raw/bytes.bin", contents: { Binary: binary }, user },
        ],
      }));
      const b = await body(res);
      assert.equal(res.status, 200, JSON.stringify(b));
      assertCreated(b, "ox", "json-repo", 2);
      const byPath = Object.fromEntries(b.metadata_entries.map((e) => [e.resource.path, e]));
      assert.equal(byPath["notes/hello.txt"].hash, "1bfd09d1a433fb78117b4c7b1583d16d"); // Oxen's value
      assert.equal(byPath["notes/hello.txt"].data_type, "text");
      assert.equal(byPath["raw/bytes.bin"].hash, await oxenHash(Uint8Array.from(binary)));
      assert.equal(byPath["raw/bytes.bin"].size, binary.length);

      const repo = await get("/api/repos/ox/json-repo");
      const rb = await body(repo);
      assert.equal(repo.status, 200, JSON.stringify(rb));
      assert.equal(JSON.stringify(rb).includes(b.repository.latest_commit.id), true, "repository view lacks the commit id");

      const files = { "notes/hello.txt": Buffer.from("Hello"), "raw/bytes.bin": Buffer.from(binary) };
      for (const [p, want] of Object.entries(files)) {
        const f = await get(`/api/repos/ox/json-repo/file/main/${p}`);
        assert.equal(f.status, 200);
        assert.equal(f.headers.get("x-content-type-options"), "nosniff");
        assert.ok(Buffer.from(await f.arrayBuffer()).equals(want), `${p} bytes differ`);
      }
      // HEAD: the headers of the GET, no body.
      const head = await fetch(url("/api/repos/ox/json-repo/file/main/raw/bytes.bin"), { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-length"), String(binary.length));
      assert.equal(await head.text(), "");
      created["ox/json-repo"] = files;
    });

    test("multipart create keeps nested folder paths; real fixtures described", async (t) => {
      if (skipNow(t, fixturesMissing())) return;
      const cat = join(fixtures, "images", "cat_1.jpg");
      const files = {
        "photos/cats/cat_1.jpg": readFileSync(cat),
        "docs/deep/er/readme.md": Buffer.from("# Title\n\nbody\n"),
        "top.csv": Buffer.from("a,b\n1,2\n3,4\n"),
      };
      const res = await fetch(url("/api/repos"), multipart("ox", "folders", Object.entries(files)));
      const b = await body(res);
      assert.equal(res.status, 200, JSON.stringify(b));
      assertCreated(b, "ox", "folders", 3);
      const byPath = Object.fromEntries(b.metadata_entries.map((e) => [e.resource.path, e]));
      assert.deepEqual(Object.keys(byPath).sort(), Object.keys(files).sort());
      const img = byPath["photos/cats/cat_1.jpg"];
      assert.equal(img.data_type, "image");
      assert.equal(img.mime_type, "image/jpeg");
      assert.match(JSON.stringify(img.metadata), /499/);
      assert.match(JSON.stringify(img.metadata), /375/);
      assert.equal(byPath["top.csv"].data_type, "tabular");
      for (const [p, want] of Object.entries(files)) {
        assert.equal(byPath[p].hash, await oxenHash(want), `${p} hash`);
        const f = await get(`/api/repos/ox/folders/file/main/${p}`);
        assert.equal(f.status, 200, p);
        assert.ok(Buffer.from(await f.arrayBuffer()).equals(want), `${p} bytes differ`);
      }
      created["ox/folders"] = files;
    });

    test("names: Oxen's rule, 400 with its message", async () => {
      for (const bad of ["a", "-ab", ".ab", "a b", "a/b", "ümlaut", ""]) {
        const res = await fetch(url("/api/repos"), json({ namespace: "ox", name: bad }));
        assertError(res, await body(res), 400, /Invalid repository or namespace name|name/i);
      }
      const res = await fetch(url("/api/repos"), json({ namespace: "ox", name: "a.b_c-9" }));
      const b = await body(res);
      assert.equal(res.status, 200, JSON.stringify(b));
      assert.equal(b.repository.latest_commit, null);
    });

    test("409 when the name is taken", async () => {
      const req = () => fetch(url("/api/repos"), json({ namespace: "ox", name: "taken", files: [{ path: "x.txt", contents: { Text: "x" }, user }] }));
      assert.equal((await req()).status, 200);
      const res = await req();
      assertError(res, await body(res), 409, /^Repo already exists\.$/);
    });

    test("8 concurrent creates of one name: one 200, the rest 409", async () => {
      const n = 8;
      const res = await Promise.all(Array.from({ length: n }, (_, i) =>
        fetch(url("/api/repos"), multipart("race", "one-name", [[`who/${i}.txt`, Buffer.from(`creator ${i}`)]]))));
      const bodies = await Promise.all(res.map(body));
      const codes = res.map((r) => r.status);
      assert.equal(codes.filter((c) => c === 200).length, 1, `statuses ${codes} ${JSON.stringify(bodies.filter((b) => b.status === "error"))}`);
      assert.equal(codes.filter((c) => c === 409).length, n - 1, `statuses ${codes}`);
      const winner = codes.indexOf(200);
      const f = await get(`/api/repos/race/one-name/file/main/who/${winner}.txt`);
      assert.equal(await f.text(), `creator ${winner}`);
      for (let i = 0; i < n; i++) {
        if (i !== winner) assert.equal((await get(`/api/repos/race/one-name/file/main/who/${i}.txt`)).status, 404, `loser ${i}'s file is visible`);
      }
    });

    test("413 over the body cap with a clear message, and nothing left behind", async () => {
      const big = Buffer.alloc(maxBody + 1000, 7);
      const res = await freshRequest(url("/api/repos"), multipart("ox", "too-big", [["big.bin", big]]));
      const b = JSON.parse(res.text);
      assertError(res, b, 413, new RegExp(String(maxBody)));
      const again = await fetch(url("/api/repos"), multipart("ox", "too-big", [["small.bin", Buffer.from("ok")]]));
      assert.equal(again.status, 200, "the name must be creatable after a rejected upload");
    });

    test("413 for a body of unknown length (chunked) over the cap", async () => {
      let sent = 0;
      const chunk = new Uint8Array(64 * 1024).fill(1);
      const stream = new ReadableStream({
        pull(c) {
          if (sent > maxBody + 200_000) return c.close();
          sent += chunk.length;
          c.enqueue(chunk);
        },
      });
      const res = await fetch(url("/api/repos"), {
        method: "POST",
        headers: { "content-type": "application/json", ...auth },
        body: stream,
        duplex: "half",
      });
      assertError(res, await body(res), 413, /./);
    });

    test("Range requests return the right bytes", async (t) => {
      const files = created["ox/folders"];
      // Without the fixtures the multipart test made no repository to read.
      if (!files && skipNow(t, fixturesMissing())) return;
      assert.ok(files, "the multipart test created nothing");
      const want = files["photos/cats/cat_1.jpg"];
      for (const [from, to] of [[0, 9], [1000, 20999], [want.length - 5, want.length - 1]]) {
        const res = await get(`/api/repos/ox/folders/file/main/photos/cats/cat_1.jpg`, { headers: { range: `bytes=${from}-${to}` } });
        assert.equal(res.status, 206);
        assert.equal(res.headers.get("content-range"), `bytes ${from}-${to}/${want.length}`);
        assert.ok(Buffer.from(await res.arrayBuffer()).equals(want.subarray(from, to + 1)), `range ${from}-${to}`);
      }
    });

    test("bad paths: 400 and the name stays free", async () => {
      for (const p of ["../escape.txt", "/abs.txt", "a\\b.txt", "a/./b.txt"]) {
        const res = await fetch(url("/api/repos"), json({ namespace: "ox", name: "paths", files: [{ path: p, contents: { Text: "x" }, user }] }));
        assertError(res, await body(res), 400, /path/i);
      }
      assert.equal((await get("/api/repos/ox/paths")).status, 404);
    });

    test("bearer tokens: POST without or with a wrong token is 401, nothing created", async () => {
      for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: token }]) {
        const res = await fetch(url("/api/repos"), json({ namespace: "ox", name: "no-auth" }, headers));
        assertError(res, await body(res), 401, /./);
        assert.ok(res.headers.get("www-authenticate"), "401 without WWW-Authenticate");
      }
      assert.equal((await get("/api/repos/ox/no-auth")).status, 404);
    });

    test("CORS: preflight and responses allow the configured origin", async () => {
      const pre = await fetch(url("/api/repos"), {
        method: "OPTIONS",
        headers: { origin: corsOrigin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
      });
      assert.ok(pre.status === 204 || pre.status === 200, `preflight status ${pre.status}`);
      assert.equal(pre.headers.get("access-control-allow-origin"), corsOrigin);
      assert.match(pre.headers.get("access-control-allow-methods") ?? "", /POST/);
      assert.match(pre.headers.get("access-control-allow-headers") ?? "", /authorization/i);
      const res = await fetch(url("/api/repos/ox/json-repo"), { headers: { origin: corsOrigin } });
      await res.text();
      assert.equal(res.headers.get("access-control-allow-origin"), corsOrigin);
      // Refusals too, or a browser hides them and the page's client reports
      // a network error: the 401, and another origin's 403 (readable by it).
      const refused = await fetch(url("/api/repos"), json({ namespace: "ox", name: "cors-401" }, { origin: corsOrigin }));
      assertError(refused, await body(refused), 401, /bearer token/);
      assert.equal(refused.headers.get("access-control-allow-origin"), corsOrigin);
      assert.match(refused.headers.get("access-control-expose-headers") ?? "", /WWW-Authenticate/);
      const other = await fetch(url("/api/repos"), json({ namespace: "ox", name: "cors-403" }, { ...auth, origin: "https://evil.example" }));
      assertError(other, await body(other), 403, /Cross-origin request refused/);
      assert.equal(other.headers.get("access-control-allow-origin"), "*");
    });

    test("404s: missing repository, missing file, unknown endpoint", async () => {
      for (const p of ["/api/repos/ox/nope", "/api/repos/ox/json-repo/file/main/missing.txt", "/api/nothing-here"]) {
        const res = await get(p);
        assertError(res, await body(res), 404, /./);
      }
    });

    test("hostile input: clear 4xx, nothing left, the server lives on", async () => {
      const bomb = "[".repeat(1_900_000) + "]".repeat(1_900_000); // ~3.8 MB, under the body cap
      const raw = (body, headers = {}) => fetch(url("/api/repos"), { method: "POST", headers: { "content-type": "application/json", ...auth, ...headers }, body });
      const file = (contents) => ({ path: "a.txt", contents, user });
      const cases = [
        [raw(bomb), 400, /nested more than/],
        [raw(`{"namespace":"ox","name":"hostile","x":${bomb}}`), 400, /nested more than/],
        [raw(`{"namespace":"ok","namespace":"../x","name":"hostile"}`), 400, /duplicate object key "namespace"/],
        [fetch(url("/api/repos"), json({ namespace: "ox", name: "hostile", files: [file({ Text: "a", Binary: [97] })] })), 400, /exactly one of "Text" and "Binary"/],
        [fetch(url("/api/repos"), json({ namespace: "ox", name: "hostile", description: 5 })), 400, /"description" must be a string/],
        [fetch(url("/api/repos"), json({ namespace: "ox", name: "hostile", storage_opts: {} })), 400, /"kind"/],
        [fetch(url("/api/repos"), json({ namespace: "ox", name: "hostile", files: [{ ...file({ Text: "a" }), user: { name: "x".repeat(300), email: "e" } }] })), 400, /over the limit of 255 bytes/],
      ];
      const fd = new FormData();
      fd.append("name", user.name);
      fd.append("email", user.email);
      fd.append("new_repo", JSON.stringify({ namespace: "ox", name: "hostile" }));
      fd.append("manifest", bomb.slice(0, 1_000_000) + bomb.slice(-1_000_000));
      cases.push([fetch(url("/api/repos"), { method: "POST", headers: auth, body: fd }), 400, /nested more than/]);
      const uppy = new FormData(); // Uppy's default field name
      uppy.append("name", user.name);
      uppy.append("email", user.email);
      uppy.append("new_repo", JSON.stringify({ namespace: "ox", name: "hostile" }));
      uppy.append("files[]", new Blob(["x"]), "a.txt");
      cases.push([fetch(url("/api/repos"), { method: "POST", headers: auth, body: uppy }), 400, /File part "files\[\]".*is not accepted: send files as "file\[\]" or "file"/]);
      const b64 = "--B\r\nContent-Disposition: form-data; name=\"new_repo\"\r\n\r\n{\"namespace\":\"ox\",\"name\":\"hostile\"}\r\n" +
        "--B\r\nContent-Disposition: form-data; name=\"file[]\"; filename=\"a.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n--B--\r\n";
      cases.push([fetch(url("/api/repos"), { method: "POST", headers: { "content-type": "multipart/form-data; boundary=B", ...auth }, body: b64 }), 400, /Content-Transfer-Encoding "base64"/]);
      cases.push([fetch(url("/api/repos"), json({ namespace: "ox", name: "hostile", files: [{ ...file({ Text: "x" }), path: "evil\u202Etxt.exe" }] })), 400, /U\+202E/]);
      cases.push([fetch(url("/api/repos"), json({ namespace: "ox", name: "x".repeat(300) })), 400, /over the limit of 100 bytes/]);
      cases.push([fetch(url("/api/repos"), json({ namespace: "ox", name: "hostile" }, { ...auth, origin: "https://evil.example" })), 403, /Cross-origin request refused/]);
      for (const [pending, status, pattern] of cases) {
        const res = await pending;
        assertError(res, await body(res), status, pattern);
      }
      assert.equal((await get("/api/repos/ox/hostile")).status, 404, "a refused request created the repository");
      const long = await get(`/api/repos/ox/${"y".repeat(300)}`);
      assertError(long, await body(long), 404, /not found/);
      // Alive, and the name is still free.
      const ok = await fetch(url("/api/repos"), json({ namespace: "ox", name: "hostile", files: [file({ Text: "fine" })] }));
      assert.equal(ok.status, 200, JSON.stringify(await body(ok)));
    });

    test("a wide table (30,000 columns) is created, described and reads back", async () => {
      const cols = Array.from({ length: 30_000 }, (_, i) => `feature_${String(i).padStart(5, "0")}`);
      const csv = Buffer.from(`${cols.join(",")}\n${cols.map((_, i) => i).join(",")}\n`);
      const res = await fetch(url("/api/repos"), multipart("ox", "wide", [["wide.csv", csv]]));
      const b = await body(res);
      assert.equal(res.status, 200, JSON.stringify(b).slice(0, 300));
      const tab = b.metadata_entries[0].metadata.tabular;
      assert.equal(tab.width, 30_000);
      assert.equal(tab.schema.fields.length, 30_000);
      assert.equal(tab.schema.fields[29_999].name, "feature_29999");
      const view = await get("/api/repos/ox/wide");
      const vb = await body(view);
      assert.equal(view.status, 200);
      assert.deepEqual(vb.metadata_entries, b.metadata_entries);
      const f = await get("/api/repos/ox/wide/file/main/wide.csv");
      assert.ok(Buffer.from(await f.arrayBuffer()).equals(csv), "wide.csv bytes differ");
    });

    test("a restart finds the repositories still there", async () => {
      assert.ok(Object.keys(created).length > 0, "earlier tests created nothing to check");
      await target.restart();
      for (const [repo, files] of Object.entries(created)) {
        assert.equal((await get(`/api/repos/${repo}`)).status, 200, repo);
        for (const [p, want] of Object.entries(files)) {
          const f = await get(`/api/repos/${repo}/file/main/${p}`);
          assert.ok(Buffer.from(await f.arrayBuffer()).equals(want), `${repo}/${p} after restart`);
        }
      }
    });
  });

  describe(`resumable uploads with tus-js-client: ${name}`, () => {
    let target;
    let dir;
    let proxy;
    let limits; // the plan's max_chunk_bytes, min_chunk_bytes, and the piece the tests send
    const instances = []; // the Worker's "instance memory" log lines: {path, bytes}
    const stored = {}; // files of the first test, stored on the server
    const url = (p) => `${proxy.url}${p}`;
    const endpoint = (up) => new URL(up.tus_endpoint, proxy.url).href;
    const blobUrl = (up, hash) => new URL(`${up.tus_endpoint}/${hash}`, proxy.url).href;
    // What the server got since log index from: the PATCHes of a blob, and any tus request at all.
    const patches = (from, hash) => proxy.log.slice(from).filter((e) => e.method === "PATCH" && e.path.endsWith(`/files/${hash}`));
    const tusRequests = (from) => proxy.log.slice(from).filter((e) => /\/files(\/|$)/.test(e.path));

    /** Plans files ({path, hash, size}) as namespace/name: {res, b, up}. */
    async function plan(namespace, repo, files) {
      const res = await fetch(url("/api/uploads"), json({ namespace, name: repo, files: files.map(({ path, hash, size }) => ({ path, hash, size })) }));
      const b = await body(res);
      return { res, b, up: b.upload };
    }
    /** Commits upload up as namespace/name, every file a Blob. */
    async function commit(namespace, repo, up, files) {
      const res = await fetch(url("/api/repos"), json({
        namespace, name: repo, upload_id: up.id,
        files: files.map((f) => ({ path: f.path, contents: { Blob: f.hash }, user })),
      }));
      const b = await body(res);
      assert.equal(res.status, 200, JSON.stringify(b).slice(0, 500));
      assertCreated(b, namespace, repo, files.length);
      const byPath = Object.fromEntries(b.metadata_entries.map((e) => [e.resource.path, e]));
      for (const f of files) {
        assert.equal(byPath[f.path]?.hash, f.hash, `${f.path} hash`);
        assert.equal(byPath[f.path].size, f.size, `${f.path} size`);
      }
      return b;
    }
    /** Sends each blob of up.missing with tus-js-client, one after another. */
    async function sendMissing(up, files) {
      for (const hash of up.missing) {
        const f = files.find((x) => x.hash === hash);
        await tusUpload(f.bytes, { endpoint: endpoint(up), metadata: { hash }, chunkSize: limits.piece }).done;
      }
    }
    async function readBack(namespace, repo, files) {
      for (const f of files) {
        const res = await fetch(url(`/api/repos/${namespace}/${repo}/file/main/${f.path}`));
        assert.equal(res.status, 200, f.path);
        assert.ok(Buffer.from(await res.arrayBuffer()).equals(f.bytes), `${namespace}/${repo}/${f.path} bytes differ`);
      }
    }

    before(async () => {
      dir = tempDir(`resumable-${name}`);
      target = await starters[name](dir, {
        onStdout: (line) => {
          if (!line.includes('"instance memory"')) return;
          const { path, go_sys_bytes: bytes } = JSON.parse(line);
          instances.push({ path, bytes });
        },
      });
      proxy = await startRecordingProxy(() => target.url);
      // The piece size: the smallest the server takes but a blob's last
      // (R2's 5 MiB on Workers), and at least 1 MiB; asked with a plan.
      const { res, b, up } = await plan("ox", "tus-probe", [await upFile("p.txt", Buffer.from("probe"))]);
      assert.equal(res.status, 201, JSON.stringify(b));
      const piece = Math.max(up.min_chunk_bytes, MiB);
      assert.ok(piece <= up.max_chunk_bytes, `min_chunk_bytes ${up.min_chunk_bytes} over max_chunk_bytes ${up.max_chunk_bytes}`);
      limits = { max: up.max_chunk_bytes, min: up.min_chunk_bytes, piece };
      assert.equal((await fetch(url(`/api/uploads/${up.id}`), { method: "DELETE", headers: auth })).status, 204);
    });
    after(async () => {
      await proxy?.close();
      await target?.close();
      if (dir) {
        rmSync(dir, { recursive: true, force: true });
        rmSync(`${dir}.tokens`, { force: true });
      }
    });

    test("plan, every missing blob with tus-js-client, commit: the files read back byte-identical", async () => {
      const { piece } = limits;
      const big = Buffer.concat([...seeded(1, piece * 2.5)]);
      const files = [
        await upFile("data/big.bin", big),
        await upFile("data/again/big.bin", big), // the same blob: planned and sent once
        await upFile("labels.csv", Buffer.from("a,b\n1,2\n3,4\n")),
        await upFile("docs/deep/er/readme.md", Buffer.from("# Title\n\nbody\n")),
        await upFile("empty.txt", Buffer.alloc(0)),
      ];
      // A file whose XXH3-128 starts with a zero digit, which Oxen (and the plan) leave out.
      for (let i = 0; files.length < 6; i++) {
        const bytes = Buffer.from(`zero-led ${i}\n`);
        if ((await xxhash128(bytes)).startsWith("0")) files.push(await upFile("zero-led.txt", bytes));
      }
      assert.ok(files[5].hash.length < 32, files[5].hash);
      const from = proxy.log.length;
      const { res, b, up } = await plan("ox", "tus-a", files);
      assert.equal(res.status, 201, JSON.stringify(b));
      assert.equal(b.status_message, "resource_created");
      assert.deepEqual([...up.missing].sort(), [...new Set(files.map((f) => f.hash))].sort());
      await sendMissing(up, files);
      for (const hash of up.missing) {
        const f = files.find((x) => x.hash === hash);
        const creations = tusRequests(from).filter((e) => e.method === "POST" && e.headers["upload-metadata"] === `hash ${Buffer.from(hash).toString("base64")}`);
        assert.equal(creations.length, 1, `${f.path}: creations`);
        assert.equal(creations[0].headers["upload-length"], String(f.size));
        const sent = patches(from, hash);
        assert.equal(sent.length, Math.ceil(f.size / piece), `${f.path}: pieces`);
        assert.equal(sum(sent.map((e) => e.bytes)), f.size, `${f.path}: bytes sent`);
        sent.forEach((e, i) => {
          assert.equal(e.status, 204, `${f.path} piece ${i}`);
          assert.equal(e.headers["upload-offset"], String(i * piece));
          assert.equal(e.resHeaders["upload-offset"], String(Math.min((i + 1) * piece, f.size)));
          if (i < sent.length - 1) assert.equal(e.bytes, piece, `${f.path}: piece ${i} is not the first piece's size`);
        });
      }
      await commit("ox", "tus-a", up, files);
      assert.equal((await fetch(url(`/api/uploads/${up.id}`))).status, 404, "the upload is closed by its commit");
      await readBack("ox", "tus-a", files);
      stored.files = files;
    });

    test("resume after a cut: the same plan again, HEAD, and at most one piece sent again", async () => {
      const { piece } = limits;
      const f = await upFile("resume/blob.bin", Buffer.concat([...seeded(2, piece * 2.5)]));
      const first = await plan("ox", "tus-b", [f]);
      assert.equal(first.res.status, 201, JSON.stringify(first.b));
      const from = proxy.log.length;
      // The second piece stalls after half of it reached the server; then
      // the client gives up (a dead link, a closed laptop).
      const cutAt = piece / 2;
      proxy.hold = (e) => (e.method === "PATCH" && e.headers["upload-offset"] === String(piece) ? cutAt : undefined);
      let piecesDone = 0;
      const cut = new Promise((resolve) => {
        const { upload } = tusUpload(f.bytes, {
          endpoint: endpoint(first.up), metadata: { hash: f.hash }, chunkSize: piece,
          onChunkComplete: () => piecesDone++,
        });
        proxy.onHold = () => {
          upload.abort();
          resolve();
        };
      });
      await cut;
      proxy.hold = () => undefined;
      assert.equal(piecesDone, 1, "the cut came after the first piece");

      // Resuming needs nothing kept: the same plan answers the same
      // upload, and the blob's URL is fixed by its hash.
      const again = await plan("ox", "tus-b", [f]);
      assert.equal(again.res.status, 201, JSON.stringify(again.b));
      assert.equal(again.up.id, first.up.id, "the same plan resumes the same upload");
      assert.equal(again.up.resumed, true);
      assert.deepEqual(again.up.missing, [f.hash]);
      const resumedFrom = proxy.log.length;
      await tusUpload(f.bytes, { endpoint: endpoint(again.up), uploadUrl: blobUrl(again.up, f.hash), metadata: { hash: f.hash }, chunkSize: piece }).done;
      const resumed = tusRequests(resumedFrom);
      assert.equal(resumed[0].method, "HEAD");
      assert.equal(resumed[0].resHeaders["upload-offset"], String(piece), "HEAD: the server has the first piece, not the cut one");
      assert.ok(!resumed.some((e) => e.method === "POST"), "the resumed upload created the blob again");
      const sent = patches(from, f.hash);
      assert.deepEqual(sent.map((e) => e.headers["upload-offset"]), ["0", String(piece), String(piece), String(2 * piece)]);
      const resent = sum(sent.map((e) => e.bytes)) - f.size;
      assert.equal(resent, cutAt, "bytes sent twice: the cut part of the second piece");
      assert.ok(resent <= piece);
      await commit("ox", "tus-b", again.up, [f]);
      await readBack("ox", "tus-b", [f]);
    });

    test("a second repository of the same files: nothing missing, no tus request, commit works", async () => {
      const files = stored.files;
      assert.ok(files, "the first test stored nothing");
      const from = proxy.log.length;
      const { res, b, up } = await plan("ox", "tus-c", files);
      assert.equal(res.status, 201, JSON.stringify(b));
      assert.deepEqual(up.missing, []);
      await sendMissing(up, files); // a client's loop: nothing to send
      await commit("ox", "tus-c", up, files);
      assert.deepEqual(tusRequests(from), [], "the server got tus requests");
      await readBack("ox", "tus-c", files);
    });

    test("409 before any blob byte for an existing repository or a held name; DELETE frees the name", async () => {
      const { piece } = limits;
      const one = await upFile("one.txt", Buffer.from("one"));
      const taken = await plan("ox", "tus-a", [one]);
      assertError(taken.res, taken.b, 409, /^Repo already exists\.$/);

      // Upload A holds ox/tus-d and has one piece of a blob.
      const a = await upFile("a/blob.bin", Buffer.concat([...seeded(4, piece * 1.5)]));
      const held = await plan("ox", "tus-d", [a]);
      assert.equal(held.res.status, 201, JSON.stringify(held.b));
      await new Promise((resolve, reject) => {
        const { upload, done } = tusUpload(a.bytes, {
          endpoint: endpoint(held.up), metadata: { hash: a.hash }, chunkSize: piece,
          onChunkComplete: () => {
            upload.abort();
            resolve();
          },
        });
        done.catch(reject);
      });
      assert.equal((await fetch(blobUrl(held.up, a.hash), { method: "HEAD", headers: { "tus-resumable": "1.0.0" } })).headers.get("upload-offset"), String(piece));

      // Another client's plan of that name (other files) gets no endpoint.
      const from = proxy.log.length;
      const other = await plan("ox", "tus-d", [one]);
      assertError(other.res, other.b, 409, /held by another upload/);
      assert.equal(other.up, undefined);
      const single = await fetch(url("/api/repos"), json({ namespace: "ox", name: "tus-d", files: [{ path: "x.txt", contents: { Text: "x" }, user }] }));
      assertError(single, await body(single), 409, /./);
      assert.deepEqual(tusRequests(from), []);

      // Cancelling A frees the name and drops its partial blob.
      assert.equal((await fetch(url(`/api/uploads/${held.up.id}`), { method: "DELETE", headers: auth })).status, 204);
      assert.equal((await fetch(url(`/api/uploads/${held.up.id}`))).status, 404);
      assert.equal((await fetch(blobUrl(held.up, a.hash), { method: "HEAD", headers: { "tus-resumable": "1.0.0" } })).status, 404);
      const free = await plan("ox", "tus-d", [one]);
      assert.equal(free.res.status, 201, JSON.stringify(free.b));
      await sendMissing(free.up, [one]);
      await commit("ox", "tus-d", free.up, [one]);
      await readBack("ox", "tus-d", [one]);
    });

    test("bytes that do not match the announced hash: 400, and the server's message reaches onError", async () => {
      const { piece } = limits;
      const good = await upFile("e/blob.bin", Buffer.concat([...seeded(5, piece + 1000)]));
      const bad = Buffer.from(good.bytes);
      bad[bad.length - 1] ^= 0xff;
      const badHash = await oxenHash(bad);
      const { res, b, up } = await plan("ox", "tus-e", [good]);
      assert.equal(res.status, 201, JSON.stringify(b));
      const err = await tusUpload(bad, { endpoint: endpoint(up), metadata: { hash: good.hash }, chunkSize: piece }).done.then(
        () => assert.fail("the upload of wrong bytes succeeded"),
        (e) => e,
      );
      assert.equal(err.originalResponse?.getStatus(), 400, err.message);
      const said = JSON.parse(err.originalResponse.getBody()).status_message;
      assert.equal(said, `Blob ${good.hash}: the ${good.size} bytes received hash to ${badHash}, not to the announced ${good.hash}; the blob was discarded (create it again)`);
      assert.ok(err.message.includes(said), `onError's message lacks the server's: ${err.message}`);
      // Discarded: not committable, and sending the right bytes works.
      assert.equal((await fetch(blobUrl(up, good.hash), { method: "HEAD", headers: { "tus-resumable": "1.0.0" } })).status, 404);
      const early = await fetch(url("/api/repos"), json({ namespace: "ox", name: "tus-e", upload_id: up.id, files: [{ path: good.path, contents: { Blob: good.hash }, user }] }));
      assertError(early, await body(early), 400, /has not been uploaded/);
      await sendMissing(up, [good]);
      await commit("ox", "tus-e", up, [good]);
      await readBack("ox", "tus-e", [good]);
    });

    if (name === "workers") {
      test("300 MB with a 250 MB file in 64 MiB pieces: byte-identical, every request under 100 MB", async () => {
        const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
        const files = [
          { path: "big/video.bin", size: 250_000_000, seed: 250 },
          { path: "big/table.bin", size: 40_000_000, seed: 40 },
          ...Array.from({ length: 10 }, (_, i) => ({ path: `big/small/part-${i}.bin`, size: 1_000_000, seed: 100 + i })),
        ];
        assert.equal(sum(files.map((f) => f.size)), 300_000_000);
        const t0 = performance.now();
        const laps = {};
        const lap = (what, since) => (laps[what] = (performance.now() - since) / 1000);
        for (const f of files) f.hash = (await oxenHashOf(seeded(f.seed, f.size))).hash;
        lap("hash (client)", t0);

        const from = proxy.log.length;
        const memFrom = instances.length;
        const { res, b, up } = await plan("ox", "tus-big", files);
        assert.equal(res.status, 201, JSON.stringify(b));
        assert.equal(up.missing.length, files.length);
        assert.equal(up.max_chunk_bytes, 64 * MiB);
        assert.equal(up.min_chunk_bytes, 5 * MiB);

        // One request over the Worker's cap (OXDROP_MAX_BODY, 95 MB): refused.
        const [video] = files;
        const overSize = 96_000_000;
        const zeros = function* () {
          const z = Buffer.alloc(MiB);
          for (let n = 0; n < overSize; n += MiB) yield z.subarray(0, Math.min(MiB, overSize - n));
        };
        const over = await freshRequest(blobUrl(up, video.hash), {
          method: "PATCH",
          headers: { ...auth, "tus-resumable": "1.0.0", "content-type": "application/offset+octet-stream", "upload-offset": "0", "content-length": String(overSize) },
          body: Readable.from(zeros(), { objectMode: false }),
        });
        assertError(over, JSON.parse(over.text), 413, /^Request body is 96000000 bytes; this server accepts at most 95000000 bytes \(OXDROP_MAX_BODY\)\.$/);
        const overEntry = proxy.log.findLast((e) => e.method === "PATCH" && e.status === 413);

        // workerd's resident memory (the isolate and Miniflare's R2 simulator together).
        const [pid] = workerdPids();
        const rssBefore = memKiB(pid, "VmRSS");
        let rssPeak = rssBefore;
        const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, memKiB(pid, "VmRSS"))), 100);
        try {
          let t = performance.now();
          for (const f of files) {
            await tusUpload(Readable.from(seeded(f.seed, f.size), { objectMode: false }), {
              endpoint: endpoint(up), metadata: { hash: f.hash }, chunkSize: up.max_chunk_bytes, uploadSize: f.size,
            }).done;
          }
          lap("upload", t);
          t = performance.now();
          await commit("ox", "tus-big", up, files);
          lap("commit", t);
          t = performance.now();
          for (const f of files) {
            const got = await fetch(url(`/api/repos/ox/tus-big/file/main/${f.path}`));
            assert.equal(got.status, 200, f.path);
            assert.deepEqual(await oxenHashOf(got.body), { hash: f.hash, size: f.size }, `${f.path} reads back other bytes`);
          }
          lap("download", t);
        } finally {
          clearInterval(sampler);
        }

        // Every request the Worker got: under 100 MB, pieces at most 64 MiB
        // (but the one refused above).
        const reqs = proxy.log.slice(from).filter((e) => e !== overEntry);
        for (const e of reqs) {
          assert.ok(e.bytes < 100e6, `${e.method} ${e.path}: ${e.bytes} bytes`);
          if (e.method === "PATCH") assert.ok(e.bytes <= up.max_chunk_bytes, `${e.path}: a piece of ${e.bytes} bytes`);
        }
        const last = video.size - 3 * up.max_chunk_bytes;
        const videoPieces = patches(from, video.hash).filter((e) => e !== overEntry);
        assert.deepEqual(videoPieces.map((e) => e.bytes), [...Array(3).fill(up.max_chunk_bytes), last]);

        await new Promise((r) => setTimeout(r, 500)); // the last log lines
        const peak = (pred) => Math.max(0, ...instances.slice(memFrom).filter((i) => pred(i.path)).map((i) => i.bytes)) / MiB;
        const biggest = Math.max(...reqs.map((e) => e.bytes));
        console.log(`300 MB through tus-js-client on Workers (workerd under Miniflare): ${reqs.length} requests, the largest ${mb(biggest)}; ` +
          `total ${((performance.now() - t0) / 1000).toFixed(1)} s (${Object.entries(laps).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ")}); ` +
          `upload ${(300 / laps.upload).toFixed(1)} MB/s, download ${(300 / laps.download).toFixed(1)} MB/s; ` +
          `the 250 MB file's pieces ${videoPieces.map((e) => `${(e.ms / 1000).toFixed(1)} s`).join(", ")} (the last one's answer waits for the whole blob, read back from R2, to be hashed)`);
        console.log(`Worker memory, go_sys_bytes peak: pieces ${peak((p) => /\/files\/[0-9a-f]+$/.test(p)).toFixed(1)} MiB, ` +
          `creations ${peak((p) => /\/files$/.test(p)).toFixed(1)} MiB, plan ${peak((p) => p === "/api/uploads").toFixed(1)} MiB, ` +
          `commit ${peak((p) => p === "/api/repos").toFixed(1)} MiB, downloads ${peak((p) => p.includes("/file/main/")).toFixed(1)} MiB; ` +
          `workerd RSS ${(rssBefore / 1024).toFixed(0)} MiB before, peak ${(rssPeak / 1024).toFixed(0)} MiB (an upper bound: it includes Miniflare's R2 simulator)`);
      });
    }
  });
}
