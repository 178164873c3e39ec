// Creating the repository when the form is sent: the form checked, every
// file described first (Cancel works while waiting), the server's limits
// checked before any byte, then a small drop as one multipart request
// (upload.js) and any other as a resumable upload (resumable.js), shown in
// the upload box (panel.js) and on each row; the answer goes to the result
// panel, or its plain words to the alert.

import { apiURL, buildPayload, explainStatus, fetchLimits, limitProblem, networkLimitHint, send, serverMessage, UploadError } from '../upload.js';
import { formatBytes, formatCount } from '../format.js';
import { UploadPanel } from './panel.js';
import { isSmallDrop, presentNote } from './plan.js';
import { ResumableUpload } from './resumable.js';
import { RequestError } from './tus.js';

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
    this.pause.addEventListener('click', () => {
      const upload = this.running?.upload;
      if (!upload) return;
      if (upload.paused) upload.resume();
      else if (!upload.pause()) return;
      this.panel.setPaused(upload.paused);
    });
    // A resumable upload waiting to try again tries at once when the
    // connection is back, and stops its pieces when it is gone.
    window.addEventListener('online', () => this.running?.upload?.online());
    window.addEventListener('offline', () => this.running?.upload?.offline());
  }

  url(path) {
    return apiURL(this.apiBase(), path);
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
    return inPieces ? this.sendInPieces(form, files) : this.sendOneRequest(form, files, limits);
  }

  /** Ends the upload state and says why in the alert. */
  stop(message) {
    this.setUploading(false);
    this.alert.show(message);
  }

  /** The drop as one multipart request (buildPayload). */
  async sendOneRequest(form, files, limits) {
    const { panel } = this;
    const bytes = this.store.totals.bytes;
    panel.phase(`Uploading ${formatCount(files.length)} ${files.length === 1 ? 'file' : 'files'}`);
    this.progressBar.value = 0;
    const req = send(this.url('/api/repos'), buildPayload(form, files), {
      token: form.token,
      onProgress(loaded, total) {
        if (loaded === Infinity) panel.sent(SENT);
        else panel.progress(loaded, total > 0 ? total : bytes || 1);
      },
    });
    this.running = req;
    let answer;
    try {
      answer = await req.promise;
    } catch (err) {
      const hint = err instanceof UploadError && err.kind === 'network' ? networkLimitHint(limits, bytes) : '';
      return this.stop((err instanceof UploadError ? err.message : `The upload failed: ${err?.message || err}`) + hint);
    }
    this.setUploading(false);
    this.showAnswer(answer, files, form);
  }

  /**
   * The drop in pieces (docs/uploads.md): plan, blobs, commit, with Pause,
   * Resume, Cancel and retries; each row shows how much of its content is
   * sent. A server without resumable uploads (404 or 405 to the plan) gets
   * the one request instead.
   */
  async sendInPieces(form, files) {
    const { panel, store } = this;
    const mine = () => this.running?.upload === upload;
    const upload = new ResumableUpload({
      url: (p) => this.url(p),
      token: form.token,
      form,
      files,
      hooks: {
        onPhase: (phase) => {
          if (!mine()) return;
          if (phase === 'planning') panel.phase('Checking the name and which files the server already has…');
          if (phase === 'sending') this.pause.hidden = false;
          if (phase === 'committing') {
            if (document.activeElement === this.pause) this.cancel.focus();
            this.pause.hidden = true;
            panel.sent(SENT);
          }
        },
        onPlan: ({ sending, bytes, present }) => {
          if (!mine()) return;
          const n = files.filter((f) => sending.has(f.hash)).length;
          panel.phase(n ? `Uploading ${formatCount(n)} ${n === 1 ? 'file' : 'files'} (${formatBytes(bytes)})` : 'Nothing to send');
          panel.note(presentNote(present, files.length));
          this.progressBar.value = 0;
          for (const f of files) if (!sending.has(f.hash)) store.markUpload(f.hash, 'present', 1);
        },
        onProgress: (loaded, total, skipped) => mine() && panel.progress(loaded, total, skipped),
        onBlob: (hash, state, loaded, size) => mine() && store.markUpload(hash, state, size > 0 ? loaded / size : 1),
        onWait: (wait) => {
          if (!mine()) return;
          if (!wait) return panel.wait(null);
          const e = wait.error;
          panel.wait(wait.until, e.kind === 'network' ? 'Connection lost, retrying' : `The server answered HTTP ${e.status}, retrying`);
        },
      },
    });
    this.running = { abort: () => upload.cancel(), upload };
    let answer;
    try {
      answer = await upload.run();
    } catch (err) {
      this.setUploading(false);
      if (err instanceof RequestError && err.where === 'plan' && (err.status === 404 || err.status === 405)) {
        this.setUploading(true);
        return this.sendOneRequest(form, files, null);
      }
      this.alert.show(this.explainPieces(err, form, new Map(files.map((f) => [f.path, f]))));
      if (err?.status === 409 && err.where === 'plan') this.form.focus('repo_name');
      if (err?.status === 401 || err?.status === 403) this.form.focus('token');
      return;
    }
    this.setUploading(false);
    this.showAnswer(answer, files, form);
  }

  /** The plain words for a resumable upload that stopped. */
  explainPieces(err, form, byPath) {
    if (err instanceof UploadError) return err.message;
    if (!(err instanceof RequestError)) return `The upload failed: ${err?.message || err}`;
    if (err.kind === 'network') return 'The server could not be reached. Check the connection and the server address in Settings, then try again.';
    const said = serverMessage(err.body, err.text);
    if (err.where === 'plan' && err.status === 409) return `${explainStatus(409, err.body, err.text, { name: form.name })}${said ? ` The server says: ${said.replace(/[.\s]*$/, '.')}` : ''}`;
    if (err.where === 'blob' && err.status === 404) return 'The upload is no longer on the server (it expired or was cancelled). Press Create repository to start it again: what was sent is kept.';
    if (err.where === 'blob' && err.status === 400) return `The server refused “${byPath.get(err.path)?.path ?? err.path}”: ${said || 'it says the piece is invalid'}. If the file changed since it was hashed, add it again.`;
    return explainStatus(err.status, err.body, err.text, { name: form.name });
  }

  /** A creation's answer (either way of sending): the result, or the error in plain words. */
  showAnswer(answer, files, form) {
    if (answer.status >= 200 && answer.status < 300 && answer.body?.repository) {
      this.result.show(answer.body, files);
      return;
    }
    this.alert.show(explainStatus(answer.status, answer.body, answer.text, { name: form.name }));
    if (answer.status === 409) this.form.focus('repo_name');
    if (answer.status === 401 || answer.status === 403) this.form.focus('token');
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
