// Unit tests of the page's pure modules (no browser needed): the ETA meter,
// number and metadata formatting, upload error wording, the
// multipart payload order, the size-limit check before sending, and the folder walk's readEntries batching.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ProgressMeter } from '../js/eta.js';
import { formatBytes, formatDuration, metadataSummary, schemaSummary, tableCaption } from '../js/format.js';
import { buildPayload, estimatePayloadBytes, explainStatus, limitProblem, networkLimitHint, parseLimits, serverMessage, suggestName } from '../js/upload.js';
import { readAllEntries, walkEntry } from '../js/collect.js';

test('ETA never goes up, even when the speed drops', () => {
  const total = 100e6;
  const m = new ProgressMeter(total, { now: 0, halfLife: 1 });
  // Fast at first, then ten times slower, then a stall, then fast again.
  const samples = [];
  let loaded = 0;
  let t = 0;
  for (let i = 0; i < 200; i++) {
    t += 100;
    const rate = i < 50 ? 10e6 : i < 120 ? 1e6 : i < 140 ? 0 : 20e6; // bytes/s
    loaded = Math.min(total, loaded + (rate * 100) / 1000);
    samples.push(m.update(loaded, t));
  }
  let last = Infinity;
  let sawFinite = false;
  for (const s of samples) {
    assert.ok(s.eta <= last, `eta rose from ${last} to ${s.eta}`);
    if (Number.isFinite(s.eta)) sawFinite = true;
    last = s.eta;
  }
  assert.ok(sawFinite, 'an estimate was shown');
  assert.equal(samples.at(-1).eta, 0, 'done means no time left');
  assert.equal(samples.at(-1).fraction, 1);
});

test('ETA waits for half a second of history and tracks a steady speed', () => {
  const m = new ProgressMeter(10e6, { now: 0 });
  assert.equal(m.update(1e5, 100).eta, Infinity, 'no estimate from one early burst');
  let s;
  for (let t = 200; t <= 2000; t += 100) s = m.update((t / 1000) * 1e6, t); // 1 MB/s
  assert.ok(Math.abs(s.speed - 1e6) / 1e6 < 0.2, `speed ${s.speed}`);
  assert.ok(s.eta > 6 && s.eta < 10, `eta ${s.eta} for 8 MB left at 1 MB/s`);
});

test('formatBytes and formatDuration', () => {
  for (const [n, want] of [[0, '0 B'], [999, '999 B'], [1000, '1.00 KB'], [1536, '1.54 KB'], [22964, '23.0 KB'], [1438901, '1.44 MB'], [512 * 2 ** 20, '537 MB'], [-1, '–']]) {
    assert.equal(formatBytes(n), want, `formatBytes(${n})`);
  }
  for (const [s, want] of [[0, '0:00'], [7.4, '0:07'], [723, '12:03'], [3723, '1:02:03'], [Infinity, '–']]) {
    assert.equal(formatDuration(s), want, `formatDuration(${s})`);
  }
});

test('metadataSummary covers every metadata kind of oxen-behaviour §5', () => {
  const cases = [
    [null, ''],
    [{ image: { width: 499, height: 375, color_space: null } }, '499×375'],
    [{ image: { width: 28, height: 28, color_space: 'Grayscale' } }, '28×28 · Grayscale'],
    [{ text: { num_lines: 5001, num_chars: 40000 } }, '5,001 lines · 40,000 chars'],
    [{ text: { num_lines: 1, num_chars: 5 } }, '1 line · 5 chars'],
    [{ tabular: { width: 5, height: 4, schema: { hash: 'x', fields: [] } } }, '4 rows × 5 cols'],
    [{ video: { num_seconds: 1.6, width: 128, height: 176 } }, '1.6 s · 128×176'],
    [{ audio: { num_seconds: 3.1, num_channels: 1, sample_rate: 16000 } }, '3.1 s · mono · 16 kHz'],
    [{ audio: { num_seconds: 75, num_channels: 2, sample_rate: 44100 } }, '1:15 · stereo · 44.1 kHz'],
  ];
  for (const [meta, want] of cases) assert.equal(metadataSummary(meta), want, JSON.stringify(meta));
  assert.equal(schemaSummary({ tabular: { width: 2, height: 1, schema: { hash: 'h', fields: [{ name: 'a', dtype: 'str' }, { name: 'b', dtype: 'i64' }] } } }), 'a: str, b: i64');
  // A parquet or arrow preview has the schema and no rows: never "First 0 rows of 1,024".
  assert.deepEqual([tableCaption(0, 1024), tableCaption(0, undefined), tableCaption(1, 1), tableCaption(20, 1024)], ['1,024 rows; the preview shows the schema', 'The preview shows the schema', 'First 1 row of 1', 'First 20 rows of 1,024']);
});

test('error wording per HTTP status', () => {
  const b400 = { error: { type: 'bad_request', title: 'Bad Request', detail: 'Name is required' }, status: 'error', status_message: 'bad_request' };
  assert.match(explainStatus(400, b400, ''), /Name is required/);
  const a400 = { status: 'error', status_message: "Invalid repository or namespace name 'x'.", oxen_version: '0.1' };
  assert.match(explainStatus(400, a400, ''), /Invalid repository or namespace name 'x'/);
  assert.match(explainStatus(401, null, ''), /token is missing or wrong/);
  const conflict = explainStatus(409, { status: 'error', status_message: 'Repo already exists.' }, '', { name: 'cats' });
  assert.match(conflict, /“cats” is already taken/);
  assert.match(conflict, /cats-2/);
  assert.match(explainStatus(413, { status: 'error', status_message: 'upload is over the limit of 100 MiB' }, ''), /limit is 100 MiB/);
  assert.match(explainStatus(413, null, ''), /too large/);
  assert.match(explainStatus(500, { status: 'error', status_message: 'Invalid body.' }, ''), /HTTP 500.*Invalid body/);
  assert.equal(serverMessage(null, '<html>proxy error</html>'), '');
  assert.equal(suggestName('cats'), 'cats-2');
  assert.equal(suggestName('cats-2'), 'cats-3');
});

test('limitProblem names the limit and the offending file, or says nothing when it fits', () => {
  const MiB = 1 << 20;
  const limits = { maxBodyBytes: 4 * MiB, maxFileBytes: 4 * MiB, maxFiles: 3 };
  const cases = [
    { name: 'unknown limits: send as before', limits: null, files: [{ path: 'a', size: 1e12 }], want: null },
    { name: 'fits', limits, files: [{ path: 'a.bin', size: 3 * MiB }], want: null },
    { name: 'empty', limits, files: [], want: null },
    { name: 'file exactly at the limit fits when the body does too', limits: { ...limits, maxBodyBytes: 5 * MiB }, files: [{ path: 'a', size: 4 * MiB }], want: null },
    { name: 'one file too big', limits, files: [{ path: 'ok.txt', size: 10 }, { path: 'videos/big.mp4', size: 5 * MiB }], want: /^“videos\/big\.mp4” is 5\.24 MB; this server accepts files up to 4\.19 MB\./ },
    { name: 'too many files', limits, files: ['a', 'b', 'c', 'd'].map((path) => ({ path, size: 1 })), want: /sending 4 files; this server accepts at most 3 files/ },
    { name: 'sum over the body limit', limits, files: [{ path: 'a', size: 3 * MiB }, { path: 'b', size: 2 * MiB }], want: /add up to 5\.24 MB .*accepts uploads up to 4\.19 MB in total/ },
    { name: 'overhead alone tips it over', limits: { ...limits, maxBodyBytes: 4 * MiB + 100 }, files: [{ path: 'a', size: 4 * MiB }], want: /in total/ },
  ];
  for (const c of cases) {
    const got = limitProblem(c.limits, c.files);
    if (c.want === null) assert.equal(got, '', c.name);
    else assert.match(got, c.want, c.name);
  }
  assert.ok(estimatePayloadBytes([{ path: 'é', size: 10 }]) > estimatePayloadBytes([{ path: 'e', size: 10 }]), 'paths count in UTF-8 bytes');
});

test('parseLimits accepts only three positive numbers; networkLimitHint only for large uploads', () => {
  assert.deepEqual(parseLimits({ max_body_bytes: 10, max_file_bytes: 5, max_files: 2 }), { maxBodyBytes: 10, maxFileBytes: 5, maxFiles: 2 });
  for (const bad of [null, {}, { max_body_bytes: 10, max_file_bytes: 5 }, { max_body_bytes: '10', max_file_bytes: 5, max_files: 2 }, { max_body_bytes: 10, max_file_bytes: -5, max_files: 2 }]) {
    assert.equal(parseLimits(bad), null, JSON.stringify(bad));
  }
  const limits = { maxBodyBytes: 4e9, maxFileBytes: 1e9, maxFiles: 10 };
  assert.equal(networkLimitHint(null, 5e9), '');
  assert.equal(networkLimitHint(limits, 1000), '');
  assert.match(networkLimitHint(limits, 5e9), /files up to 1\.00 GB and uploads up to 4\.00 GB/);
});

test('the payload has new_repo, name, email, manifest, then file[] parts in order', async () => {
  const files = [
    { file: new File(['Hello'], 'hello.txt'), path: 'text/hello.txt', hash: 'h1' },
    { file: new File(['a,b\n'], 'x.csv'), path: 'x.csv', hash: 'h2' },
  ];
  const fd = buildPayload({ namespace: 'ox', name: 'cats', description: 'd', authorName: 'Bessie', authorEmail: 'b@oxen.ai' }, files);
  const parts = [...fd.entries()];
  assert.deepEqual(parts.map(([k]) => k), ['new_repo', 'name', 'email', 'manifest', 'file[]', 'file[]']);
  assert.deepEqual(JSON.parse(parts[0][1]), { namespace: 'ox', name: 'cats', description: 'd' });
  assert.equal(parts[1][1], 'Bessie');
  assert.equal(parts[2][1], 'b@oxen.ai');
  assert.deepEqual(JSON.parse(parts[3][1]), { 'text/hello.txt': 'h1', 'x.csv': 'h2' });
  assert.equal(parts[4][1].name, 'text/hello.txt');
  assert.equal(await parts[4][1].text(), 'Hello');
  assert.equal(parts[5][1].name, 'x.csv');
});

// A FileSystemDirectoryReader stand-in that, like Chromium, hands out at most
// 100 entries per readEntries call and then an empty array.
function fakeDir(name, children, { failList = false } = {}) {
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader() {
      let i = 0;
      let calls = 0;
      return {
        get calls() {
          return calls;
        },
        readEntries(ok, fail) {
          calls++;
          if (failList) return setTimeout(() => fail(new DOMException('denied', 'NotReadableError')));
          const batch = children.slice(i, i + 100);
          i += batch.length;
          setTimeout(() => ok(batch));
        },
      };
    },
  };
}
function fakeFile(name, { fail = false } = {}) {
  return {
    name,
    isFile: true,
    isDirectory: false,
    file(ok, bad) {
      setTimeout(() => (fail ? bad(new DOMException('gone', 'NotFoundError')) : ok(new File([name], name))));
    },
  };
}

test('readAllEntries keeps calling readEntries until it returns nothing', async () => {
  const kids = Array.from({ length: 250 }, (_, i) => fakeFile(`f${i}.txt`));
  const reader = fakeDir('d', kids).createReader();
  const got = await readAllEntries(reader);
  assert.equal(got.length, 250);
  assert.equal(reader.calls, 4, '100 + 100 + 50 + the empty answer');
});

test('walkEntry keeps relative paths and reports what it cannot read', async () => {
  const tree = fakeDir('top', [
    fakeFile('a.txt'),
    fakeDir('sub', [fakeFile('b.txt'), fakeFile('broken.bin', { fail: true })]),
    fakeDir('empty', []),
    fakeDir('locked', [], { failList: true }),
  ]);
  const out = { files: [], problems: [] };
  await walkEntry(tree, '', out);
  assert.deepEqual(out.files.map((f) => f.path), ['top/a.txt', 'top/sub/b.txt']);
  assert.deepEqual(out.problems.map((p) => p.path), ['top/sub/broken.bin', 'top/empty/', 'top/locked/']);
  for (const p of out.problems) assert.ok(p.message.length > 10, p.message);
});
