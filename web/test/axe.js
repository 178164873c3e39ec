// axe-core (npm, pinned in package.json) in the browser tests: injected
// into the page under test, run over the whole document, every rule axe
// runs by default (WCAG A and AA, and its best practices). For any page of
// the app:
//
//   import { expectNoAxeViolations } from './axe.js';
//   await expectNoAxeViolations(page, 'an open preview');
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const axePath = createRequire(import.meta.url).resolve('axe-core');

/**
 * axe's violations on the page as readable lines, one per rule: "id
 * (impact): help; at selector, selector…" ([] when there are none).
 * options go to axe.run (for example {runOnly: ['wcag2aa']}).
 */
export async function axeViolations(page, options = {}) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate((options) => window.axe.run(document, { resultTypes: ['violations'], ...options }).then((r) => r.violations), options);
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}; at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}${v.nodes.length > 5 ? ` and ${v.nodes.length - 5} more` : ''}`);
}

/** Fails the test, naming label ("the empty page") and each violation, when axe finds any. */
export async function expectNoAxeViolations(page, label, options) {
  assert.deepEqual(await axeViolations(page, options), [], `axe-core on ${label}`);
}
