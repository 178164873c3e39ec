// The checks the server makes on a file's path (core/repo CleanPath), done
// here too so a bad path is reported the moment it is added, not after an
// upload. Returns "" for a good path, else what is wrong in plain words.

const MAX_PATH_BYTES = 1024;
const encoder = new TextEncoder();

export function pathProblem(p) {
  if (!p) return 'has an empty path';
  if (encoder.encode(p).length > MAX_PATH_BYTES) return `has a path longer than ${MAX_PATH_BYTES} bytes`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(p)) return 'has a control character in its path';
  if (p.includes('\\')) return 'has a backslash in its path';
  if (p.startsWith('/')) return 'has an absolute path';
  if (p.endsWith('/')) return 'names a folder, not a file';
  for (const seg of p.split('/')) {
    if (seg === '') return 'has an empty folder name (//) in its path';
    if (seg === '.' || seg === '..') return `has a “${seg}” folder in its path`;
  }
  if (p === '.oxen' || p.startsWith('.oxen/')) return 'is inside .oxen, which Oxen reserves for itself';
  return '';
}
