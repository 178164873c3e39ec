// The repository view (repo.html#/namespace/name): a repository as it is
// stored, read from the API: the repository and its commit, its files as a
// tree, previews of the stored files and downloads. The address names the
// repository (url.js), so it can be bookmarked and shared; with a file path
// after it (#/ox/cats/images/a.png) it opens that file's preview. The API
// is this site's, or the server the app's Settings stored.
import { formatBytes, formatCount } from '../format.js';
import { DATA_TYPES, typeColour } from '../types.js';
import { loadRepository, serverName } from './api.js';
import { wireCopy } from './copy.js';
import { RepoPreview } from './dialog.js';
import { buildTree, typeCounts } from './tree.js';
import { TreeGrid } from './treegrid.js';
import { KEYS, recall, remember } from '../remember.js';
import { registerOffline } from '../offline.js';
import { fileURL, parseRepoHash, repoURL, repoViewURL } from './url.js';

const $ = (id) => document.getElementById(id);
const els = {
  status: $('rv-status'),
  error: $('error'),
  head: $('rv-head'),
  about: $('rv-about'),
  facts: $('rv-commit-facts'),
  files: $('rv-files'),
  ns: $('rv-ns'),
  slash: $('rv-slash'),
  name: $('rv-name'),
  summary: $('rv-summary'),
  chips: $('rv-chips'),
  commit: $('rv-commit'),
  copyCommit: $('rv-copy-commit'),
  message: $('rv-message'),
  author: $('rv-author'),
  date: $('rv-date'),
  json: $('rv-json'),
  grid: $('rv-grid'),
  empty: $('rv-empty'),
  expand: $('rv-expand'),
  collapse: $('rv-collapse'),
  apiBase: $('api-base'),
  ownOrigin: $('own-origin'),
  live: $('rv-live'),
};

let base = recall(KEYS.apiBase).trim(); // the server the app's Settings stored, else this site
let where = null; // {namespace, name, path} shown
let loaded = ''; // "namespace/name" of the repository shown
let tree = null;
let loading = null; // AbortController of the load in progress

// The engine (a Web Worker running the Go core) reads table previews; it
// starts with the first one, so a view without tables never loads it.
let started = null;
const pool = {
  async previewTable(file, opts) {
    started ??= import('../oxdrop.js').then(({ createEngine }) => createEngine({ workers: 1 }));
    return (await started).previewTable(file, opts);
  },
};

const fileOf = (path) => fileURL(base, where.namespace, where.name, path);

const grid = new TreeGrid(els.grid, { fileURL: (p) => fileOf(p), onOpen: (node) => dialog.open(node) });

const dialog = new RepoPreview(
  { dialog: $('preview'), hash: $('preview-hash'), copy: $('preview-copy-hash'), download: $('preview-download'), body: $('preview-body'), live: els.live },
  {
    pool,
    fileURL: (p) => fileOf(p),
    neighbour(node, delta) {
      const i = tree.files.indexOf(node) + delta;
      return tree.files[(i + tree.files.length) % tree.files.length] ?? null;
    },
    // The address names the file shown (replaced, so Back leaves the view).
    shown: (node) => setAddress(node.path),
    closed(node) {
      if (tree?.byPath.get(node.path) !== node) return; // another repository is loading
      // The address named this file: it names the repository again (unless
      // it was changed meanwhile, to another file say).
      if (parseRepoHash(location.hash).path === node.path) setAddress('');
      grid.show(node.path, { focus: true });
    },
  },
);

function setAddress(path) {
  if (!where) return;
  const url = repoViewURL(where.namespace, where.name, path);
  const hash = url.slice(url.indexOf('#'));
  where = { ...where, path };
  if (location.hash !== hash) history.replaceState(history.state, '', hash);
}

function showError(message) {
  els.error.textContent = message;
  els.status.textContent = '';
}

// The heading names the repository from its address on, also while it
// loads or when it cannot be shown; the rest shows once it is loaded.
function showHeading(namespace, name) {
  els.ns.textContent = namespace;
  els.slash.hidden = !namespace;
  els.name.textContent = name;
  document.title = `${namespace ? `${namespace}/${name}` : name} · oxdrop`;
}

function showLoaded(on) {
  els.head.classList.toggle('is-loaded', on);
  els.about.hidden = els.facts.hidden = els.files.hidden = !on;
}

async function route() {
  const to = parseRepoHash(location.hash);
  if (to.error) {
    loading?.abort();
    loaded = '';
    where = null;
    tree = null;
    dialog.close();
    showLoaded(false);
    showHeading('', 'No repository');
    showError(to.error);
    return;
  }
  const key = `${to.namespace}/${to.name}`;
  if (key === loaded) {
    where = to;
    openPath(to.path);
    return;
  }
  await load(to);
}

async function load(to) {
  loading?.abort();
  const controller = new AbortController();
  loading = controller;
  dialog.close();
  where = to;
  loaded = '';
  tree = null;
  showLoaded(false);
  showHeading(to.namespace, to.name);
  showError('');
  els.status.textContent = `Loading from ${serverName(base)}…`;
  let repo;
  try {
    repo = await loadRepository(base, to.namespace, to.name, { signal: controller.signal });
  } catch (err) {
    if (controller.signal.aborted) return;
    showError(err?.message || String(err));
    return;
  }
  if (loading !== controller) return;
  loading = null;
  loaded = `${to.namespace}/${to.name}`;
  showRepository(repo);
  if (to.path) openPath(to.path);
}

function openPath(path) {
  if (!path) {
    dialog.close();
    return;
  }
  const node = tree?.byPath.get(path);
  if (node?.kind === 'file') {
    grid.show(path);
    if (dialog.node !== node) dialog.open(node);
  } else {
    showError(`There is no file “${path}” in ${loaded}.`);
  }
}

function showRepository({ repository: repo, entries }) {
  showHeading(repo.namespace, repo.name);
  els.json.href = repoURL(base, repo.namespace, repo.name);
  const c = repo.latest_commit;
  els.commit.textContent = c?.id || 'none (the repository is empty)';
  els.commit.dataset.commitId = c?.id || '';
  els.copyCommit.hidden = !c?.id;
  els.message.textContent = c?.message || '–';
  els.author.textContent = c ? `${c.author}${c.email ? ` <${c.email}>` : ''}` : '–';
  const when = c?.timestamp ? new Date(c.timestamp) : null;
  if (when && !Number.isNaN(when.getTime())) {
    els.date.dateTime = c.timestamp;
    els.date.textContent = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' }).format(when);
    els.date.title = c.timestamp;
  } else {
    els.date.removeAttribute('datetime');
    els.date.textContent = c?.timestamp || '–';
  }

  tree = buildTree(entries);
  const n = tree.files.length;
  els.summary.textContent = `${formatCount(n)} ${n === 1 ? 'file' : 'files'} · ${formatBytes(tree.root.bytes)}` +
    (tree.dirs.length ? ` · ${formatCount(tree.dirs.length)} ${tree.dirs.length === 1 ? 'folder' : 'folders'}` : '');
  const counts = typeCounts(entries);
  els.chips.replaceChildren(
    ...DATA_TYPES.filter((t) => counts[t.type]).map((t) => {
      const li = document.createElement('li');
      li.className = 'chip rv-chip';
      const g = document.createElement('span');
      g.setAttribute('aria-hidden', 'true');
      g.style.color = typeColour(t.type);
      g.textContent = t.glyph;
      li.append(g, ` ${formatCount(counts[t.type])} ${t.label.toLowerCase()}`);
      return li;
    }),
  );
  els.empty.hidden = n > 0;
  els.grid.hidden = n === 0;
  els.expand.disabled = els.collapse.disabled = tree.dirs.length === 0;
  els.status.textContent = '';
  showLoaded(true);
  grid.setTree(tree);
}

function wire() {
  wireCopy(els.copyCommit, () => els.commit.dataset.commitId, 'The commit id', els.live);
  els.expand.addEventListener('click', () => grid.setAll(true));
  els.collapse.addEventListener('click', () => grid.setAll(false));
  els.ownOrigin.textContent = location.origin;
  els.apiBase.value = base;
  els.apiBase.addEventListener('change', () => {
    base = els.apiBase.value.trim();
    remember(KEYS.apiBase, base); // the app's Settings read it too
    loaded = '';
    route();
  });
  window.addEventListener('hashchange', route);
  registerOffline(async () => {}); // after the load event, when idle (offline.js)
}

wire();
route();

// A small handle for tests and the console; not used by the page itself.
window.oxdropRepoView = {
  get renderedRows() {
    return grid.renderedRows;
  },
};
