// The preview dialog: a file's facts, its full hash with a Copy button, and
// its preview (preview.js); the previous and next file of the list
// (buttons, or the arrow keys); every object URL it made revoked and every
// player stopped when it closes. The focus goes back where it was when the
// dialog opened.

import { wireCopy } from '../repoview/copy.js';
import { previewFacts, renderPreview } from '../preview.js';

export class PreviewDialog {
  #state = null; // {entry, urls, controller, opener}

  /**
   * @param {{engine: import('../files/engine.js').EngineLink, neighbour: (entry: any, delta: number) => any,
   *          opened?: (entry: any) => void, focusFor?: (entry: any, opener: Element|null) => Element|null}} deps
   *   neighbour gives the file shown before (-1) or after (1) entry in the list;
   *   opened is told which file is shown; focusFor gives the element to give
   *   the focus back to after stepping to entry, in place of opener
   */
  constructor({ engine, neighbour, opened = () => {}, focusFor = () => null }) {
    const $ = (id) => document.getElementById(id);
    this.engine = engine;
    this.neighbour = neighbour;
    this.opened = opened;
    this.focusFor = focusFor;
    this.dialog = $('preview');
    this.title = $('preview-title');
    this.facts = $('preview-facts');
    this.body = $('preview-body');
    // The full hash with its Copy button, where the page has them
    // (index.html; the repository view, repo.html, has its own bar).
    this.hashLine = $('preview-hash-line');
    this.hash = $('preview-hash');
    if (this.hashLine) wireCopy($('preview-copy'), () => this.entry?.info?.hash ?? '', 'The hash', $('preview-copied'));
    this.dialog.addEventListener('close', () => {
      const opener = this.#clear();
      if (opener?.isConnected) opener.focus();
    });
    $('preview-close').addEventListener('click', () => this.dialog.close());
    $('preview-prev').addEventListener('click', () => this.step(-1));
    $('preview-next').addEventListener('click', () => this.step(1));
    this.dialog.addEventListener('keydown', (e) => {
      if (e.target.closest('audio, video')) return;
      if (e.key === 'ArrowRight') this.step(1);
      else if (e.key === 'ArrowLeft') this.step(-1);
    });
    // A click on the backdrop (outside the dialog box) closes it.
    this.dialog.addEventListener('click', (e) => {
      if (e.target === this.dialog) this.dialog.close();
    });
  }

  /** The entry shown, or null. */
  get entry() {
    return this.#state?.entry ?? null;
  }

  open(entry, opener = document.activeElement) {
    this.#clear();
    const controller = new AbortController();
    const state = { entry, urls: [], controller, opener };
    this.#state = state;
    this.title.textContent = entry.path;
    this.facts.textContent = previewFacts(entry);
    if (this.hashLine) {
      this.hash.textContent = entry.info?.hash ?? '';
      this.hashLine.hidden = !entry.info?.hash;
    }
    this.body.replaceChildren();
    if (!this.dialog.open) this.dialog.showModal();
    this.opened(entry);
    const loading = document.createElement('p');
    loading.className = 'preview-note';
    loading.textContent = 'Loading preview…';
    this.body.append(loading);
    const content = document.createElement('div');
    content.className = 'preview-content';
    renderPreview(content, entry, { pool: this.engine.pool, urls: state.urls, signal: controller.signal })
      .catch((err) => {
        const p = document.createElement('p');
        p.className = 'preview-note';
        p.textContent = `No preview: ${err?.message || err}`;
        content.append(p);
      })
      .finally(() => {
        if (this.#state !== state) return;
        loading.remove();
        // A table wider or taller than its box scrolls: it takes the focus,
        // so that keys scroll it too.
        for (const wrap of content.querySelectorAll('.table-wrap')) {
          wrap.tabIndex = 0;
          wrap.setAttribute('role', 'region');
          wrap.setAttribute('aria-label', `Start of the table ${entry.path}`);
        }
        this.body.append(content);
      });
  }

  /** Shows the file before (-1) or after (1) this one in the list. */
  step(delta) {
    const state = this.#state;
    if (!state) return;
    const next = this.neighbour(state.entry, delta);
    if (!next) return;
    this.open(next, state.opener);
    this.#state.opener = this.focusFor(next, state.opener) || state.opener;
  }

  /** Stops what the preview runs and forgets it; returns the element that had the focus. */
  #clear() {
    const state = this.#state;
    if (!state) return null;
    state.controller.abort();
    // Stop media before revoking, so no decoder keeps the blob alive.
    for (const m of this.body.querySelectorAll('audio, video')) {
      m.pause();
      m.removeAttribute('src');
      m.load();
    }
    for (const url of state.urls) URL.revokeObjectURL(url);
    this.body.replaceChildren();
    this.#state = null;
    return state.opener;
  }
}
