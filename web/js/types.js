// The Oxen data types as the page shows them: one row each, in the order
// the type chips list them, with the label, the icon's glyph, the colour
// (light theme, dark theme) and the one-line summary of the type's
// metadata (oxen-behaviour §5). The core's registry (core/datatype) has the
// same types, and its TestPageTable fails when a row is missing here: a
// new data type is one row.
import { formatCount, formatRate, formatSeconds } from './numbers.js';

const plural = (n, one, many) => `${formatCount(n)} ${n === 1 ? one : many}`;

export const DATA_TYPES = [
  {
    type: 'tabular',
    label: 'Table',
    glyph: '▦',
    colour: ['#0f7d6e', '#4fd1bd'],
    summary: ({ width, height }) => `${plural(height, 'row', 'rows')} × ${plural(width, 'col', 'cols')}`,
  },
  {
    type: 'image',
    label: 'Image',
    glyph: '◩',
    colour: ['#b2457f', '#f08bbf'],
    summary: ({ width, height, color_space: cs }) => `${width}×${height}${cs ? ` · ${cs}` : ''}`,
  },
  {
    type: 'text',
    label: 'Text',
    glyph: '¶',
    colour: ['#3b6bd6', '#82a8ff'],
    summary: ({ num_lines: l, num_chars: c }) => `${plural(l, 'line', 'lines')} · ${formatCount(c)} chars`,
  },
  {
    type: 'audio',
    label: 'Audio',
    glyph: '♪',
    colour: ['#c26a0a', '#f5a54a'],
    summary: ({ num_seconds: s, num_channels: ch, sample_rate: rate }) =>
      `${formatSeconds(s)} · ${ch === 1 ? 'mono' : ch === 2 ? 'stereo' : `${ch} ch`} · ${formatRate(rate)}`,
  },
  {
    type: 'video',
    label: 'Video',
    glyph: '▶',
    colour: ['#7a4fd1', '#b79bff'],
    summary: ({ num_seconds: s, width, height }) => `${formatSeconds(s)} · ${width}×${height}`,
  },
  {
    type: 'binary',
    label: 'Binary',
    glyph: '⬡',
    colour: ['#66707e', '#a0a9b6'],
  },
];

const byType = new Map(DATA_TYPES.map((t) => [t.type, t]));

/** The row of a data type; binary's for a type the page does not know. */
export function typeInfo(type) {
  return byType.get(type) ?? byType.get('binary');
}

/** The CSS colour of a data type, following the page's light or dark theme. */
export function typeColour(type) {
  const [light, dark] = typeInfo(type).colour;
  return `light-dark(${light}, ${dark})`;
}
