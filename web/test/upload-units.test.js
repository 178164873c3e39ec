// Unit tests of the resumable upload's pure parts (no browser needed): the
// small-drop rule, the plan and commit bodies, what a plan leaves to send
// and what the page says of the rest, piece sizes, tus metadata, the
// backoff; and ResumableUpload itself against an in-memory tus server:
// blobs resumed from HEAD after a cut, pause, cancel, a server failure.
import test from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, commitBody, isSmallDrop, planBody, presentNote, retryableStatus, SMALL_DROP, splitByPlan } from '../js/upload/plan.js';
import { encodeMetadata, headerCount, parseRetryAfter, pieceSize, RequestError } from '../js/upload/tus.js';
import { ResumableUpload } from '../js/upload/resumable.js';
import { limitProblem } from '../js/upload.js';
import { UploadError } from '../js/upload.js';

const MiB = 2 ** 20;

test('a small drop is at most 8 files and 8 MiB', () => {
  const files = (n, size) => Array.from({ length: n }, () => ({ size }));
  assert.deepEqual(SMALL_DROP, { files: 8, bytes: 8 * MiB });
  assert.equal(isSmallDrop([]), true);
  assert.equal(isSmallDrop(files(8, MiB)), true, '8 files of 1 MiB');
  assert.equal(isSmallDrop(files(9, 1)), false, '9 files');
  assert.equal(isSmallDrop(files(1, 8 * MiB + 1)), false, 'one byte over 8 MiB');
});

test('the plan and the commit bodies', () => {
  const form = { namespace: 'ox', name: 'cats', description: 'd', authorName: 'Ada', authorEmail: 'ada@example.com' };
  const files = [{ path: 'a.png', hash: 'h1', size: 3, file: null }, { path: 'b/c.csv', hash: 'h2', size: 0, file: null }];
  assert.deepEqual(planBody(form, files), { namespace: 'ox', name: 'cats', files: [{ path: 'a.png', hash: 'h1', size: 3 }, { path: 'b/c.csv', hash: 'h2', size: 0 }] });
  const user = { name: 'Ada', email: 'ada@example.com' };
  assert.deepEqual(commitBody(form, files, 'u1'), {
    namespace: 'ox', name: 'cats', description: 'd', upload_id: 'u1',
    files: [{ path: 'a.png', contents: { Blob: 'h1' }, user }, { path: 'b/c.csv', contents: { Blob: 'h2' }, user }],
  });
});

test('splitByPlan sends each missing content once and counts the files the server has', () => {
  const f = (path, hash, size) => ({ path, hash, size, file: { path } });
  const files = [f('a', 'h1', 10), f('b', 'h2', 20), f('a-copy', 'h1', 10), f('c', 'h3', 1000), f('d', 'h3', 1000)];
  const { blobs, present } = splitByPlan(files, ['h1', 'h2']);
  assert.deepEqual(blobs.map((b) => [b.hash, b.size, b.file.path]), [['h1', 10, 'a'], ['h2', 20, 'b']]);
  assert.deepEqual(present, { files: 2, bytes: 2000 });
  assert.equal(presentNote(present, files.length), '2 of 5 files are already on the server: 2.00 KB not sent');
  assert.equal(presentNote({ files: 1, bytes: 5 }, 45), '1 of 45 files is already on the server: 5 B not sent');
  assert.equal(presentNote({ files: 12, bytes: 1.2e9 }, 12), 'All 12 files are already on the server: 1.20 GB not sent');
  assert.equal(presentNote({ files: 1, bytes: 5 }, 1), 'The file is already on the server: 5 B not sent');
  assert.equal(presentNote({ files: 0, bytes: 0 }, 3), '');
});

test('pieces: min(max_chunk_bytes, 16 MiB), never under min_chunk_bytes unless over the max', () => {
  assert.equal(pieceSize(64 * MiB, 0), 16 * MiB);
  assert.equal(pieceSize(4 * MiB, 0), 4 * MiB);
  assert.equal(pieceSize(0, 0), 16 * MiB, 'no max said');
  assert.equal(pieceSize(100 * MiB, 20 * MiB), 20 * MiB);
  assert.equal(pieceSize(64 * MiB, 5 * MiB), 16 * MiB);
  assert.equal(pieceSize(4 * MiB, 5 * MiB), 4 * MiB, 'a server whose minimum is over its maximum gets its maximum');
});

test('tus metadata, Retry-After and header numbers', () => {
  assert.equal(encodeMetadata({ hash: '8a3f0c' }), `hash ${Buffer.from('8a3f0c').toString('base64')}`);
  assert.equal(encodeMetadata({ a: 'é', b: '' }), `a ${Buffer.from('é').toString('base64')},b `);
  assert.equal(parseRetryAfter('10'), 10);
  assert.equal(parseRetryAfter('Wed, 02 Dec 2026 13:00:30 GMT', Date.parse('Wed, 02 Dec 2026 13:00:00 GMT')), 30);
  assert.ok(Number.isNaN(parseRetryAfter(null)));
  assert.ok(Number.isNaN(parseRetryAfter('soon')));
  assert.equal(headerCount('123'), 123);
  assert.ok(Number.isNaN(headerCount('-1')));
  assert.ok(Number.isNaN(headerCount(null)));
});

test('backoff: 1 s, 2 s, 4 s … capped at 30 s, drawn in the upper half; Retry-After wins', () => {
  for (const [failures, full] of [[1, 1000], [2, 2000], [3, 4000], [5, 16_000], [6, 30_000], [40, 30_000]]) {
    assert.equal(backoffDelay(failures, { random: () => 0 }), full / 2, `lowest after ${failures}`);
    assert.equal(backoffDelay(failures, { random: () => 1 }), full, `highest after ${failures}`);
  }
  assert.equal(backoffDelay(1, { retryAfter: 10 }), 10_000);
  assert.equal(backoffDelay(1, { retryAfter: 3600 }), 300_000, 'at most 5 minutes');
  assert.deepEqual([408, 429, 500, 503, 400, 404, 409, 413].map(retryableStatus), [true, true, true, true, false, false, false, false]);
});

test('limitProblem in pieces: the per-file limit and the file count hold, the body limit does not', () => {
  const limits = { maxBodyBytes: 10 * MiB, maxFileBytes: 8 * MiB, maxFiles: 3 };
  const files = [{ path: 'a', size: 6 * MiB }, { path: 'b', size: 6 * MiB }];
  assert.match(limitProblem(limits, files), /in total/);
  assert.equal(limitProblem(limits, files, { inPieces: true }), '');
  assert.match(limitProblem(limits, [{ path: 'big', size: 9 * MiB }], { inPieces: true }), /“big” is/);
  assert.match(limitProblem(limits, [1, 2, 3, 4].map((i) => ({ path: `${i}`, size: 1 })), { inPieces: true }), /4 files/);
});

// An in-memory tus server behind ResumableUpload's transport. Pieces can be
// made to fail (cutAfter: the piece stops after that many bytes, as a
// network error) or to wait until released (hold), and the plan answers as
// the real one does.
function fakeServer({ have = [], resumed = false, maxChunk = 4, failPlan = [] } = {}) {
  const srv = { blobs: new Map(), log: [], cuts: [], holds: [], planFailures: [...failPlan], deleted: [], refuse: {} };
  const call = async (method, url, { json } = {}) => {
    srv.log.push(`${method} ${new URL(url).pathname}`);
    if (method === 'POST' && url.endsWith('/api/uploads')) {
      const status = srv.planFailures.shift();
      if (status) throw new RequestError('http', 'plan failed', { status, retryAfter: NaN });
      const missing = [...new Set(json.files.map((f) => f.hash))].filter((h) => !have.includes(h) && !srv.blobs.get(h)?.complete);
      return { status: 201, body: { upload: { id: 'u1', tus_endpoint: '/api/uploads/u1/files', missing, expires_at: '2999-01-01T00:00:00Z', max_chunk_bytes: maxChunk, min_chunk_bytes: 0, resumed } } };
    }
    if (method === 'POST' && url.endsWith('/api/repos')) return { status: 201, body: { repository: { name: json.name }, files: json.files }, text: '' };
    if (method === 'DELETE') {
      srv.deleted.push(new URL(url).pathname);
      return { status: 204 };
    }
    throw new Error(`unexpected ${method} ${url}`);
  };
  const net = {
    call,
    async tusCreate(endpoint, hash, size) {
      srv.log.push(`create ${hash}`);
      srv.blobs.set(hash, { offset: 0, size, complete: size === 0, bytes: 0 });
      return `${endpoint}/${hash}`;
    },
    async tusHead(url) {
      const hash = url.split('/').pop();
      srv.log.push(`head ${hash}`);
      const b = srv.blobs.get(hash);
      return b ? { offset: b.offset, length: b.size } : null;
    },
    tusPatch(url, piece, offset, { onProgress }) {
      const hash = url.split('/').pop();
      const b = srv.blobs.get(hash);
      srv.log.push(`patch ${hash} ${offset}+${piece.size}`);
      let abort;
      const promise = new Promise((resolve, reject) => {
        abort = () => reject(new RequestError('aborted', 'aborted'));
        const finish = () => {
          if (srv.refuse[hash]) return reject(new RequestError('http', 'refused', { status: srv.refuse[hash] }));
          b.bytes += piece.size;
          if (srv.cuts.length) {
            onProgress(srv.cuts.shift());
            return reject(new RequestError('network', 'cut'));
          }
          if (offset !== b.offset) return reject(new RequestError('http', 'conflict', { status: 409 }));
          onProgress(piece.size);
          b.offset += piece.size;
          b.complete = b.offset === b.size;
          resolve(b.offset);
        };
        if (srv.holds.length) srv.holds.shift()(finish);
        else setTimeout(finish, 0);
      });
      return { promise, abort: () => abort() };
    },
  };
  return { srv, net };
}

function upload(net, files, extra = {}) {
  const known = { has: () => false, add() {}, delete() {} };
  const form = { namespace: 'ox', name: 'cats', description: '', authorName: 'A', authorEmail: 'a@b.c' };
  return new ResumableUpload({ url: (p) => `http://x${p}`, form, files, net, known, delay: () => 1, ...extra });
}

const blobFile = (path, hash, text) => ({ path, hash, size: text.length, file: new Blob([text]) });

test('ResumableUpload: each missing content once, in pieces; the commit names every file; a cut piece goes on from HEAD', async () => {
  const { srv, net } = fakeServer({ have: ['hz'] });
  const files = [blobFile('a', 'ha', 'aaaaaaaaaa'), blobFile('a2', 'ha', 'aaaaaaaaaa'), blobFile('z', 'hz', 'zz'), blobFile('e', 'he', '')];
  srv.cuts.push(2); // the first piece is cut after 2 bytes
  const waits = [];
  const progress = [];
  const up = upload(net, files, { hooks: { onWait: (w) => waits.push(w && w.error.kind), onProgress: (l, t) => progress.push([l, t]) } });
  const res = await up.run();
  assert.equal(res.status, 201);
  assert.deepEqual(res.body.files.map((f) => [f.path, f.contents.Blob]), [['a', 'ha'], ['a2', 'ha'], ['z', 'hz'], ['e', 'he']]);
  assert.deepEqual(srv.log.filter((l) => !l.startsWith('POST') || l.includes('uploads')), [
    'POST /api/uploads', 'create ha', 'create he',
    'patch ha 0+4', // cut
    'head ha', 'patch ha 0+4', 'patch ha 4+4', 'patch ha 8+2',
  ]);
  assert.ok(srv.log.at(-1) === 'POST /api/repos');
  assert.deepEqual(waits, ['network', null]);
  assert.deepEqual(progress.at(-1), [10, 10]);
  assert.equal(srv.blobs.get('ha').bytes - 10, 4, 'one piece sent again');
});

test('ResumableUpload: a resumed upload asks HEAD first and creates only what the server never saw', async () => {
  const { srv, net } = fakeServer({ resumed: true });
  srv.blobs.set('ha', { offset: 8, size: 10, complete: false, bytes: 8 });
  const files = [blobFile('a', 'ha', 'aaaaaaaaaa'), blobFile('b', 'hb', 'bbb')];
  const plans = [];
  await upload(net, files, { hooks: { onPlan: (p) => plans.push(p) } }).run();
  assert.equal(plans[0].resumed, true);
  assert.deepEqual(srv.log.slice(1, -1), ['head ha', 'head hb', 'patch ha 8+2', 'create hb', 'patch hb 0+3']);
});

test('ResumableUpload: no piece starts while paused; resume goes on from HEAD; a 503 plan is tried again', async () => {
  const { srv, net } = fakeServer({ failPlan: [503] });
  const files = [blobFile('a', 'ha', 'aaaaaaaaaaaa')];
  let release;
  srv.holds.push((finish) => (release = finish));
  const up = upload(net, files);
  const done = up.run();
  while (!release) await new Promise((r) => setTimeout(r, 1));
  assert.equal(up.pause(), true);
  const at = srv.log.length;
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(srv.log.slice(at), [], 'nothing while paused');
  up.resume();
  const res = await done;
  assert.equal(res.status, 201);
  assert.deepEqual(srv.log.filter((l) => l.includes('uploads')), ['POST /api/uploads', 'POST /api/uploads']);
  assert.deepEqual(srv.log.slice(at), ['head ha', 'patch ha 0+4', 'patch ha 4+4', 'patch ha 8+4', 'POST /api/repos']);
});

test('ResumableUpload: cancel deletes the upload and rejects with an UploadError; a 409 plan is thrown as it is', async () => {
  const { srv, net } = fakeServer();
  let release;
  srv.holds.push((finish) => (release = finish));
  const up = upload(net, [blobFile('a', 'ha', 'aaaaaaaa')]);
  const done = up.run();
  while (!release) await new Promise((r) => setTimeout(r, 1));
  up.cancel();
  await assert.rejects(done, (err) => err instanceof UploadError && err.kind === 'cancelled' && /name is free/.test(err.message));
  assert.deepEqual(srv.deleted, ['/api/uploads/u1']);

  const taken = fakeServer({ failPlan: [409] });
  await assert.rejects(upload(taken.net, [blobFile('a', 'ha', 'a')]).run(), (err) => err instanceof RequestError && err.status === 409 && err.where === 'plan');
  assert.deepEqual(taken.srv.log, ['POST /api/uploads']);
});

test('ResumableUpload: a blob refused for good (400) stops the others and is thrown with its path', async () => {
  const { srv, net } = fakeServer();
  srv.refuse.hbad = 400;
  const files = [blobFile('bad.bin', 'hbad', 'xxxxxxxx'), blobFile('good.bin', 'hgood', 'g'.repeat(400))];
  await assert.rejects(upload(net, files).run(), (err) => err instanceof RequestError && err.status === 400 && err.where === 'blob' && err.path === 'bad.bin');
  const at = srv.log.length;
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(srv.log.slice(at), [], 'nothing more is sent');
  assert.ok(srv.blobs.get('hgood').offset < 400, 'the other blob stopped');
  assert.ok(!srv.log.includes('POST /api/repos'));
});
