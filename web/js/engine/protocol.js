// The engine's message protocol, in one place: imported by pool.js (the
// page) and worker.js (each engine worker, a module worker). Every message
// is a plain object whose `type` is one of these.
// README.md in this folder has the table of what each one carries.

/** pool.js ⇄ worker.js */
export const Msg = Object.freeze({
  // pool → worker
  INIT: 'init', // {baseURL, chunkSize, readAhead}: sent with the worker's start; it loads wasm_exec.js and its reader meanwhile
  MODULE: 'module', // {module}: the compiled WebAssembly.Module (compiled once per pool)
  DESCRIBE: 'describe', // {chunkSize, readAhead, hold, jobs: [{id, file, path}]}: a batch of files, in order; hold: more are coming, wait for RELEASE before reading
  RELEASE: 'release', // {}: the hand-over of a burst is done: describe what is held
  REVOKE: 'revoke', // {ids}: drop these files if not started (cancelled, or taken back by the pool)
  CALL: 'call', // {id, op, args}: an interactive request, answered at once (op: one of Op)
  // worker → pool
  READY: 'ready', // {marks}: Go is running; marks are the worker's start-up times (epoch ms)
  FATAL: 'fatal', // {message, reported}: the Go instance cannot go on; the pool replaces the worker
  RESULTS: 'results', // {items: [{id, value} | {id, message}]}: answers, batched (files and calls alike)
  PROGRESS: 'progress', // {id, done, total}: bytes of a file larger than one chunk
  BIG: 'big', // {id}: started a file over BIG_FILE; the pool takes back the files behind it
});

/** The interactive requests (Msg.CALL's op). */
export const Op = Object.freeze({
  PREVIEW: 'preview', // args [file, path, maxRows] -> {columns, dtypes, rows} | null
  VALIDATE_NAME: 'validateName', // [name] -> "" | message
  VALIDATE_AUTHOR: 'validateAuthor', // [name, email] -> "" | message
  CHECK_PATHS: 'checkPaths', // [added, listed] -> one message per added path
  STATS: 'stats', // [] -> {wasmBytes}
});

/**
 * A file of at most SMALL_FILE bytes is read whole by its worker (a few
 * ahead of the one Go is on) and described in one synchronous call into Go.
 */
export const SMALL_FILE = 1 << 20;

/**
 * A file over BIG_FILE takes long enough that the files queued behind it on
 * the same worker are better given to another one.
 */
export const BIG_FILE = 32 << 20;

/** The prefix of the engine's User Timing marks (performance.mark) on the page. */
export const MARK = 'oxdrop-engine:';
