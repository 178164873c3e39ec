// The file tree of a stored repository, built from its metadata entries
// (GET /api/repos/{namespace}/{name}): folders first, then files, each by
// name with numbers in order ("img2" before "img10"); every folder knows
// how many files and bytes it holds. rowsOf() lists the nodes a tree view
// shows with the folders that are open, which is all the view renders from.
// No DOM: web/test/repoview-units.test.js runs this under Node.

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/**
 * A node: {kind: 'dir'|'file', name, path, level (1 at the top), parent,
 * pos (1-based among its siblings), siblings}; a folder also has children,
 * files, bytes and open; a file its entry.
 */
function dirNode(name, path, level, parent) {
  return { kind: 'dir', name, path, level, parent, pos: 1, siblings: 1, children: [], files: 0, bytes: 0, open: true };
}

/** The path of a metadata entry. */
export function entryPath(e) {
  return String(e?.resource?.path ?? e?.filename ?? '');
}

/**
 * Builds the tree of the entries' paths. Returns {root, files} where files
 * lists every file node in the tree's order (what previous and next step
 * through), and byPath finds a node by its path.
 */
export function buildTree(entries) {
  const root = dirNode('', '', 0, null);
  const dirs = new Map([['', root]]);
  const byPath = new Map();
  for (const e of entries) {
    if (e?.is_dir) continue;
    const path = entryPath(e);
    if (!path || byPath.has(path)) continue;
    const segs = path.split('/');
    let dir = root;
    let at = '';
    for (let i = 0; i < segs.length - 1; i++) {
      at = at ? `${at}/${segs[i]}` : segs[i];
      let d = dirs.get(at);
      if (!d) {
        d = dirNode(segs[i], at, i + 1, dir);
        dirs.set(at, d);
        byPath.set(`${at}/`, d);
        dir.children.push(d);
      }
      dir = d;
    }
    const file = { kind: 'file', name: segs[segs.length - 1], path, level: segs.length, parent: dir, pos: 1, siblings: 1, entry: e };
    dir.children.push(file);
    byPath.set(path, file);
    const size = Number(e.size) || 0;
    for (let d = dir; d; d = d.parent) {
      d.files++;
      d.bytes += size;
    }
  }
  const files = [];
  const order = (dir) => {
    dir.children.sort((a, b) => (a.kind === b.kind ? collator.compare(a.name, b.name) : a.kind === 'dir' ? -1 : 1));
    dir.children.forEach((c, i) => {
      c.pos = i + 1;
      c.siblings = dir.children.length;
      if (c.kind === 'dir') order(c);
      else files.push(c);
    });
  };
  order(root);
  return { root, files, dirs: [...dirs.values()].slice(1), byPath };
}

/** The nodes shown, in order: every child of an open folder, depth first. */
export function rowsOf(root) {
  const out = [];
  const stack = [...root.children].reverse();
  while (stack.length) {
    const n = stack.pop();
    out.push(n);
    if (n.kind === 'dir' && n.open) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return out;
}

/** Opens every folder above node, so that it is shown. */
export function reveal(node) {
  for (let d = node?.parent; d && d.level > 0; d = d.parent) d.open = true;
}

/** The node itself when shown, else its closest folder that is (after folders were closed). */
export function shownAncestor(node) {
  let shown = node;
  for (let d = node?.parent; d && d.level > 0; d = d.parent) if (!d.open) shown = d;
  return shown;
}

/** {type: count} over the files, for the summary line. */
export function typeCounts(entries) {
  const out = {};
  for (const e of entries) {
    if (e?.is_dir) continue;
    const t = e?.data_type || 'binary';
    out[t] = (out[t] || 0) + 1;
  }
  return out;
}
