// Files in: what a drop, a paste or a picker collected (collect.js) has its
// paths checked by the engine, in one batch, against the server's own rules
// (core/repo PathSet: each path, and against the ones listed and the ones
// added before it), so a file the server would refuse never enters the
// list; the rest are listed in the store in slices of a few milliseconds
// with a yield to the browser between them. File.size is never read here:
// in Chromium it is a synchronous round trip to the browser process for a
// file picked from disk, which, queued behind the workers' reads, froze the
// page for seconds with 2,000 files; the size comes from the engine.

const SLICE_MS = 8;

/** The words for files handed over while an upload runs. */
export const REFUSED_WHILE_UPLOADING = 'Files cannot be added while an upload is running: drop or add them again after it ends.';

function yieldToBrowser() {
  if (globalThis.scheduler?.yield) return globalThis.scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class Intake {
  #adding = Promise.resolve();

  /**
   * @param {import('../store/entries.js').EntriesStore} store
   * @param {import('./engine.js').EngineLink} engine
   * @param {{problems: (notes: {path: string, message: string, info?: boolean}[]) => void,
   *          refused: (message: string) => void}} report
   */
  constructor(store, engine, report) {
    this.store = store;
    this.engine = engine;
    this.report = report;
  }

  /** True (and says so) when files cannot be added now: an upload runs. */
  refuseIfLocked() {
    if (!this.store.locked) return false;
    this.report.refused(REFUSED_WHILE_UPLOADING);
    return true;
  }

  /** Adds collected files ({files, problems}); adds are chained so two drops in a row keep their order. */
  add(collected) {
    if (this.refuseIfLocked()) return this.#adding;
    this.#adding = this.#adding
      .then(() => this.#addInSlices(collected))
      .catch((err) => this.report.problems([{ path: '', message: `Files could not be added: ${err?.message || err}` }]));
    return this.#adding;
  }

  /** Resolves once every file handed over is listed and described (or failed). */
  async settled() {
    await this.#adding;
    await this.store.whenSettled();
  }

  // One message per path, "" when valid. Without an engine nothing can be
  // hashed or sent, so nothing is checked either.
  async #pathProblems(paths) {
    const pool = await this.engine.ready;
    if (!pool) return paths.map(() => '');
    return pool.checkPaths(paths, this.store.entries.keys());
  }

  async #addInSlices({ files, problems }) {
    const notes = [...problems];
    const bad = await this.#pathProblems(files.map((f) => f.path));
    let replaced = 0;
    let sliceStart = performance.now();
    for (let i = 0; i < files.length; i++) {
      if (performance.now() - sliceStart > SLICE_MS) {
        await yieldToBrowser();
        sliceStart = performance.now();
      }
      const { file, path } = files[i];
      if (bad[i]) notes.push({ path, message: bad[i] });
      else if (this.store.add(path, file).replaced) replaced++;
    }
    if (replaced) notes.push({ path: '', message: `${replaced} ${replaced === 1 ? 'file has' : 'files have'} the same path as one already listed and replaced it.`, info: true });
    this.report.problems(notes);
  }
}
