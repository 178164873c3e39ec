// Turning numbers and metadata into the short words shown in the list.
import { DATA_TYPES } from './types.js';

import { formatCount } from './numbers.js';

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

/**
 * The caption of a table preview that shows `shown` rows of a table of
 * `height` rows (NaN or undefined when unknown). Parquet and Arrow previews
 * carry the schema only (no rows): then the caption says so instead of
 * "First 0 rows of 1,024".
 */
export function tableCaption(shown, height) {
  const known = Number.isFinite(height);
  const rows = (n) => `${formatCount(n)} row${n === 1 ? '' : 's'}`;
  if (shown > 0) return `First ${rows(shown)}${known ? ` of ${formatCount(height)}` : ''}`;
  return known ? `${rows(height)}; the preview shows the schema` : 'The preview shows the schema';
}
