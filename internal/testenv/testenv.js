// testenv for the JavaScript tests (node:test), as testenv.go is for Go:
// where Oxen's fixtures are, and what a test does when they, a tool or a
// build it needs are missing: outside CI it is skipped, saying what is
// missing and how to get it; with CI set (to anything but "") the same
// message is a failure, so a CI run never passes by skipping.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Whether the CI environment variable is set and not empty. */
export const ci = Boolean(process.env.CI);

/** The repository's root (this file is internal/testenv/testenv.js). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** $env (a relative path is taken from the repository's root), else ../shared/...elem beside it. */
function outside(env, ...elem) {
  const dir = process.env[env];
  return dir ? path.resolve(repoRoot, dir) : path.resolve(repoRoot, '..', 'shared', ...elem);
}

/** Oxen's fixture folder: $OXDROP_FIXTURES, else ../shared/fixtures/oxen. */
export const fixturesDir = outside('OXDROP_FIXTURES', 'fixtures', 'oxen');

/** How to get Oxen's fixtures. */
export const fixturesHow = "run scripts/fetch-fixtures.sh, or set OXDROP_FIXTURES to a copy of Oxen's data/test";

/** The message for a missing thing, the same words as testenv.go. */
export function needs(what, how) {
  return `needs ${what}: ${how}`;
}

/** needs(the fixtures) when the fixture folder is absent, else false. */
export function fixturesMissing() {
  return fs.existsSync(fixturesDir) ? false : needs(`the Oxen fixtures at ${fixturesDir}`, fixturesHow);
}

const failed = new Set();

/**
 * The node:test `skip` option of a test or suite that cannot run for
 * `reason` (a needs(...) message, or false when nothing is missing).
 * Outside CI that is the skip reason. With CI set the test is still not run
 * (it would only fail further on, less clearly), and a test named by the
 * reason is registered in its place that fails with it.
 */
export function skipUnless(reason) {
  if (!reason) return false;
  if (!ci) return `${reason} (with CI set, a failure)`;
  if (!failed.has(reason)) {
    failed.add(reason);
    test(reason, () => {
      throw new Error(`${reason} (CI is set: a failure, not a skip)`);
    });
  }
  return `${reason} (failed in its place: CI is set)`;
}

/**
 * For a test that finds out while running that it cannot go on: returns
 * false when nothing is missing; outside CI skips t and returns true (the
 * caller returns); with CI set throws, failing t.
 */
export function skipNow(t, reason) {
  if (!reason) return false;
  if (ci) throw new Error(`${reason} (CI is set: a failure, not a skip)`);
  t.skip(`${reason} (with CI set, a failure)`);
  return true;
}
