// Turning numbers and metadata into the short words shown in the list.
import { DATA_TYPES } from './types.js';

export { formatBytes, formatCount, formatDuration } from './numbers.js';

/**
 * One line that sums up the metadata the core read, from its data type's
 * row in types.js, e.g. "499×375", "4 rows × 5 cols", "1.6 s · 128×176".
 */
export function metadataSummary(metadata) {
  if (!metadata) return '';
  for (const t of DATA_TYPES) {
    const m = metadata[t.type];
    if (m && t.summary) return t.summary(m);
  }
  return '';
}

/** The schema of a tabular file as "name: dtype, …" (for a tooltip and the preview). */
export function schemaSummary(metadata) {
  const fields = metadata?.tabular?.schema?.fields;
  if (!Array.isArray(fields)) return '';
  return fields.map((f) => `${f.name}: ${f.dtype}`).join(', ');
}
