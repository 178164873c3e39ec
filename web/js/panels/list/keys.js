// The list's keys, as the ARIA grid and treegrid patterns have them:
// arrows, Home, End, Page Up and Page Down move the active row (with Shift,
// they select on the way); Enter previews a file or opens and closes a
// folder; Space selects; Ctrl+A (⌘A) selects every row shown, Escape none;
// Delete removes the selected files (none selected: the active row's); in
// the tree, → opens a folder or goes into it and ← closes it or goes up.

/** Handles a keydown in the list (grid.js); keys it does not use go on as usual. */
export function onGridKey(e, grid) {
  if (e.altKey || e.target.closest('input, textarea, select')) return;
  const items = grid.view.items;
  const i = grid.activeIndex();
  const item = items[i];
  const mod = e.ctrlKey || e.metaKey;
  const extend = e.shiftKey;
  const move = {
    ArrowDown: i + 1,
    ArrowUp: i - 1,
    PageDown: i + grid.pageSize(),
    PageUp: i - grid.pageSize(),
    Home: 0,
    End: items.length - 1,
  }[e.key];
  if (move !== undefined) grid.moveTo(move, { extend });
  else if (e.key === 'Enter' && item) {
    if (item.kind === 'folder') grid.setExpanded(item, !item.expanded);
    else grid.open(item);
  } else if (e.key === ' ' && item) grid.toggleSelect(item, { range: extend });
  else if (e.key === 'Delete' || e.key === 'Backspace') grid.removeChosen();
  else if (mod && e.key.toLowerCase() === 'a') grid.store.select(grid.view.files, true);
  else if (e.key === 'Escape' && grid.store.selected.size) grid.store.clearSelection();
  else if (!tree(e, grid, items, i, item)) return;
  e.preventDefault();
  e.stopPropagation();
  grid.render(); // what a key did shows at once, not a frame later
}

// → and ← in the tree; false when the key is not one of them (or there is no tree).
function tree(e, grid, items, i, item) {
  if (!grid.store.settings.group || !item || (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft')) return false;
  const folder = item.kind === 'folder';
  if (e.key === 'ArrowRight') {
    if (folder && !item.expanded) grid.setExpanded(item, true);
    else if (folder && items[i + 1]) grid.moveTo(i + 1);
    return true;
  }
  if (folder && item.expanded) {
    grid.setExpanded(item, false);
    return true;
  }
  // Up to the folder that holds this row.
  const path = folder ? item.key.slice(0, -1) : item.path;
  const parent = path.slice(0, path.lastIndexOf('/') + 1);
  if (parent) grid.moveTo(grid.view.indexOf(parent));
  return true;
}
