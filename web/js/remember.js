// What the page remembers on this device (localStorage): the server's
// address, the namespace and the commit author. Storage can be disabled
// (private mode): the page then works without remembering.

export const KEYS = {
  apiBase: 'oxdrop.api_base',
  namespace: 'oxdrop.namespace',
  authorName: 'oxdrop.author_name',
  authorEmail: 'oxdrop.author_email',
};

export function remember(key, value) {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    // not stored: the form still works
  }
}

export function recall(key) {
  try {
    return localStorage.getItem(key) || '';
  } catch {
    return '';
  }
}
