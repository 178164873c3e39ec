// Which rows the list shows, and in which order: the entries that pass the
// type and text filters, sorted by one key, either flat or grouped into a
// tree of folders (a collapsed folder hides what is under it). Pure: no
// DOM, no store; the store caches the result (store/entries.js) and
// web/test/view.test.js checks it in Node.

/** The sort keys the list offers, in the order of its menu. */
export const SORT_KEYS = ['added', 'path', 'size', 'type'];

/** The filters beyond data types: duplicates and files that could not be read. */
export const EXTRA_FILTERS = ['dup', 'failed'];

const byPath = (a, b) => (a.lower < b.lower ? -1 : a.lower > b.lower ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

// Each key of a sort; null for a file not described yet, which sorts last
// whichever the direction.
const KEYS = {
  size: (e) => (e.state === 'done' || e.state === 'error' ? e.size : null),
  type: (e) => (e.state === 'done' ? e.info.data_type : null),
};

/** A compare function for sort and direction, or null for the order files were added in (reversed when desc). */
export function comparator(sort, desc) {
  if (sort === 'path') return desc ? (a, b) => byPath(b, a) : byPath;
  const key = KEYS[sort];
  if (!key) return null;
  const dir = desc ? -1 : 1;
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === null || kb === null) return (ka === null) - (kb === null) || byPath(a, b);
    return (ka < kb ? -dir : ka > kb ? dir : 0) || byPath(a, b);
  };
}

/**
 * The filter of the settings as a predicate, or null when nothing is
 * filtered. types holds data types and EXTRA_FILTERS; a file passes when it
 * matches any of them (an empty set passes every file) and its path holds
 * the text (case-insensitive).
 */
export function matcher({ types, text }, isDuplicate) {
  const needle = text.trim().toLowerCase();
  if (!types.size && !needle) return null;
  return (e) => {
    if (needle && !e.lower.includes(needle)) return false;
    if (!types.size) return true;
    if (e.state === 'done' && types.has(e.info.data_type)) return true;
    if (types.has('failed') && e.state === 'error') return true;
    return types.has('dup') && e.state === 'done' && isDuplicate(e);
  };
}

/**
 * The rows to show. items are entries (rows of files) and, when grouped,
 * folders {kind: 'folder', key: 'a/b/', name: 'b', level, files: [every
 * shown entry under it], expanded}, each before what it holds: its
 * subfolders by name, then its files in the sort's order. files are every
 * shown entry (also those inside collapsed folders), for "select all".
 *
 * @param {Iterable<any>} entries in the order they were added
 * @param {{sort: string, desc: boolean, types: Set<string>, text: string, group: boolean, collapsed: Set<string>}} settings
 * @param {(entry: any) => boolean} isDuplicate
 */
export function buildView(entries, settings, isDuplicate) {
  const match = matcher(settings, isDuplicate);
  const files = [];
  for (const e of entries) if (!match || match(e)) files.push(e);
  const cmp = comparator(settings.sort, settings.desc);
  if (!settings.group) {
    if (cmp) files.sort(cmp);
    else if (settings.desc) files.reverse(); // the last added first
    return new View(files, files);
  }
  return new View(treeItems(files, settings, cmp), files);
}

function treeItems(files, { collapsed, sort, desc }, cmp) {
  const root = { level: 0, folders: new Map(), direct: [] };
  for (const e of files) {
    let node = root;
    let start = 0;
    for (let slash = e.path.indexOf('/'); slash >= 0; slash = e.path.indexOf('/', start)) {
      const name = e.path.slice(start, slash);
      let child = node.folders.get(name);
      if (!child) {
        child = { kind: 'folder', key: e.path.slice(0, slash + 1), name, level: node.level + 1, folders: new Map(), direct: [], files: [], expanded: true };
        node.folders.set(name, child);
      }
      child.files.push(e);
      node = child;
      start = slash + 1;
    }
    node.direct.push(e);
  }
  const items = [];
  const dir = sort === 'path' && desc ? -1 : 1;
  const byName = (a, b) => (a.name < b.name ? -dir : a.name > b.name ? dir : 0);
  const walk = (node) => {
    for (const f of [...node.folders.values()].sort(byName)) {
      f.expanded = !collapsed.has(f.key);
      items.push(f);
      if (f.expanded) walk(f);
    }
    if (cmp) node.direct.sort(cmp);
    else if (desc) node.direct.reverse();
    for (const e of node.direct) items.push(e);
  };
  walk(root);
  return items;
}

/** The rows of a view, with each row's index found by its key (a path, or a folder's path ending in "/"). */
export class View {
  constructor(items, files) {
    this.items = items;
    this.files = files;
    this.index = null;
  }

  /** The row index of key, or -1. */
  indexOf(key) {
    if (!this.index) {
      this.index = new Map();
      this.items.forEach((it, i) => this.index.set(keyOf(it), i));
    }
    return this.index.get(key) ?? -1;
  }
}

/** A row's key: an entry's path, or a folder's path ending in "/". */
export function keyOf(item) {
  return item.kind === 'folder' ? item.key : item.path;
}

/** A row's level in the tree (1 at the top): the number of folders above it, plus one. */
export function levelOf(item) {
  if (item.kind === 'folder') return item.level;
  let n = 1;
  for (let i = item.path.indexOf('/'); i >= 0; i = item.path.indexOf('/', i + 1)) n++;
  return n;
}
