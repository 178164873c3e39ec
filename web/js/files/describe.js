// Feeds the entries the store lists to the engine pool, enough of them in
// flight for the pool to keep each worker a batch ahead (see
// engine/pool.js), and records each progress report, result and failure in
// the store. The rest wait here, without an AbortController.

import { CHANGED } from '../store/entries.js';

// Files handed to the engine before their results come back. The engine's
// pool paces the hand-over itself (a few milliseconds per task) and hands a
// burst over whole before its workers read any of it (engine/pool.js): a
// cap here that a burst outgrows splits it into rounds, each waiting for the
// last one's results (4,096 made 10,000 files take 15 rounds). This bounds
// what waits in memory, a promise and an AbortController a file.
const IN_FLIGHT = 16384;

export class Describer {
  #queue = [];
  #head = 0; // queue[#head] is the next to send: no O(n) shift per file
  #inFlight = 0;
  #pool = null;

  /** @param {import('../store/entries.js').EntriesStore} store */
  constructor(store) {
    this.store = store;
    store.subscribe((mask, entry) => {
      if (mask & CHANGED.LIST && entry?.state === 'queued') {
        this.#queue.push(entry);
        this.pump();
      }
    });
  }

  /** The engine is up: describing starts. */
  setPool(pool) {
    this.#pool = pool;
    this.pump();
  }

  pump() {
    if (!this.#pool) return;
    while (this.#inFlight < IN_FLIGHT && this.#head < this.#queue.length) {
      const entry = this.#queue[this.#head++];
      if (entry.state === 'queued') this.#describe(entry);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  async #describe(entry) {
    const { store } = this;
    this.#inFlight++;
    // The row still shows it waiting: the engine takes files in batches,
    // and its first progress report (or the result) is what starts the bar.
    const controller = new AbortController();
    store.start(entry, controller);
    try {
      const info = await this.#pool.describeFile(entry.file, {
        path: entry.path,
        signal: controller.signal,
        onProgress: (done, total) => store.progress(entry, done, total),
      });
      store.described(entry, info); // ignored if removed or replaced meanwhile
    } catch (err) {
      if (!controller.signal.aborted) store.failed(entry, err?.message || String(err));
    } finally {
      this.#inFlight--;
      this.pump();
    }
  }
}
