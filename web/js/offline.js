// registerOffline registers the service worker (sw.js) that makes the app
// work offline, at a moment when its install costs the person nothing.
//
// Installing fetches and stores the whole app shell, the 4.5 MB engine
// included, through the browser process: the same process that reads the
// files being hashed. On a first visit a 256 MiB file chosen 300 ms after
// load hashed ~20% slower while the install ran (bench:hash, the start-up
// race: 675 ms against 548 without it). So it waits for the page's load
// event, then AFTER_LOAD_MS more (a person rarely chooses files sooner),
// then for whenIdle() (the files listed so far described), then for an
// idle moment of the main thread.

const AFTER_LOAD_MS = 2000;

/**
 * @param {() => Promise<void>} whenIdle resolves when no file is being described
 * @param {string} [url] the service worker's script, relative to the page
 * @returns {Promise<ServiceWorkerRegistration | null>} null where there is none
 */
export async function registerOffline(whenIdle, url = 'sw.js') {
  if (!('serviceWorker' in navigator) || location.protocol === 'file:') return null;
  if (document.readyState !== 'complete') await new Promise((r) => addEventListener('load', r, { once: true }));
  await new Promise((r) => setTimeout(r, AFTER_LOAD_MS));
  await whenIdle();
  await new Promise((r) => (globalThis.requestIdleCallback ? requestIdleCallback(r, { timeout: 1000 }) : setTimeout(r, 0)));
  try {
    return await navigator.serviceWorker.register(url);
  } catch (err) {
    // The app works without it, only not offline.
    console.warn('oxdrop: service worker not registered:', err);
    return null;
  }
}
