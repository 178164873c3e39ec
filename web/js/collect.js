// Gathering files from the ways a person can hand them to the page: a drop
// (files and whole folders), the file and folder pickers, and paste. Every
// result carries the file's relative path; anything that cannot be read is
// returned as a problem with its path, never dropped silently.

/**
 * @typedef {{file: File, path: string}} Picked
 * @typedef {{path: string, message: string}} Problem
 * @typedef {{files: Picked[], problems: Problem[]}} Collected
 */

/** Files from an <input type=file> (with or without webkitdirectory). */
export function fromFileList(list) {
  const files = [];
  for (const file of list) {
    // webkitRelativePath is "folder/sub/name" for the folder picker and ""
    // for the plain picker.
    files.push({ file, path: file.webkitRelativePath || file.name });
  }
  return { files, problems: [] };
}

/** Files from a paste event's clipboard data. */
export function fromClipboard(clipboardData) {
  const files = [];
  if (!clipboardData) return { files, problems: [] };
  for (const file of clipboardData.files || []) files.push({ file, path: file.name });
  return { files, problems: [] };
}

/**
 * Files from a drop. Folders are walked through the entries API. The items
 * list must be read synchronously inside the drop event (the browser empties
 * it afterwards), so the entries are taken first and walked afterwards.
 */
export async function fromDataTransfer(dataTransfer) {
  const roots = [];
  const loose = [];
  for (const item of dataTransfer.items || []) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) roots.push(entry);
    else {
      const file = item.getAsFile();
      if (file) loose.push({ file, path: file.name });
    }
  }
  if (roots.length === 0 && loose.length === 0) {
    // Browsers without items (or with items that are not files) still fill
    // dataTransfer.files for plain files.
    for (const file of dataTransfer.files || []) loose.push({ file, path: file.name });
  }
  const out = { files: loose, problems: [] };
  for (const entry of roots) await walkEntry(entry, '', out);
  return out;
}

/** Walks one FileSystemEntry into out, depth first, keeping relative paths. */
export async function walkEntry(entry, prefix, out) {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    try {
      out.files.push({ file: await entryFile(entry), path });
    } catch (err) {
      out.problems.push({ path, message: `could not be read (${errorText(err)})` });
    }
    return;
  }
  if (!entry.isDirectory) {
    out.problems.push({ path, message: 'is neither a file nor a folder' });
    return;
  }
  let children;
  try {
    children = await readAllEntries(entry.createReader());
  } catch (err) {
    out.problems.push({ path: `${path}/`, message: `folder could not be listed (${errorText(err)})` });
    return;
  }
  if (children.length === 0) {
    out.problems.push({ path: `${path}/`, message: 'is an empty folder; Oxen stores files only, so it is left out' });
  }
  for (const child of children) await walkEntry(child, path, out);
}

/**
 * Reads every entry of a directory reader. readEntries returns at most a
 * batch (100 in Chromium) per call and an empty array once done, so it is
 * called until it returns nothing.
 */
export async function readAllEntries(reader) {
  const all = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) return all;
    all.push(...batch);
  }
}

function entryFile(entry) {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function errorText(err) {
  if (!err) return 'unknown error';
  return err.message || err.name || String(err);
}
