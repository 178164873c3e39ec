// Generates the "many files" benchmark's input: small mixed files (text,
// markdown, csv, json, jsonl, tiny valid png/jpeg/gif, binary) in nested
// folders. Every file's content is different (it carries its index), so no
// two rows are duplicates and every file is really hashed and described.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** The kinds generated, in rotation, with the type the engine should report. */
export const kinds = [
  { ext: 'txt', type: 'text' },
  { ext: 'md', type: 'text' },
  { ext: 'csv', type: 'tabular' },
  { ext: 'json', type: 'tabular' },
  { ext: 'jsonl', type: 'tabular' },
  { ext: 'png', type: 'image' },
  { ext: 'jpg', type: 'image' },
  { ext: 'gif', type: 'image' },
  { ext: 'bin', type: 'binary' },
];

// A small deterministic PRNG (mulberry32), so every run sees the same bytes.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A valid RGB PNG of w×h pixels whose colours depend on i. */
export function png(i, w = 1 + (i % 7), h = 1 + (i % 5)) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const raw = Buffer.alloc(h * (1 + 3 * w));
  for (let y = 0; y < h; y++) {
    raw[y * (1 + 3 * w)] = 0; // filter: none
    for (let x = 0; x < w; x++) {
      const o = y * (1 + 3 * w) + 1 + 3 * x;
      raw[o] = i & 0xff;
      raw[o + 1] = (i >> 8) & 0xff;
      raw[o + 2] = (x * 40 + y * 60) & 0xff;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function segment(marker, body) {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length + 2);
  return Buffer.concat([Buffer.from([0xff, marker]), len, body]);
}

/**
 * A valid baseline JPEG: one 8×8 grey block (DC difference 0, no AC
 * coefficients), so a one-symbol Huffman table per class is enough and the
 * scan is two zero bits. A COM segment carries i so every file differs.
 */
export function jpeg(i) {
  const jfif = Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const dqt = Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)]);
  // precision 8, height 8, width 8, one component: id 1, sampling 1×1, table 0
  const sof = Buffer.from([8, 0, 8, 0, 8, 1, 1, 0x11, 0]);
  const codeLengths = (n) => Buffer.from([n, ...Array(15).fill(0)]);
  const dhtDC = Buffer.concat([Buffer.from([0x00]), codeLengths(1), Buffer.from([0x00])]); // category 0
  const dhtAC = Buffer.concat([Buffer.from([0x10]), codeLengths(1), Buffer.from([0x00])]); // EOB
  const sos = Buffer.from([1, 1, 0x00, 0, 63, 0]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, jfif),
    segment(0xfe, Buffer.from(`oxdrop bench ${i}`)),
    segment(0xdb, dqt),
    segment(0xc0, sof),
    segment(0xc4, dhtDC),
    segment(0xc4, dhtAC),
    segment(0xda, sos),
    Buffer.from([0x3f]), // DC code "0", AC EOB "0", padded with ones
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** A valid 1×1 GIF89a; a comment extension carries i. */
export function gif(i) {
  const comment = Buffer.from(`oxdrop bench ${i}`);
  return Buffer.concat([
    Buffer.from('GIF89a', 'latin1'),
    Buffer.from([1, 0, 1, 0, 0x80, 0, 0]), // 1×1, global colour table of 2
    Buffer.from([i & 0xff, (i >> 8) & 0xff, 0x80, 0xff, 0xff, 0xff]),
    Buffer.from([0x21, 0xfe, comment.length]),
    comment,
    Buffer.from([0x00]),
    Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0]), // image descriptor
    Buffer.from([0x02, 0x02, 0x44, 0x01, 0x00]), // LZW: clear, index 0, end
    Buffer.from([0x3b]),
  ]);
}

/** The bytes of file number i of the given kind. */
export function content(i, kind) {
  const rnd = prng(i + 1);
  const lines = 2 + Math.floor(rnd() * 40);
  switch (kind.ext) {
    case 'txt': {
      let s = `file ${i}\n`;
      for (let l = 0; l < lines; l++) s += `line ${l} of a small text file, value ${Math.floor(rnd() * 1e6)}\n`;
      return Buffer.from(s);
    }
    case 'md':
      return Buffer.from(`# Note ${i}\n\nA *small* markdown file with ${lines} items:\n\n${Array.from({ length: lines }, (_, l) => `- item ${l}: ${rnd().toFixed(6)}`).join('\n')}\n`);
    case 'csv': {
      let s = 'id,name,value,flag\n';
      for (let l = 0; l < lines; l++) s += `${i * 100 + l},row ${l},${(rnd() * 1000).toFixed(3)},${rnd() < 0.5}\n`;
      return Buffer.from(s);
    }
    case 'json':
      return Buffer.from(JSON.stringify(Array.from({ length: lines }, (_, l) => ({ id: i * 100 + l, name: `row ${l}`, value: rnd() })), null, 1));
    case 'jsonl':
      return Buffer.from(Array.from({ length: lines }, (_, l) => JSON.stringify({ id: i * 100 + l, value: rnd(), ok: rnd() < 0.5 })).join('\n') + '\n');
    case 'png':
      return png(i);
    case 'jpg':
      return jpeg(i);
    case 'gif':
      return gif(i);
    default: {
      // Starts with bytes no format claims, then noise, 256 B to 4 KiB.
      const b = Buffer.alloc(256 + Math.floor(rnd() * 3840));
      b.writeUInt32BE(0x00ba5e00, 0);
      b.writeUInt32BE(i, 4);
      for (let k = 8; k < b.length; k++) b[k] = Math.floor(rnd() * 256);
      return b;
    }
  }
}

/**
 * Writes n files under root in folders of at most 100 (root/aNN/bN/...),
 * returns the count of each type expected.
 */
export function generate(root, n) {
  const expected = {};
  for (let i = 0; i < n; i++) {
    const kind = kinds[i % kinds.length];
    const folder = Math.floor(i / 100);
    const dir = path.join(root, `a${String(Math.floor(folder / 10)).padStart(2, '0')}`, `b${folder % 10}`);
    if (i % 100 === 0) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `f${String(i).padStart(5, '0')}.${kind.ext}`), content(i, kind));
    expected[kind.type] = (expected[kind.type] || 0) + 1;
  }
  return expected;
}
