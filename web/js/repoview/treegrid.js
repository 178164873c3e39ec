// The repository's files as an ARIA treegrid (the APG pattern, rows
// focused first): one tab stop for the whole tree, arrow keys to move,
// Right and Left to open and close folders (and to step through a row's
// cells), Home, End, Page Up and Page Down, Enter to open a folder or a
// file's preview. It is virtualized: the grid scrolls in its own box and
// only the rows in view (and a few around them, and the focused one) are in
// the DOM, each placed by its index, so 10,000 files cost a few dozen rows.
// Rows carry data-path, data-hash, data-type and data-mime (folders
// data-dir), as the main list's rows do.
import { formatBytes, formatCount, metadataSummary } from '../format.js';
import { typeColour, typeInfo } from '../types.js';
import { reveal, rowsOf, shownAncestor } from './tree.js';

const OVERSCAN = 8;
const HEADINGS = ['Name', 'Details', 'Type', 'Size', 'Hash', 'Download'];
const SVG = 'http://www.w3.org/2000/svg';

function svg(d, cls) {
  const s = document.createElementNS(SVG, 'svg');
  s.setAttribute('viewBox', '0 0 16 16');
  s.setAttribute('aria-hidden', 'true');
  s.setAttribute('class', cls);
  const p = document.createElementNS(SVG, 'path');
  p.setAttribute('d', d);
  s.append(p);
  return s;
}

const FOLDER = 'M1.5 3.5A1 1 0 0 1 2.5 2.5h3.6l1.5 1.6h5.9a1 1 0 0 1 1 1v7.4a1 1 0 0 1-1 1h-11a1 1 0 0 1-1-1z';
const ARROW = 'M8 2v8.5m0 0-3.5-3.5M8 10.5l3.5-3.5M2.5 13.5h11';

function span(cls, text = '') {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = text;
  return s;
}

export class TreeGrid {
  #grid;
  #body;
  #fileURL;
  #onOpen;
  #tree = null;
  #rows = [];
  #index = new Map(); // node -> its row index
  #shown = new Map(); // node -> row element in the DOM
  #nodeOf = new WeakMap(); // row element -> node
  #active = { node: null, col: -1 }; // the tab stop: a row (col -1) or one of its cells
  #rowH = 40;
  #frame = 0;

  /**
   * @param {HTMLElement} grid  an empty element, the treegrid and its scroll box
   * @param {{fileURL: (path: string) => string, onOpen: (node: any) => void}} opts
   */
  constructor(grid, { fileURL, onOpen }) {
    this.#grid = grid;
    this.#fileURL = fileURL;
    this.#onOpen = onOpen;
    grid.setAttribute('role', 'treegrid');
    const headGroup = document.createElement('div');
    headGroup.className = 'rv-headgroup';
    headGroup.setAttribute('role', 'rowgroup');
    const head = document.createElement('div');
    head.className = 'rv-row rv-headrow';
    head.setAttribute('role', 'row');
    head.setAttribute('aria-rowindex', '1');
    for (const [i, text] of HEADINGS.entries()) {
      const h = span(`rv-c${i}`, text);
      h.setAttribute('role', 'columnheader');
      if (i === 3) h.classList.add('num');
      if (i === 5) h.classList.add('rv-dl');
      head.append(h);
    }
    headGroup.append(head);
    this.#body = document.createElement('div');
    this.#body.className = 'rv-body';
    this.#body.setAttribute('role', 'rowgroup');
    grid.replaceChildren(headGroup, this.#body);
    grid.addEventListener('scroll', () => this.#soon(), { passive: true });
    grid.addEventListener('keydown', (e) => this.#onKey(e));
    grid.addEventListener('click', (e) => this.#onClick(e));
    grid.addEventListener('focusin', (e) => this.#onFocus(e));
    new ResizeObserver(() => this.#soon()).observe(grid);
  }

  /** Shows a tree from tree.js's buildTree(). */
  setTree(tree) {
    this.#tree = tree;
    for (const el of this.#shown.values()) el.remove();
    this.#shown.clear();
    this.#active = { node: null, col: -1 };
    this.#grid.scrollTop = 0;
    this.#refresh();
  }

  /** Opens or closes every folder. */
  setAll(open) {
    for (const d of this.#tree?.dirs ?? []) d.open = open;
    this.#refresh();
  }

  /** Opens or closes one folder. */
  toggle(node, open = !node.open) {
    node.open = open;
    this.#refresh();
  }

  /** Shows the node at path (opening the folders above it), makes it the tab stop and, with focus, focuses it. */
  show(path, { focus = false } = {}) {
    const node = this.#tree?.byPath.get(path);
    if (!node) return false;
    reveal(node);
    this.#refresh();
    this.#go(this.#index.get(node), -1, focus);
    return true;
  }

  /** The row elements in the DOM now (for tests and the page's own checks). */
  get renderedRows() {
    return this.#shown.size;
  }

  #refresh() {
    this.#rows = this.#tree ? rowsOf(this.#tree.root) : [];
    this.#index = new Map(this.#rows.map((n, i) => [n, i]));
    const a = this.#active.node;
    if (a && !this.#index.has(a)) this.#active = { node: shownAncestor(a), col: -1 };
    if (!this.#active.node || !this.#index.has(this.#active.node)) this.#active = { node: this.#rows[0] ?? null, col: -1 };
    this.#render();
  }

  #soon() {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#render();
    });
  }

  #view() {
    return Math.max(this.#rowH, this.#grid.clientHeight - this.#body.offsetTop);
  }

  #render() {
    const h = parseFloat(getComputedStyle(this.#grid).getPropertyValue('--rv-row-h')) || 40;
    if (h !== this.#rowH) this.#rowH = h;
    const n = this.#rows.length;
    this.#body.style.height = `${n * h}px`;
    this.#grid.setAttribute('aria-rowcount', String(n + 1));
    const top = this.#grid.scrollTop;
    const first = Math.max(0, Math.floor(top / h) - OVERSCAN);
    const last = Math.min(n - 1, Math.ceil((top + this.#view()) / h) + OVERSCAN);
    const want = [];
    const act = this.#active.node;
    const ai = act ? this.#index.get(act) : -1;
    if (ai >= 0 && ai < first) want.push(act);
    for (let i = first; i <= last; i++) want.push(this.#rows[i]);
    if (ai > last) want.push(act);
    const keep = new Set(want);
    for (const [node, el] of this.#shown) {
      if (!keep.has(node)) {
        el.remove();
        this.#shown.delete(node);
      }
    }
    // The rows stay in the DOM in the tree's order (screen readers read
    // them so): rows kept never move, new ones go in before the next one.
    let after = null;
    for (let k = want.length - 1; k >= 0; k--) {
      const node = want[k];
      let el = this.#shown.get(node);
      if (!el) {
        el = this.#build(node);
        this.#shown.set(node, el);
        this.#body.insertBefore(el, after);
      }
      const i = this.#index.get(node);
      el.style.transform = `translateY(${i * h}px)`;
      el.setAttribute('aria-rowindex', String(i + 2));
      if (node.kind === 'dir') el.setAttribute('aria-expanded', String(node.open));
      after = el;
    }
    this.#tabStops();
  }

  #build(node) {
    const el = document.createElement('div');
    el.className = `rv-row rv-${node.kind}`;
    el.setAttribute('role', 'row');
    el.setAttribute('aria-level', String(node.level));
    el.setAttribute('aria-posinset', String(node.pos));
    el.setAttribute('aria-setsize', String(node.siblings));
    el.style.setProperty('--level', String(Math.min(node.level - 1, 16)));
    el.tabIndex = -1;
    const name = span('rv-c0 rv-name');
    const twisty = span('rv-twisty', node.kind === 'dir' ? '▸' : '');
    twisty.setAttribute('aria-hidden', 'true');
    const icon = span('ic rv-ic');
    icon.setAttribute('aria-hidden', 'true');
    const label = span('rv-label', node.name);
    label.title = node.path;
    name.append(twisty, icon, label);
    const cells = [name];
    if (node.kind === 'dir') {
      el.dataset.dir = node.path;
      icon.append(svg(FOLDER, 'rv-folder'));
      cells.push(span('rv-c1 rv-meta', `${formatCount(node.files)} ${node.files === 1 ? 'file' : 'files'}`), span('rv-c2 rv-mime'),
        span('rv-c3 num rv-size', formatBytes(node.bytes)), span('rv-c4 rv-hash'), span('rv-c5 rv-dl'));
    } else {
      const e = node.entry;
      const type = e.data_type || 'binary';
      Object.assign(el.dataset, { path: node.path, hash: e.hash ?? '', type, mime: e.mime_type ?? '' });
      icon.textContent = typeInfo(type).glyph;
      icon.style.color = typeColour(type);
      const dl = span('rv-c5 rv-dl');
      const a = document.createElement('a');
      a.className = 'rv-dl-link';
      a.href = this.#fileURL(node.path);
      a.download = node.name;
      a.tabIndex = -1;
      a.setAttribute('aria-label', `Download ${node.path}`);
      a.title = `Download ${node.name}`;
      a.append(svg(ARROW, 'rv-arrow'));
      dl.append(a);
      cells.push(span('rv-c1 rv-meta', metadataSummary(e.metadata)), span('rv-c2 rv-mime', e.mime_type ?? ''),
        span('rv-c3 num rv-size', formatBytes(e.size)), span('rv-c4 rv-hash', e.hash ?? ''), dl);
    }
    for (const c of cells) c.setAttribute('role', 'gridcell');
    el.append(...cells);
    this.#nodeOf.set(el, node);
    return el;
  }

  /** The row's cells shown at this width (narrow screens hide some). */
  #cells(el) {
    return [...el.children].filter((c) => c.getClientRects().length > 0);
  }

  #target(el, col) {
    if (col < 0) return el;
    const cell = this.#cells(el)[col];
    return cell?.querySelector('a') ?? cell ?? el;
  }

  // Exactly one element of the grid is in the tab order: the active row or
  // cell. The stop is never taken off the element that has it, even for a
  // moment: a cell losing its tabindex while focused loses the focus too
  // (to <body>), which a re-render on scroll did between two key presses.
  #tabStops() {
    const { node: act, col } = this.#active;
    for (const [node, el] of this.#shown) {
      const stop = node === act ? this.#target(el, col) : null;
      el.tabIndex = stop === el ? 0 : -1;
      for (const c of el.children) {
        const t = c.querySelector('a') ?? c;
        if (t === stop) t.tabIndex = 0;
        else if (t !== c) t.tabIndex = -1;
        else c.removeAttribute('tabindex');
      }
    }
  }

  #go(i, col, focus = true) {
    const n = this.#rows.length;
    if (!n) return;
    i = Math.max(0, Math.min(n - 1, i));
    this.#active = { node: this.#rows[i], col };
    const h = this.#rowH;
    const top = this.#grid.scrollTop;
    if (i * h < top) this.#grid.scrollTop = i * h;
    else if ((i + 1) * h > top + this.#view()) this.#grid.scrollTop = (i + 1) * h - this.#view();
    this.#render();
    if (!focus) return;
    const el = this.#shown.get(this.#active.node);
    this.#target(el, col).focus({ preventScroll: true });
    const r = el.getBoundingClientRect();
    if (r.top < 0 || r.bottom > innerHeight) el.scrollIntoView({ block: 'nearest' });
  }

  #where(e) {
    const el = e.target.closest?.('[role=row]');
    const node = el && this.#nodeOf.get(el);
    if (!node) return null;
    const col = e.target === el ? -1 : this.#cells(el).findIndex((c) => c.contains(e.target));
    return { el, node, col, i: this.#index.get(node) };
  }

  #activate(node) {
    if (node.kind === 'dir') this.toggle(node);
    else this.#onOpen(node);
  }

  #onKey(e) {
    const at = this.#where(e);
    if (!at || e.altKey || e.metaKey) return;
    const { el, node, i } = at;
    const col = at.col;
    const last = this.#cells(el).length - 1;
    const page = Math.max(1, Math.floor(this.#view() / this.#rowH) - 1);
    switch (e.key) {
      case 'ArrowDown': this.#go(i + 1, col); break;
      case 'ArrowUp': this.#go(i - 1, col); break;
      case 'PageDown': this.#go(i + page, col); break;
      case 'PageUp': this.#go(i - page, col); break;
      case 'Home': if (col < 0 || e.ctrlKey) this.#go(0, col); else this.#go(i, 0); break;
      case 'End': if (col < 0 || e.ctrlKey) this.#go(this.#rows.length - 1, col); else this.#go(i, last); break;
      case 'ArrowRight':
        if (col >= 0) this.#go(i, Math.min(col + 1, last));
        else if (node.kind === 'dir' && !node.open) this.toggle(node, true);
        else this.#go(i, 0);
        break;
      case 'ArrowLeft':
        if (col >= 0) this.#go(i, col - 1);
        else if (node.kind === 'dir' && node.open) this.toggle(node, false);
        else if (node.parent && node.parent.level > 0) this.#go(this.#index.get(node.parent), -1);
        break;
      case 'Enter':
      case ' ':
        if (e.target.closest('a')) return; // the link's own action: a download
        this.#activate(node);
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  #onClick(e) {
    if (e.target.closest('a')) return;
    const at = this.#where(e);
    if (!at) return;
    this.#active = { node: at.node, col: -1 };
    this.#tabStops();
    at.el.focus({ preventScroll: true });
    this.#activate(at.node);
  }

  #onFocus(e) {
    const at = this.#where(e);
    if (!at) return;
    const { node, col } = this.#active;
    if (node === at.node && col === at.col) return;
    this.#active = { node: at.node, col: at.col };
    this.#tabStops();
  }
}
