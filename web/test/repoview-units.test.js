// The repository view's pure parts under Node: its address (url.js), the
// file tree it shows (tree.js) and the Range reads of stored files
// (source.js) against a server that answers 206, and one that ignores
// Range and sends the whole file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { parseRepoHash, repoViewURL, fileURL, validName } from '../js/repoview/url.js';
import { buildTree, reveal, rowsOf, shownAncestor, typeCounts } from '../js/repoview/tree.js';
import { RemoteFile, TABLE_HEAD, WHOLE_TABLE, fetchRange } from '../js/repoview/source.js';

const entry = (path, size = 1, type = 'text') => ({ resource: { path }, filename: path.split('/').pop(), size, data_type: type, hash: `h-${path}` });

describe('repoview address', () => {
  test('repoViewURL and parseRepoHash go both ways, a file path included', () => {
    assert.equal(repoViewURL('ox', 'cats'), 'repo.html#/ox/cats');
    assert.equal(repoViewURL('ox', 'cats', 'a b/ü#1.png'), 'repo.html#/ox/cats/a%20b/%C3%BC%231.png');
    assert.deepEqual(parseRepoHash('#/ox/cats'), { namespace: 'ox', name: 'cats', path: '' });
    assert.deepEqual(parseRepoHash('#/ox/cats/a%20b/%C3%BC%231.png'), { namespace: 'ox', name: 'cats', path: 'a b/ü#1.png' });
    assert.deepEqual(parseRepoHash('#ox/my.data-set_2'), { namespace: 'ox', name: 'my.data-set_2', path: '' });
  });

  test('a bad address says why', () => {
    for (const [hash, why] of [['', /names no repository/], ['#/', /names no repository/], ['#/ox', /names no repository: “ox”/],
      ['#/ox/', /names no repository/], ['#/o/cats', /“o” is not a valid namespace/], ['#/ox/-cats', /“-cats” is not a valid repository name/],
      ['#/ox/%E0%A4%A', /broken %-escape/], ['#/ox/cats/a/../b', /not a file path/], [`#/ox/${'a'.repeat(101)}`, /not a valid repository name/]]) {
      const got = parseRepoHash(hash);
      assert.match(got.error ?? '', why, hash);
      assert.match(got.error, /#\/namespace\/name/, 'says what an address looks like');
    }
    assert.ok(validName('a'.repeat(100)));
  });

  test('fileURL escapes each segment of the path, not the slashes', () => {
    assert.equal(fileURL('https://api.example/', 'ox', 'cats', 'dir one/a?.txt'), 'https://api.example/api/repos/ox/cats/file/main/dir%20one/a%3F.txt');
  });
});

describe('repoview tree', () => {
  const entries = [entry('b/z.txt', 5), entry('img10.png', 1, 'image'), entry('b/a/x.csv', 7, 'tabular'), entry('img2.png', 2, 'image'), entry('a.txt', 3), { is_dir: true, resource: { path: 'b' } }];

  test('folders first, then files, by name with numbers in order; sizes and counts add up', () => {
    const tree = buildTree(entries);
    assert.deepEqual(rowsOf(tree.root).map((n) => n.path), ['b', 'b/a', 'b/a/x.csv', 'b/z.txt', 'a.txt', 'img2.png', 'img10.png']);
    assert.deepEqual(tree.files.map((n) => n.path), ['b/a/x.csv', 'b/z.txt', 'a.txt', 'img2.png', 'img10.png']);
    const b = tree.byPath.get('b/');
    assert.deepEqual([b.files, b.bytes, b.level, b.pos, b.siblings], [2, 12, 1, 1, 4]);
    assert.deepEqual([tree.root.files, tree.root.bytes], [5, 18]);
    const x = tree.byPath.get('b/a/x.csv');
    assert.deepEqual([x.level, x.pos, x.siblings, x.parent.path], [3, 1, 1, 'b/a']);
    assert.deepEqual(typeCounts(entries), { text: 2, image: 2, tabular: 1 });
  });

  test('closed folders hide what they hold; reveal opens the way to a file', () => {
    const tree = buildTree(entries);
    const b = tree.byPath.get('b/');
    const x = tree.byPath.get('b/a/x.csv');
    tree.byPath.get('b/a/').open = false;
    assert.deepEqual(rowsOf(tree.root).map((n) => n.path), ['b', 'b/a', 'b/z.txt', 'a.txt', 'img2.png', 'img10.png']);
    b.open = false;
    assert.deepEqual(rowsOf(tree.root).map((n) => n.path), ['b', 'a.txt', 'img2.png', 'img10.png']);
    assert.equal(shownAncestor(x), b);
    reveal(x);
    assert.ok(rowsOf(tree.root).includes(x));
    assert.equal(shownAncestor(x), x);
  });

  test('10,000 files build and list at once', () => {
    const many = [];
    for (let i = 0; i < 10_000; i++) many.push(entry(`d${i % 100}/f${i}.txt`));
    const tree = buildTree(many);
    assert.equal(tree.files.length, 10_000);
    assert.equal(rowsOf(tree.root).length, 10_100);
    for (const d of tree.dirs) d.open = false;
    assert.equal(rowsOf(tree.root).length, 100);
  });
});

describe('repoview Range reads', () => {
  const bytes = Buffer.from(Array.from({ length: 3 * TABLE_HEAD }, (_, i) => (i % 50 === 49 ? 0x0a : 0x41 + (i % 26))));
  const seen = [];
  let server;
  let url;
  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ url: req.url, range: req.headers.range });
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range || '');
      if (req.url.startsWith('/ranged') && m) {
        const [a, b] = [Number(m[1]), Math.min(Number(m[2]), bytes.length - 1)];
        res.writeHead(206, { 'Content-Range': `bytes ${a}-${b}/${bytes.length}`, 'Content-Length': b - a + 1 });
        return res.end(bytes.subarray(a, b + 1));
      }
      if (req.url.startsWith('/missing')) {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        return res.end('{"status":"error","status_message":"File x not found"}');
      }
      res.writeHead(200, { 'Content-Length': bytes.length });
      res.end(bytes);
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => new Promise((r) => {
    server.closeAllConnections();
    server.close(r);
  }));

  test('slice(a, b) fetches exactly bytes a to b-1 with one Range request', async () => {
    const f = new RemoteFile(`${url}/ranged/a.txt`, bytes.length, 'a.txt');
    seen.length = 0;
    assert.equal(await f.slice(10, 20).text(), bytes.subarray(10, 20).toString());
    assert.deepEqual(seen, [{ url: '/ranged/a.txt', range: 'bytes=10-19' }]);
    assert.equal(f.slice(-5).size, 5);
    assert.equal(f.slice(5, 2).size, 0);
    assert.equal((await f.slice(bytes.length, bytes.length + 9).arrayBuffer()).byteLength, 0);
  });

  test('a server that ignores Range still gives only the bytes asked for', async () => {
    const got = new Uint8Array(await fetchRange(`${url}/whole`, 100, 164));
    assert.deepEqual(Buffer.from(got), bytes.subarray(100, 164));
  });

  test('an error answer becomes an error naming the status and the message', async () => {
    await assert.rejects(new RemoteFile(`${url}/missing`, 9, 'x').slice(0, 4).text(), /HTTP 404: File x not found/);
  });

  test('blob(): a small table whole, a big csv its head cut after a line, a big parquet nothing', async () => {
    seen.length = 0;
    const small = await new RemoteFile(`${url}/ranged/s.csv`, 1000, 's.csv').blob();
    assert.equal(small.size, 1000);
    const big = await new RemoteFile(`${url}/ranged/b.csv`, WHOLE_TABLE + 1, 'data/b.CSV').blob();
    const text = await big.text();
    assert.ok(big.size <= TABLE_HEAD && text.endsWith('\n'), `${big.size} bytes ending in a newline`);
    assert.deepEqual(seen.map((s) => s.range), ['bytes=0-999', `bytes=0-${TABLE_HEAD - 1}`]);
    assert.equal(await new RemoteFile(`${url}/ranged/b.parquet`, WHOLE_TABLE + 1, 'b.parquet').blob(), null);
  });
});
