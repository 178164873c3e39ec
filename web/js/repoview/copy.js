// Copy buttons: the text goes to the clipboard (the Clipboard API, else a
// selected hidden textarea and execCommand for pages it is refused to), the
// button says "Copied" for a moment and a polite live region says what was
// copied, so a screen reader hears it too.

/** Puts text on the clipboard; resolves to whether it worked. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'visually-hidden';
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

/**
 * Makes button copy what text() returns, announcing `what` ("The commit
 * id") in the live region. The button's first text node ("Copy") says
 * "Copied" for a moment; the rest of its name (hidden words) stays.
 */
export function wireCopy(button, text, what, live) {
  const word = button.firstChild;
  const label = word.nodeValue;
  let timer = 0;
  button.addEventListener('click', async () => {
    const value = text();
    if (!value) return;
    const ok = await copyText(value);
    word.nodeValue = ok ? 'Copied' : 'Copy failed';
    live.textContent = ok ? `${what} copied: ${value}` : `${what} could not be copied; select it and copy it by hand.`;
    clearTimeout(timer);
    timer = setTimeout(() => {
      word.nodeValue = label;
    }, 1500);
  });
}
