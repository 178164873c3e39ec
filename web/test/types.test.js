// The page's table of data types (web/js/types.js) is complete: every row
// has a label, a glyph and a colour for each theme; a row whose type has
// metadata sums it up. That every data type of the core has a row is
// checked on the Go side (core/datatype TestPageTable), which reads this
// table.
import test from 'node:test';
import assert from 'node:assert/strict';
import { DATA_TYPES, typeColour, typeInfo } from '../js/types.js';
import { metadataSummary } from '../js/format.js';

test('every data type row is complete and listed once', () => {
  const seen = new Set();
  for (const row of DATA_TYPES) {
    assert.match(row.type, /^[a-z]+$/);
    assert.ok(!seen.has(row.type), `${row.type} listed twice`);
    seen.add(row.type);
    assert.ok(row.label && row.glyph, `${row.type} needs a label and a glyph`);
    assert.equal(row.colour.length, 2, `${row.type} needs a light and a dark colour`);
    for (const c of row.colour) assert.match(c, /^#[0-9a-f]{6}$/);
    assert.equal(typeColour(row.type), `light-dark(${row.colour[0]}, ${row.colour[1]})`);
  }
  assert.ok(seen.has('binary'), 'binary is the fallback row');
});

test('an unknown data type is shown as binary', () => {
  assert.equal(typeInfo('hologram'), typeInfo('binary'));
});

test('metadata of each summarised type has a summary, other metadata none', () => {
  const samples = {
    tabular: { width: 2, height: 1, schema: { fields: [] } },
    image: { width: 3, height: 4, color_space: null },
    text: { num_lines: 1, num_chars: 2 },
    audio: { num_seconds: 1, num_channels: 1, sample_rate: 8000 },
    video: { num_seconds: 1, width: 2, height: 2 },
  };
  for (const row of DATA_TYPES) {
    if (!row.summary) continue;
    assert.ok(samples[row.type], `add a sample of ${row.type} metadata here`);
    assert.notEqual(metadataSummary({ [row.type]: samples[row.type] }), '', row.type);
  }
  assert.equal(metadataSummary({ dir: { data_types: [] } }), '');
  assert.equal(metadataSummary(null), '');
});
