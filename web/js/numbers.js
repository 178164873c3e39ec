// Numbers as the short words shown on the page: sizes, durations, counts, rates.

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
export function formatSeconds(n) {
  if (!Number.isFinite(n)) return '? s';
  if (n >= 60) return formatDuration(n);
  return `${Math.round(n * 100) / 100} s`;
}

const groupFormat = new Intl.NumberFormat('en');

/** 12345 → "12,345". */
export function formatCount(n) {
  return groupFormat.format(n);
}

/** 44100 → "44.1 kHz". */
export function formatRate(hz) {
  if (!Number.isFinite(hz) || hz <= 0) return '? Hz';
  return hz % 1000 === 0 ? `${hz / 1000} kHz` : `${(hz / 1000).toFixed(1)} kHz`;
}
