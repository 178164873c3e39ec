// Drawing what changes with every result (totals, hints) that often only
// repaints for nobody to read: a throttled draw runs at most every ms, at
// once when the store settles into a state people (and tests) wait for
// (store.settledKey), and a timer makes sure the last change is drawn.

/**
 * @param {() => void} draw
 * @param {import('../store/entries.js').EntriesStore} store
 * @returns {() => void} request a draw
 */
export function throttledDraw(draw, store, ms = 250) {
  let at = -Infinity;
  let timer = 0;
  let frame = false;
  let settled = null; // the settled state last drawn
  const run = () => {
    frame = false;
    const now = performance.now();
    const key = store.settledKey();
    if (now - at < ms && (key === null || key === settled)) {
      timer ||= setTimeout(() => {
        timer = 0;
        request();
      }, ms - (now - at));
      return;
    }
    clearTimeout(timer);
    timer = 0;
    at = now;
    settled = key;
    draw();
  };
  const request = () => {
    if (frame) return;
    frame = true;
    requestAnimationFrame(run);
  };
  return request;
}
