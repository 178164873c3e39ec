// Screenshots of the repository view (repo.html) against the real server,
// with Oxen's fixtures as a repository: the view and a table preview, at
// 1280×800 and 390×844, in the light theme (OXDROP_SCHEME=dark for dark).
// Run: node build/build.mjs && node web/test/repoview-screenshot.mjs [out-dir]
// (default /tmp): writes repoview-{1280,390}{,-preview}.png there.
import path from 'node:path';

// Node 20's test runner runs every .mjs file under a test/ folder, so
// `npm run test:browser` starts this too; it takes no screenshots then.
if (process.env.NODE_TEST_CONTEXT) {
  console.log('repoview-screenshot.mjs: not a test, skipped under node --test');
  process.exit(0);
}

const { fixturesDir, launchChromium, listFiles } = await import('./helpers.js');
const { startServer } = await import('./app-helpers.js');
const fs = await import('node:fs');

const out = process.argv[2] || '/tmp';
const scheme = process.env.OXDROP_SCHEME || 'light';
const srv = await startServer();
const browser = await launchChromium();
try {
  const fd = new FormData();
  fd.append('new_repo', JSON.stringify({ namespace: 'ox', name: 'oxen-fixtures' }));
  fd.append('name', 'Bessie');
  fd.append('email', 'bessie@oxen.ai');
  for (const rel of listFiles(fixturesDir)) fd.append('file[]', new Blob([fs.readFileSync(path.join(fixturesDir, rel))]), `oxen/${rel}`);
  const res = await fetch(`${srv.url}api/repos`, { method: 'POST', body: fd });
  if (!res.ok) throw new Error(`creating the repository: ${res.status} ${await res.text()}`);
  for (const [width, height] of [[1280, 800], [390, 844]]) {
    const page = await browser.newPage({ viewport: { width, height }, colorScheme: scheme });
    await page.goto(`${srv.url}repo.html#/ox/oxen-fixtures`);
    await page.waitForSelector('[data-commit-id]:not([data-commit-id=""])');
    await page.screenshot({ path: path.join(out, `repoview-${width}.png`) });
    await page.evaluate(() => (location.hash = '#/ox/oxen-fixtures/oxen/csvs/mixed_data_types.csv'));
    await page.waitForSelector('#preview[open] .preview-table tbody tr');
    await page.screenshot({ path: path.join(out, `repoview-${width}-preview.png`) });
    console.log(`wrote ${path.join(out, `repoview-${width}.png`)} and -preview.png`);
    await page.close();
  }
} finally {
  await browser.close();
  await srv.stop();
}
