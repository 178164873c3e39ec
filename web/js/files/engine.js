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
   * Takes the pool boot.js started (index.html loads it first; were it
   * not loaded, importing it here starts it) as the public module's Engine
   * (engineOf);
   * onReady(pool) or onFail(message) is called once. The modules are
   * imported, not static, so the page draws before they are fetched.
   */
  start({ onReady, onFail }) {
    this.ready = (async () => {
      try {
        const [{ engineOf }, { started }] = await Promise.all([import('../oxdrop.js'), import('./boot.js')]);
        if (started.error) throw started.error;
        const pool = await engineOf(started.pool);
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
