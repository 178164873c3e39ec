// The repository form: the name fields checked live with the core's rule
// (through the engine), the author checked on submit with the server's
// rule, the namespace and author remembered on this device, and the hint
// under Create that says what pressing it would do.

import { CHANGED } from '../store/entries.js';
import { formatBytes, formatCount } from '../format.js';
import { KEYS, recall, remember } from '../remember.js';
import { throttledDraw } from './throttle.js';

function debounce(fn, ms) {
  let t = 0;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

// The core speaks Oxen's words; add what to do about the pattern (the
// length message says it all).
function friendlyNameProblem(problem) {
  if (!problem.includes('Must match')) return problem;
  return `${problem} Use at least two letters, digits, “_”, “.” or “-”, starting with a letter or digit.`;
}

function labelOf(input) {
  return input.labels?.[0]?.textContent.replace(/optional.*$/, '').trim() || input.name;
}

export class RepoForm {
  constructor({ store, engine }) {
    this.store = store;
    this.engine = engine;
    this.form = document.getElementById('repo-form');
    this.submitButton = document.getElementById('submit');
    this.hint = document.getElementById('submit-hint');
    const f = (this.f = this.form.elements);
    f.namespace.value = recall(KEYS.namespace);
    f.author_name.value = recall(KEYS.authorName);
    f.author_email.value = recall(KEYS.authorEmail);
    f.author_name.addEventListener('change', () => remember(KEYS.authorName, f.author_name.value.trim()));
    f.author_email.addEventListener('change', () => remember(KEYS.authorEmail, f.author_email.value.trim()));
    for (const input of [f.namespace, f.repo_name]) input.addEventListener('input', debounce(() => this.checkName(input, true), 120));
    for (const input of [f.author_name, f.author_email]) {
      input.addEventListener('input', () => {
        input.removeAttribute('aria-invalid');
        this.msg(input).textContent = '';
      });
    }
    const request = throttledDraw(() => this.drawHint(), store);
    store.subscribe((mask) => {
      if (mask & (CHANGED.LIST | CHANGED.TOTALS | CHANGED.LOCK)) request();
    });
    this.drawHint();
  }

  msg(input) {
    return document.getElementById(`${input.name}-msg`);
  }

  /** The engine is up: check what was typed before it was. */
  engineReady() {
    this.checkName(this.f.namespace, true);
    this.checkName(this.f.repo_name, true);
  }

  /** Checks a name field with the core's rule; quiet: empty is fine (while typing). Resolves true when valid. */
  async checkName(input, quiet = false) {
    const msg = this.msg(input);
    const value = input.value;
    if (!value) {
      input.setCustomValidity('');
      input.removeAttribute('aria-invalid');
      msg.textContent = '';
      msg.className = 'field-msg';
      return quiet; // empty: fine while typing, a problem on submit
    }
    const pool = this.engine.pool;
    if (!pool) return true; // checked again once the engine is up
    let problem = '';
    try {
      problem = await pool.validateName(value);
    } catch (err) {
      problem = err?.message || String(err);
    }
    if (input.value !== value) return false; // typed on meanwhile
    input.setCustomValidity(problem);
    if (problem) {
      input.setAttribute('aria-invalid', 'true');
      msg.textContent = friendlyNameProblem(problem);
      msg.className = 'field-msg bad';
    } else {
      input.removeAttribute('aria-invalid');
      msg.textContent = '';
      msg.className = 'field-msg';
    }
    return !problem;
  }

  /** Every problem of the form as [input, message], after marking each field. */
  async check() {
    const f = this.f;
    const problems = [];
    for (const input of [f.namespace, f.repo_name]) {
      input.value = input.value.trim();
      if (!input.value) problems.push([input, `${labelOf(input)} is required.`]);
      else if (!(await this.checkName(input))) problems.push([input, this.msg(input).textContent]);
    }
    const pool = this.engine.pool;
    for (const input of [f.author_name, f.author_email]) {
      const value = input.value.trim();
      let problem = '';
      if (!value) problem = `${labelOf(input)} is required: it is the commit's author.`;
      else if (input === f.author_email && !/^[^\s@]+@[^\s@]+$/.test(value)) problem = 'This does not look like an email address.';
      else if (pool) {
        // The server's own rule (255 bytes, no control characters), from the engine.
        const rule = await pool.validateAuthor(input === f.author_name ? value : '', input === f.author_email ? value : '').catch((err) => err?.message || String(err));
        if (rule) problem = `${rule[0].toUpperCase()}${rule.slice(1)}.`;
      }
      const msg = this.msg(input);
      msg.textContent = problem;
      msg.className = problem ? 'field-msg bad' : 'field-msg';
      if (problem) {
        input.setAttribute('aria-invalid', 'true');
        problems.push([input, problem]);
      } else input.removeAttribute('aria-invalid');
    }
    return problems;
  }

  /** The form's values, trimmed; the namespace and author are remembered. */
  values() {
    const f = this.f;
    const v = {
      namespace: f.namespace.value.trim(),
      name: f.repo_name.value.trim(),
      description: f.description.value,
      authorName: f.author_name.value.trim(),
      authorEmail: f.author_email.value.trim(),
      token: f.token.value.trim(),
    };
    remember(KEYS.namespace, v.namespace);
    remember(KEYS.authorName, v.authorName);
    remember(KEYS.authorEmail, v.authorEmail);
    return v;
  }

  /** Focuses a field by name (after an answer about it: a taken name, a token). */
  focus(name) {
    this.f[name].focus();
  }

  /** While an upload runs the form cannot be changed or sent again. */
  setBusy(on) {
    this.submitButton.disabled = on;
    this.form.inert = on;
    this.form.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  /** Empties what names one repository, for another. */
  reset() {
    this.f.repo_name.value = '';
    this.f.description.value = '';
  }

  drawHint() {
    const { store } = this;
    if (store.locked) return;
    const { failed, bytes } = store.totals;
    const pending = store.pending();
    const n = store.size;
    let hint;
    if (n === 0) hint = 'Add files first, or create an empty repository.';
    else if (failed) hint = `${failed} ${failed === 1 ? 'file' : 'files'} could not be read: remove ${failed === 1 ? 'it' : 'them'} to continue.`;
    else if (pending) hint = `${formatCount(pending)} ${pending === 1 ? 'file is' : 'files are'} still being hashed; you can submit now and the upload starts when they are done.`;
    else hint = `${formatCount(n)} ${n === 1 ? 'file' : 'files'}, ${formatBytes(bytes)}, in one commit.`;
    if (this.hint.textContent !== hint) this.hint.textContent = hint;
  }
}
