// The problems box under the drop zone: what was not added and why (a
// path the server would refuse, a file that could not be read), and notes
// such as replaced files. Paths are shown with their invisible and
// text-direction characters made visible, since they are often the reason.

const MAX_SHOWN = 200;

/** s with control, format (bidi, zero-width) and line-separator characters written as ⟨U+XXXX⟩. */
export function visibleChars(s) {
  return s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => `⟨U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

export class ProblemsPanel {
  constructor(box = document.getElementById('problems')) {
    this.box = box;
  }

  /** Shows notes ({path, message, info?}); nothing when there are none. */
  show(notes) {
    if (!notes.length) return;
    const box = this.box;
    box.hidden = false;
    box.replaceChildren();
    const head = document.createElement('div');
    head.className = 'problems-head';
    const errors = notes.filter((n) => !n.info).length;
    const title = document.createElement('strong');
    title.textContent = errors ? `${errors} ${errors === 1 ? 'item was' : 'items were'} not added` : 'Note';
    const dismiss = document.createElement('button');
    dismiss.type = 'button';
    dismiss.className = 'btn btn-quiet';
    dismiss.textContent = 'Dismiss';
    dismiss.addEventListener('click', () => this.hide());
    head.append(title, dismiss);
    const ul = document.createElement('ul');
    for (const n of notes.slice(0, MAX_SHOWN)) {
      const li = document.createElement('li');
      if (n.path) {
        // The path as it is, with its invisible characters shown, and
        // isolated (dir) so that none of them reorders the message around it.
        const code = document.createElement('code');
        code.textContent = visibleChars(n.path);
        code.dir = 'auto';
        li.append(code, ' ');
      }
      li.append(n.message);
      ul.append(li);
    }
    if (notes.length > MAX_SHOWN) {
      const li = document.createElement('li');
      li.textContent = `…and ${notes.length - MAX_SHOWN} more.`;
      ul.append(li);
    }
    box.append(head, ul);
  }

  hide() {
    this.box.hidden = true;
    this.box.replaceChildren();
  }
}
