// The top bar: the engine's status, the offline notice, and Settings (the
// server's address, remembered on this device).

import { KEYS, recall, remember } from '../remember.js';

export function mountTopbar() {
  const $ = (id) => document.getElementById(id);
  const engineStatus = $('engine-status');
  const netStatus = $('net-status');
  const apiBase = $('api-base');
  apiBase.value = recall(KEYS.apiBase);
  $('own-origin').textContent = location.origin;
  apiBase.addEventListener('change', () => remember(KEYS.apiBase, apiBase.value.trim()));
  const net = () => (netStatus.hidden = navigator.onLine);
  window.addEventListener('online', net);
  window.addEventListener('offline', net);
  net();
  return {
    /** The server's address as typed in Settings ('' is this site). */
    apiBase: () => apiBase.value,
    engineStatus(state, text) {
      engineStatus.dataset.state = state;
      engineStatus.textContent = text;
    },
  };
}
