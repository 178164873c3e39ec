// oxdrop's page, put together: files come in (drop, pickers, paste), the
// engine (Go in WebAssembly, in Web Workers) describes each one as Oxen
// would, the list shows what it found, and the form creates the
// repository. The entries store (store/) is the one source of truth; each
// panel (panels/) renders from it; the creation flow is upload/. A map of
// the folders: js/README.md.

import { EntriesStore } from './store/entries.js';
import { EngineLink } from './files/engine.js';
import { Describer } from './files/describe.js';
import { Intake } from './files/intake.js';
import { apiURL } from './upload.js';
import { CreateFlow } from './upload/create.js';
import { Alert } from './panels/alert.js';
import { mountDropzone } from './panels/dropzone.js';
import { FileGrid } from './panels/list/grid.js';
import { mountListTools } from './panels/list/tools.js';
import { PreviewDialog } from './panels/preview-dialog.js';
import { ProblemsPanel } from './panels/problems.js';
import { RepoForm } from './panels/repo-form.js';
import { ResultPanel } from './panels/result.js';
import { mountTopbar } from './panels/topbar.js';
import { mountTotals } from './panels/totals.js';
import { thumbStats } from './thumbs.js';
import { registerOffline } from './offline.js';

const store = new EntriesStore();
const engine = new EngineLink();
const describer = new Describer(store);
const topbar = mountTopbar();
const alert = new Alert();
const problems = new ProblemsPanel();
const intake = new Intake(store, engine, { problems: (notes) => problems.show(notes), refused: (message) => dropzone.refused(message) });
const dropzone = mountDropzone({ intake, problems });
const totals = mountTotals({ store, engine, problems });

const preview = new PreviewDialog({
  engine,
  neighbour(entry, delta) {
    const files = grid.view.items.filter((it) => it.kind !== 'folder');
    const i = files.indexOf(entry);
    return files[(i + delta + files.length) % files.length];
  },
  // The list follows the preview: the file shown is its active row.
  opened(entry) {
    store.setActive(entry.path);
    const i = grid.activeIndex();
    if (i >= 0) grid.reveal(i);
  },
  focusFor(entry, opener) {
    grid.render();
    const row = grid.rowOf(entry.path);
    return opener?.classList.contains('name') ? row?.querySelector('.name') : row;
  },
});
const grid = new FileGrid({
  store,
  open: (entry) => preview.open(entry),
  // No row left to focus: "Show all" when a filter hides the rest, else Add files.
  emptied: () => (document.querySelector('#list-status button') || document.getElementById('add-files')).focus(),
});
mountListTools({ store, grid });

const form = new RepoForm({ store, engine });
const result = new ResultPanel({
  alert,
  apiURL: (path) => apiURL(topbar.apiBase(), path),
  startOver() {
    store.clear();
    problems.hide();
    form.reset();
    alert.show('');
    document.getElementById('add-files').focus();
  },
});
new CreateFlow({ store, intake, engine, form, alert, result, apiBase: topbar.apiBase });

alert.show('');
engine.start({
  onReady(pool) {
    const n = engine.workers;
    describer.setPool(pool);
    topbar.engineStatus('ready', Number.isFinite(n) ? `Engine ready · ${n} ${n === 1 ? 'worker' : 'workers'}` : 'Engine ready');
    form.engineReady();
    totals.draw();
  },
  onFail(message) {
    topbar.engineStatus('error', 'The engine could not start');
    alert.show(`The file engine could not start, so files cannot be hashed: ${message}. Reload the page; if it keeps failing, this browser may not support WebAssembly in workers.`);
    totals.draw();
  },
});

// Offline support installs when no files are coming in (offline.js says
// why): once the first drop is described, or after OFFLINE_QUIET_MS with
// none (a person choosing a big folder is not interrupted), and never while
// files are being described (without an engine nothing will be: then it
// does not wait for that).
const OFFLINE_QUIET_MS = 10_000;
registerOffline(async () => {
  await new Promise((resolve) => {
    const timer = setTimeout(done, OFFLINE_QUIET_MS);
    const off = store.subscribe(() => {
      if (store.size && store.pending() === 0) done();
    });
    function done() {
      clearTimeout(timer);
      off();
      resolve();
    }
  });
  await engine.ready.then((pool) => pool && store.whenSettled());
});

// A small handle for tests and the console; not used by the page itself.
window.oxdrop = {
  store,
  get entries() {
    return store.entries;
  },
  engineReady: engine.ready,
  get pool() {
    return engine.pool;
  },
  // Test-only (js/README.md): lists entries already described, without the engine.
  testing: { addDescribed: (items) => store.addDescribed(items), thumbStats },
};
