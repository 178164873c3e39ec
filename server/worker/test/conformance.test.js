// One API conformance suite, run against every target: the native server
// (`oxdrop serve` built from this tree, random loopback port, temp -data)
// and the Workers build (build/worker, from `npm run worker:build`) under
// Cloudflare's local runtime (workerd via Miniflare, R2 persisted to a temp
// folder). Both get the same body cap, bearer token and CORS origin, so
// every case means the same on both.
//
// OXDROP_CONFORMANCE_TARGETS=native or =workers runs one of them.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { xxhash128 } from "hash-wasm";
import { freshRequest, root, startNative, startWorker, tempDir } from "./harness.js";
import { fixturesDir as fixtures, fixturesMissing, skipNow } from "../../../internal/testenv/testenv.js";

const maxBody = 4_000_000;
const token = "conformance-token-1";
const corsOrigin = "https://app.example";
const auth = { authorization: `Bearer ${token}` };
const targets = (process.env.OXDROP_CONFORMANCE_TARGETS || "native,workers").split(",");

const starters = {
  native: (dir) => {
    const tokens = `${dir}.tokens`; // removed with dir (see after)
    writeFileSync(tokens, `# conformance\n${token}\n`);
    return startNative({ dataDir: dir, args: ["-max-body", String(maxBody), "-tokens", tokens, "-cors-origin", corsOrigin] });
  },
  workers: (dir) => {
    const built = join(root, "build", "worker");
    if (!existsSync(join(built, "app.wasm"))) throw new Error("build/worker/app.wasm is missing: run `npm run worker:build` first");
    return startWorker({
      dir: built,
      persistDir: dir,
      bindings: { OXDROP_MAX_BODY: String(maxBody), OXDROP_TOKENS: token, OXDROP_CORS_ORIGIN: corsOrigin },
    });
  },
};

/** Oxen's hash: XXH3-128 as unpadded lowercase hex. */
async function oxenHash(bytes) {
  return BigInt(`0x${await xxhash128(bytes)}`).toString(16);
}

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
      target = await starters[name](dir);
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
}
