// registerOffline registers the service worker (sw.js) that makes the app
// work offline, at a moment when its install costs the person nothing.
//
// Installing fetches and stores the whole app shell, the 4.5 MB engine
// included, through the browser process: the same process that reads the
// files being hashed and builds the FileList of a chosen folder. Registered
// at start-up, it made a 256 MiB file chosen 300 ms after load on a first
// visit hash ~20% slower (bench:hash, the start-up race: 675 ms against 548
// without it); registered 2 s after load, it landed while Chromium built a
// 10,000-file FileList and listing took 180 ms longer (bench:many). So the
// caller says when it is idle (app.js: its first drop described, or 10 s
// with none); this adds the load event and an idle moment of the main thread.

/**
 * @param {() => Promise<void>} whenIdle resolves when the page is not busy with files
 * @param {string} [url] the service worker's script, relative to the page
 * @returns {Promise<ServiceWorkerRegistration | null>} null where there is none
 */
export async function registerOffline(whenIdle, url = 'sw.js') {
  if (!('serviceWorker' in navigator) || location.protocol === 'file:') return null;
  if (document.readyState !== 'complete') await new Promise((r) => addEventListener('load', r, { once: true }));
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
