// The repository view's preview: the main app's preview dialog
// (panels/preview-dialog.js, over preview.js), fed stored files (source.js)
// instead of Files, with what a stored file adds: its full hash with a copy
// button, and a download link (repo.html's .rv-file-bar). Each file shown
// gets its own AbortController, so closing or stepping away stops what it
// was still fetching.
import { PreviewDialog } from '../panels/preview-dialog.js';
import { wireCopy } from './copy.js';
import { RemoteFile } from './source.js';

export class RepoPreview {
  #els;
  #fileURL;
  #dialog;
  #controller = null;
  #node = null;

  /**
   * @param {Record<string, HTMLElement>} els dialog, hash, copy, download, body, live (repo.html)
   * @param {{pool: {previewTable: Function}, fileURL: (path: string) => string,
   *   neighbour: (node: any, delta: number) => any, shown: (node: any) => void,
   *   closed: (node: any) => void}} opts
   *   neighbour gives the file node before (-1) or after (1) node; shown is
   *   told each file shown; closed, the last one when the dialog closes
   */
  constructor(els, { pool, fileURL, neighbour, shown, closed }) {
    this.#els = els;
    this.#fileURL = fileURL;
    this.#dialog = new PreviewDialog({
      engine: { pool },
      neighbour: (entry, delta) => {
        const next = neighbour(entry.node, delta);
        return next ? this.#entry(next) : null;
      },
      opened: (entry) => {
        this.#node = entry.node;
        this.#bar(entry.node);
        shown(entry.node);
      },
    });
    els.dialog.addEventListener('close', () => {
      this.#controller?.abort();
      const node = this.#node;
      this.#node = null;
      if (node) closed(node);
    });
    wireCopy(els.copy, () => this.#node?.entry.hash ?? '', 'The hash', els.live);
    // A table wider than the dialog (a phone) scrolls sideways: it takes
    // the focus, as the text previews do, so that keys can scroll it too.
    new MutationObserver(() => {
      for (const wrap of els.body.querySelectorAll('.table-wrap:not([tabindex])')) {
        wrap.tabIndex = 0;
        wrap.setAttribute('role', 'region');
        wrap.setAttribute('aria-label', 'Start of the table');
      }
    }).observe(els.body, { childList: true, subtree: true });
  }

  /** The file node shown, or null. */
  get node() {
    return this.#node;
  }

  /** Shows the preview of a file node (tree.js). */
  open(node) {
    this.#dialog.open(this.#entry(node));
  }

  close() {
    if (this.#els.dialog.open) this.#els.dialog.close();
  }

  // The entry preview.js reads: the metadata entry as the file's info, the
  // stored bytes as its file.
  #entry(node) {
    this.#controller?.abort();
    this.#controller = new AbortController();
    const e = node.entry;
    const file = new RemoteFile(this.#fileURL(node.path), e.size, node.path, this.#controller.signal);
    return { path: node.path, size: e.size, info: e, file, node };
  }

  #bar(node) {
    const { hash, download } = this.#els;
    hash.textContent = node.entry.hash ?? '';
    download.href = this.#fileURL(node.path);
    download.download = node.name;
    download.setAttribute('aria-label', `Download ${node.name}`);
  }
}
