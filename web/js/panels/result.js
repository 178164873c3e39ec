// The result of a creation: the repository, its commit, the link to it,
// and every entry the server lists with the server's hash checked against
// the one computed in this browser (a difference is said loudly, also in
// the page's alert).

import { formatBytes, formatCount } from '../format.js';
import { repoViewURL } from '../repoview/url.js';

export class ResultPanel {
  /** @param {{alert: import('./alert.js').Alert, apiURL: (path: string) => string, startOver: () => void}} deps */
  constructor({ alert, apiURL, startOver }) {
    const $ = (id) => document.getElementById(id);
    this.alert = alert;
    this.apiURL = apiURL;
    this.el = $('result');
    this.name = $('result-name');
    this.commit = $('result-commit');
    this.link = $('result-link');
    // The repository view (repo.html), where the stored files can be
    // browsed and previewed; the JSON link stays beside it.
    this.view = document.createElement('a');
    this.view.id = 'result-view';
    this.view.textContent = 'Open the repository';
    this.link.before(this.view, document.createTextNode(' · '));
    this.verify = $('result-verify');
    this.tbody = $('result-table').tBodies[0];
    this.entriesTitle = $('result-entries-title');
    $('start-over').addEventListener('click', () => {
      this.hide();
      startOver();
    });
  }

  hide() {
    this.el.hidden = true;
  }

  /** Shows the server's answer to a creation of files ({path, hash}[]). */
  show(body, files) {
    const repo = body.repository;
    const commit = repo.latest_commit;
    this.name.textContent = `${repo.namespace}/${repo.name}`;
    if (commit?.id) {
      this.commit.textContent = commit.id;
      this.commit.dataset.commitId = commit.id;
      this.commit.title = `${commit.message} by ${commit.author} <${commit.email}> at ${commit.timestamp}`;
    } else {
      this.commit.textContent = 'none (the repository is empty)';
      this.commit.dataset.commitId = '';
    }
    this.link.href = this.apiURL(`/api/repos/${encodeURIComponent(repo.namespace)}/${encodeURIComponent(repo.name)}`);
    this.link.textContent = 'as JSON';
    this.view.href = repoViewURL(repo.namespace, repo.name);
    const server = Array.isArray(body.metadata_entries) ? body.metadata_entries : [];
    const { mismatches, missing } = this.#table(server, files);
    this.#verdict(server, files, mismatches, missing);
    this.el.hidden = false;
    this.el.focus();
  }

  // Every file with the server's type, size and hash; the differences.
  #table(server, files) {
    const byPath = new Map();
    server.forEach((e, i) => byPath.set(e.resource?.path || files[i]?.path || e.filename, e));
    const mismatches = [];
    const missing = [];
    const frag = document.createDocumentFragment();
    for (const f of files) {
      const e = byPath.get(f.path);
      const tr = document.createElement('tr');
      const cells = [f.path, e?.data_type ?? '–', e ? formatBytes(e.size) : '–', e?.hash ?? 'missing'];
      cells.forEach((text, i) => {
        const td = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) td.scope = 'row';
        if (i === 2) td.className = 'num';
        if (i === 3) td.className = 'mono';
        td.textContent = text;
        tr.append(td);
      });
      if (!e) missing.push(f.path);
      else if (e.hash !== f.hash) {
        mismatches.push({ path: f.path, browser: f.hash, server: e.hash });
        tr.className = 'mismatch';
      }
      frag.append(tr);
    }
    this.tbody.replaceChildren(frag);
    this.entriesTitle.textContent = `Entries (${formatCount(server.length)})`;
    return { mismatches, missing };
  }

  #verdict(server, files, mismatches, missing) {
    const verify = this.verify;
    verify.replaceChildren();
    if (mismatches.length || (server.length && missing.length)) {
      verify.className = 'verify bad';
      const lines = [];
      if (mismatches.length) lines.push(`${mismatches.length} ${mismatches.length === 1 ? 'file arrived' : 'files arrived'} with a different hash than this browser computed: ${mismatches.map((m) => `${m.path} (browser ${m.browser}, server ${m.server})`).join('; ')}. The data may have changed on disk or in transit.`);
      if (server.length && missing.length) lines.push(`${missing.length} ${missing.length === 1 ? 'file is' : 'files are'} missing from the server's answer: ${missing.slice(0, 20).join(', ')}.`);
      verify.textContent = `Warning: ${lines.join(' ')}`;
      // Also in the page's one alert, so it cannot be missed.
      this.alert.show(`The repository was created, but the hash check failed: ${lines.join(' ')}`);
    } else if (server.length) {
      verify.className = 'verify ok';
      verify.textContent = `✓ All ${formatCount(files.length)} server hashes match the ones computed in this browser.`;
    } else {
      verify.className = 'verify';
      verify.textContent = files.length ? 'The server did not list its entries, so hashes could not be compared.' : 'The repository was created empty.';
    }
  }
}
