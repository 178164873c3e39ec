// The page's link to the hashing engine: the public module's Engine
// (web/js/oxdrop.js, the same API other pages embed), started once; it
// holds the engine when it is up, or why it could not start, for the parts
// of the page that hash, preview and check names with it.

export class EngineLink {
  /** @type {import('../oxdrop.js').Engine | null} */
  pool = null;
  /** Why the engine could not start ('' while it can). */
  error = '';
  /** Resolves with the pool once it is up, or null if it failed. */
  ready = Promise.resolve(null);

  /**
   * Starts the pool; onReady(pool) or onFail(message) is called once.
   * The module is imported here, not statically, so the page draws before
   * the engine's code is even fetched.
   */
  start({ onReady, onFail }) {
    this.ready = (async () => {
      try {
        const { createEngine } = await import('../oxdrop.js');
        const pool = await createEngine();
        this.pool = pool;
        onReady(pool);
        return pool;
      } catch (err) {
        this.error = err?.message || String(err);
        onFail(this.error);
        return null;
      }
    })();
    return this.ready;
  }

  /** The number of workers of a running pool, or NaN. */
  get workers() {
    const n = this.pool?.workers;
    return Number.isFinite(n) ? n : NaN;
  }
}
