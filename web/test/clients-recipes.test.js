// The recipes of docs/clients.md for curl, Python requests, Node fetch and
// tus-js-client, run exactly as written (only the server's address is
// replaced) against the real server (`oxdrop serve` on loopback), each
// uploading a folder whose two folders hold a file of the same name; the
// repository is then read back and every file compared byte for byte.
// A missing curl, python3 or requests skips outside CI and fails with CI set
// (internal/testenv).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './helpers.js';
import { startServer } from './app-helpers.js';
import { compareRepo, recipe, recipes, writeFolder } from './recipes.js';
import { needs, skipUnless } from '../../internal/testenv/testenv.js';

const run = promisify(execFile);

function missing(cmd, args, what, how) {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return false;
  } catch {
    return needs(what, how);
  }
}

describe('docs/clients.md recipes', { timeout: 300_000 }, () => {
  let srv;
  let dir;
  before(async () => {
    srv = await startServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxdrop-recipes-'));
    // The Node recipes import tus-js-client and hash-wasm as a project would.
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  });
  after(async () => {
    await srv?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('every recipe is found, and the page names no other', () => {
    assert.deepEqual(Object.keys(recipes()).sort(), ['curl', 'node-fetch', 'python-requests', 'tus-js-client', 'uppy-tus', 'uppy-xhr']);
  });

  /** Runs recipe `name` in a folder of its own holding my-folder; answers its stdout. */
  async function runRecipe(name) {
    const { lang, code } = recipe(name, srv.url);
    const cwd = path.join(dir, name);
    fs.mkdirSync(cwd);
    const { files } = writeFolder(cwd, name);
    let cmd;
    let args;
    if (lang === 'sh') {
      [cmd, args] = ['bash', ['-euo', 'pipefail', '-c', code]];
    } else if (lang === 'python') {
      [cmd, args] = ['python3', ['-c', code]];
    } else {
      // In the folder that links node_modules, so bare imports resolve.
      const script = path.join(dir, `${name}.mjs`);
      fs.writeFileSync(script, code);
      [cmd, args] = [process.execPath, [script]];
    }
    const t0 = Date.now();
    let out;
    try {
      out = await run(cmd, args, { cwd, timeout: 60_000, maxBuffer: 16 << 20 });
    } catch (err) {
      assert.fail(`recipe ${name} failed (${err.code ?? err.signal}): ${err.stderr || err.stdout}\nserver log:\n${srv.log().slice(-2000)}`);
    }
    return { stdout: out.stdout, files, ms: Date.now() - t0 };
  }

  /** Runs the recipe and checks the repository ox/repo it creates. */
  async function check(name, repo) {
    const { stdout, files } = await runRecipe(name);
    const created = await (await fetch(`${srv.url}api/repos/ox/${repo}`)).json();
    if (name !== 'curl') assert.equal(stdout.trim(), created.repository?.latest_commit?.id, `${name} prints the commit id`);
    else assert.equal(JSON.parse(stdout).repository.latest_commit.id, created.repository.latest_commit.id);
    assert.deepEqual(await compareRepo(srv.url, repo, files), [], `${name}: ox/${repo} holds other files than my-folder`);
  }

  test('curl', { skip: skipUnless(missing('curl', ['--version'], 'curl', 'apt-get install curl')) }, () => check('curl', 'from-curl'));
  test('Python requests', {
    skip: skipUnless(missing('python3', ['-c', 'import requests'], 'python3 with requests', 'apt-get install python3-requests (or pip install requests)')),
  }, () => check('python-requests', 'from-python'));
  test('Node fetch', () => check('node-fetch', 'from-node'));
  test('tus-js-client: plan, tus, commit; two files of one content sent once', async () => {
    await check('tus-js-client', 'from-tus');
    // The recipe sends each missing blob once: 6 distinct contents, 7 files.
    const creations = srv.log().split('\n').filter((l) => l.includes('"method":"POST"') && /"path":"\/api\/uploads\/[^/"]+\/files"/.test(l));
    assert.equal(creations.length, 6, `tus creations:\n${creations.join('\n')}`);
  });
});
