// The ways files come in: a drop anywhere on the page (while files are
// dragged over it, the drop zone lights up and a layer over the whole page
// says what a drop will do), the Add files and Add folder pickers, and
// paste. What they collect goes to the intake; what it refuses while an
// upload runs is said in the problems box and, at once, in a live region.

import { fromClipboard, fromDataTransfer, fromFileList } from '../collect.js';

/**
 * @param {{intake: import('../files/intake.js').Intake, problems: import('./problems.js').ProblemsPanel}} deps
 */
export function mountDropzone({ intake, problems }) {
  const $ = (id) => document.getElementById(id);
  const fileInput = $('file-input');
  const folderInput = $('folder-input');

  let dragDepth = 0;
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  const dragging = (on) => document.body.classList.toggle('is-dragging', on);
  window.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth++;
    dragging(true);
  });
  window.addEventListener('dragleave', () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) dragging(false);
  });
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('drop', (e) => {
    dragDepth = 0;
    dragging(false);
    if (!e.dataTransfer) return;
    e.preventDefault();
    if (intake.refuseIfLocked()) return;
    fromDataTransfer(e.dataTransfer).then(
      (got) => intake.add(got),
      (err) => problems.show([{ path: '', message: `The drop could not be read: ${err?.message || err}` }]),
    );
  });

  const live = $('add-live');
  let clearing = 0;
  $('add-files').addEventListener('click', () => fileInput.click());
  $('add-folder').addEventListener('click', () => folderInput.click());
  for (const input of [fileInput, folderInput]) {
    input.addEventListener('change', () => {
      intake.add(fromFileList(input.files));
      input.value = ''; // so choosing the same files again fires change
    });
  }
  document.addEventListener('paste', (e) => {
    const got = fromClipboard(e.clipboardData);
    if (!got.files.length) return; // ordinary text paste into a field
    e.preventDefault();
    intake.add(got);
  });

  return {
    /** Files were handed over and not added (an upload runs): say why. */
    refused(message) {
      problems.show([{ path: '', message }]);
      // Emptied first, so the same words said again are announced again.
      live.textContent = '';
      clearTimeout(clearing);
      clearing = setTimeout(() => (live.textContent = message), 50);
    },
  };
}
