// Starts the engine as soon as the page's HTML is parsed. index.html loads
// this module on its own (async, its two imports preloaded), so the wasm
// downloads and compiles and the workers start while the page's ~45 other
// modules load. Left to app.js, the engine started after all of them had
// loaded and run, behind five levels of imports (365-450 ms after
// navigation from a loopback server, after the load event), and a file
// chosen right after the page loaded met an engine still starting: its
// compile and Go start-up took the cores the file's hashing needed
// (bench:hash's start-up race). EngineLink (engine.js) takes the pool from
// here; it never imports anything else, so it stays one round trip deep.

import { EnginePool } from '../engine/pool.js';

/** @type {{pool: EnginePool | null, error: unknown}} */
export const started = (() => {
  try {
    return { pool: new EnginePool(), error: null }; // a worker per core, as createEngine()
  } catch (error) {
    return { pool: null, error };
  }
})();
