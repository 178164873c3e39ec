// Creating the repository when the form is sent: the form checked, every
// file described first (Cancel works while waiting), the server's limits
// checked before any byte, then the public module's createRepository
// (oxdrop.js: a small drop as one multipart request, any other as a
// resumable upload), shown in the upload box (panel.js) and on each row;
// the answer goes to the result panel, or its plain words to the alert.

import { createRepository, CreateRepositoryError } from '../oxdrop.js';
import { explainStatus, fetchLimits, limitProblem, networkLimitHint, serverMessage } from '../upload.js';
import { formatBytes, formatCount } from '../format.js';
import { UploadPanel } from './panel.js';
import { isSmallDrop, presentNote } from './plan.js';

const CANCELLED = 'Upload cancelled. Nothing was sent.';
const SENT = 'Sent. The server is checking the hashes and writing the commit…';

export class CreateFlow {
  /** {abort(), upload?} while an upload (or the wait before it) runs */
  running = null;

  /**
   * @param {{store: any, intake: any, engine: any, form: import('../panels/repo-form.js').RepoForm,
   *          alert: import('../panels/alert.js').Alert, result: import('../panels/result.js').ResultPanel,
   *          apiBase: () => string}} deps
   */
  constructor(deps) {
    Object.assign(this, deps);
    const $ = (id) => document.getElementById(id);
    this.box = $('upload');
    this.progressBar = $('upload-progress');
    this.pause = $('pause-upload');
    this.cancel = $('cancel-upload');
    this.panel = new UploadPanel({
      phase: $('upload-phase'),
      progress: this.progressBar,
      figures: $('upload-figures'),
      note: $('upload-note'),
      status: $('upload-status'),
      statusText: $('upload-status-text'),
      countdown: $('upload-countdown'),
      live: $('upload-status-live'),
      pause: this.pause,
    });
    this.form.form.addEventListener('submit', (e) => this.submit(e));
    this.cancel.addEventListener('click', () => this.running?.abort());
    this.pause.addEventListener('click', () => this.togglePause());
  }

  async submit(event) {
    event.preventDefault();
    if (this.running) return;
    const { alert, store } = this;
    alert.show('');
    this.result.hide();
    const problems = await this.form.check();
    if (problems.length) {
      alert.show(problems.length === 1 ? problems[0][1] : `Please fix ${problems.length} fields: ${problems.map((p) => p[1].replace(/[.\s]*$/, '.')).join(' ')}`);
      problems[0][0].focus();
      return;
    }
    if (this.engine.error) {
      alert.show(`Files cannot be hashed because the engine did not start (${this.engine.error}). Reload the page.`);
      return;
    }
    const form = this.form.values();
    this.setUploading(true);
    // Cancel works while waiting for hashes too: it wins the races below.
    let cancelWait;
    const cancelled = new Promise((resolve) => (cancelWait = () => resolve('cancelled')));
    this.running = { abort: () => cancelWait() };
    if (store.pending() > 0) this.panel.begin(`Waiting for ${formatCount(store.pending())} files to finish hashing…`);
    if ((await Promise.race([this.intake.settled(), cancelled])) === 'cancelled') return this.stop(CANCELLED);
    const { failed } = store.totals;
    if (failed) {
      return this.stop(`${failed} ${failed === 1 ? 'file' : 'files'} could not be read, so ${failed === 1 ? 'it has' : 'they have'} no hash. Remove ${failed === 1 ? 'it' : 'them'} from the list and try again.`);
    }
    const files = [...store.entries.values()].map((e) => ({ file: e.file, path: e.path, hash: e.info.hash, info: e.info, size: e.info.size }));
    // Refuse here what the server would refuse only after much of the body
    // was sent (and, past its drain bound, with a reset the browser calls a
    // network error). No limits known (an Oxen server, say): send as before.
    this.panel.begin('Checking the server’s limits…');
    const limits = await Promise.race([fetchLimits(this.apiBase()), cancelled]);
    if (limits === 'cancelled') return this.stop(CANCELLED);
    // A small drop goes as one request; the others in pieces, which the
    // server takes up to its per-file limit whatever their total.
    const inPieces = !isSmallDrop(files);
    const tooBig = limitProblem(limits, files, { inPieces });
    if (tooBig) return this.stop(tooBig);
    return this.send(form, files, limits, inPieces);
  }

  /** Ends the upload state and says why in the alert. */
  stop(message) {
    this.setUploading(false);
    this.alert.show(message);
  }

  /**
   * Sends the drop with the public module's createRepository (the API
   * other pages embed): a small drop as one multipart request, any other
   * in pieces (docs/uploads.md: plan, blobs, commit, with Pause, Resume,
   * Cancel and retries; each row shows how much of its content is sent).
   * A server without resumable uploads gets the one request instead.
   */
  async send(form, files, limits, inPieces) {
    const { panel, store } = this;
    const run = { abort: () => controller.abort(), upload: null };
    const controller = new AbortController();
    const mine = () => this.running === run;
    this.running = run;
    this.progressBar.value = 0;
    const bytes = store.totals.bytes;
    let answer;
    try {
      answer = await createRepository(this.apiBase() || location.origin, files, {
        namespace: form.namespace,
        name: form.name,
        description: form.description,
        author: { name: form.authorName, email: form.authorEmail },
        token: form.token,
        signal: controller.signal,
        mode: inPieces ? 'auto' : 'single',
        limits,
        rememberUploads: true,
        onUpload: (control) => (run.upload = control),
        onProgress: (p) => {
          if (!mine() || p.phase !== 'uploading') return;
          if (inPieces) panel.progress(p.loaded, p.total, p.skipped ?? 0);
          else panel.progress(p.loaded, p.total > 0 ? p.total : bytes || 1);
        },
        hooks: {
          onPhase: (phase) => {
            if (!mine()) return;
            if (phase === 'single') panel.phase(`Uploading ${formatCount(files.length)} ${files.length === 1 ? 'file' : 'files'}`);
            if (phase === 'planning') panel.phase('Checking the name and which files the server already has…');
            if (phase === 'sending') this.pause.hidden = false;
            if (phase === 'committing') {
              if (document.activeElement === this.pause) this.cancel.focus();
              this.pause.hidden = true;
              panel.sent(SENT);
            }
          },
          onPlan: ({ sending, bytes: toSend, present }) => {
            if (!mine()) return;
            const n = files.filter((f) => sending.has(f.hash)).length;
            panel.phase(n ? `Uploading ${formatCount(n)} ${n === 1 ? 'file' : 'files'} (${formatBytes(toSend)})` : 'Nothing to send');
            panel.note(presentNote(present, files.length));
            this.progressBar.value = 0;
            for (const f of files) if (!sending.has(f.hash)) store.markUpload(f.hash, 'present', 1);
          },
          onBlob: (hash, state, loaded, size) => mine() && store.markUpload(hash, state, size > 0 ? loaded / size : 1),
          onWait: (wait) => {
            if (!mine()) return;
            if (!wait) return panel.wait(null);
            const e = wait.error;
            panel.wait(wait.until, e.kind === 'network' ? 'Connection lost, retrying' : `The server answered HTTP ${e.status}, retrying`);
          },
        },
      });
    } catch (err) {
      this.setUploading(false);
      this.alert.show(this.explain(err, form, new Map(files.map((f) => [f.path, f])), { limits, bytes, inPieces }));
      if (err?.status === 409) this.form.focus('repo_name');
      if (err?.status === 401 || err?.status === 403) this.form.focus('token');
      return;
    }
    this.setUploading(false);
    this.result.show(answer, files);
  }

  /** Pause or Resume of the running upload (only a resumable one has the control). */
  togglePause() {
    const upload = this.running?.upload;
    if (!upload) return;
    if (upload.paused) upload.resume();
    else if (!upload.pause()) return;
    this.panel.setPaused(upload.paused);
  }

  /** The plain words for a creation that failed (a CreateRepositoryError). */
  explain(err, form, byPath, { limits, bytes, inPieces }) {
    if (!(err instanceof CreateRepositoryError)) return `The upload failed: ${err?.message || err}`;
    if (err.kind === 'cancelled' || err.kind === 'too_large' || err.kind === 'invalid') return err.message;
    if (err.kind === 'network') {
      return 'The server could not be reached. Check the connection and the server address in Settings, then try again.' + (inPieces ? '' : networkLimitHint(limits, bytes));
    }
    const said = serverMessage(err.body, err.text);
    if (err.where === 'plan' && err.status === 409) return `${explainStatus(409, err.body, err.text, { name: form.name })}${said ? ` The server says: ${said.replace(/[.\s]*$/, '.')}` : ''}`;
    if (err.where === 'blob' && err.status === 404) return 'The upload is no longer on the server (it expired or was cancelled). Press Create repository to start it again: what was sent is kept.';
    if (err.where === 'blob' && err.status === 400) return `The server refused “${byPath.get(err.path)?.path ?? err.path}”: ${said || 'it says the piece is invalid'}. If the file changed since it was hashed, add it again.`;
    return explainStatus(err.status, err.body, err.text, { name: form.name });
  }

  setUploading(on) {
    this.box.hidden = !on;
    if (!on) {
      this.panel.end();
      this.pause.hidden = true;
      this.store.clearUploads();
      this.running = null;
    }
    this.store.lock(on);
    this.form.setBusy(on);
    document.body.classList.toggle('is-uploading', on);
    if (on) this.cancel.focus();
    // Cancel (or the end of the upload) hides the focused Cancel button:
    // give the focus to the Create button rather than let it fall to <body>.
    else if (this.box.contains(document.activeElement) || document.activeElement === document.body) this.form.submitButton.focus();
  }
}
