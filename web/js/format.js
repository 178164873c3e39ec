// Turning numbers and metadata into the short words shown in the list.

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (powers of 1000, as file managers show them). */
export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return '–';
  let i = 0;
  let v = n;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  if (i === 0) return `${v} B`;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${UNITS[i]}`;
}

/** Seconds → "0:07", "12:03", "1:02:03"; a duration of a recording or an ETA. */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A precise seconds figure for media (1.6 → "1.6 s"). */
function seconds(n) {
  if (!Number.isFinite(n)) return '? s';
  if (n >= 60) return formatDuration(n);
  return `${Math.round(n * 100) / 100} s`;
}

const groupFormat = new Intl.NumberFormat('en');

/** 12345 → "12,345". */
export function formatCount(n) {
  return groupFormat.format(n);
}

/**
 * One line that sums up the metadata the core read (oxen-behaviour §5),
 * e.g. "499×375", "4 rows × 5 cols", "1.6 s · 128×176".
 */
export function metadataSummary(metadata) {
  if (!metadata) return '';
  if (metadata.image) {
    const { width, height, color_space: cs } = metadata.image;
    return `${width}×${height}${cs ? ` · ${cs}` : ''}`;
  }
  if (metadata.text) {
    const { num_lines: l, num_chars: c } = metadata.text;
    return `${formatCount(l)} ${l === 1 ? 'line' : 'lines'} · ${formatCount(c)} chars`;
  }
  if (metadata.tabular) {
    const { width, height } = metadata.tabular;
    return `${formatCount(height)} ${height === 1 ? 'row' : 'rows'} × ${formatCount(width)} ${width === 1 ? 'col' : 'cols'}`;
  }
  if (metadata.video) {
    const { num_seconds: s, width, height } = metadata.video;
    return `${seconds(s)} · ${width}×${height}`;
  }
  if (metadata.audio) {
    const { num_seconds: s, num_channels: ch, sample_rate: rate } = metadata.audio;
    const chans = ch === 1 ? 'mono' : ch === 2 ? 'stereo' : `${ch} ch`;
    return `${seconds(s)} · ${chans} · ${formatRate(rate)}`;
  }
  return '';
}

/** The schema of a tabular file as "name: dtype, …" (for a tooltip and the preview). */
export function schemaSummary(metadata) {
  const fields = metadata?.tabular?.schema?.fields;
  if (!Array.isArray(fields)) return '';
  return fields.map((f) => `${f.name}: ${f.dtype}`).join(', ');
}

function formatRate(hz) {
  if (!Number.isFinite(hz) || hz <= 0) return '? Hz';
  return hz % 1000 === 0 ? `${hz / 1000} kHz` : `${(hz / 1000).toFixed(1)} kHz`;
}

/** The glyph and label for each Oxen data type. */
export const TYPE_ICONS = {
  text: { glyph: '¶', label: 'Text' },
  image: { glyph: '◩', label: 'Image' },
  video: { glyph: '▶', label: 'Video' },
  audio: { glyph: '♪', label: 'Audio' },
  tabular: { glyph: '▦', label: 'Table' },
  binary: { glyph: '⬡', label: 'Binary' },
};

export const TYPE_ORDER = ['tabular', 'image', 'text', 'audio', 'video', 'binary'];
