// Takes docs/screenshot.png: the app (build/dist) at 1280×800 with the Oxen
// fixtures loaded and a table preview open.
// Run: node build/build.mjs && node web/test/app-screenshot.mjs [out.png]
// (OXDROP_SCHEME=dark for the dark theme).
import path from 'node:path';

// Node 20's test runner runs every .mjs file under a test/ folder, so
// `npm run test:browser` starts this too; it must not rewrite the screenshot then.
if (process.env.NODE_TEST_CONTEXT) {
  console.log('app-screenshot.mjs: not a test, skipped under node --test');
  process.exit(0);
}

import { fixturesDir, launchChromium, repoRoot, startStaticServer } from './helpers.js';
import { appDir, fixtureFiles, openApp, revealRow, waitDescribed } from './app-helpers.js';

const out = process.argv[2] || path.join(repoRoot, 'docs', 'screenshot.png');
const scheme = process.env.OXDROP_SCHEME || 'light';
const server = await startStaticServer({ root: appDir });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: scheme });
  await openApp(page, server.url);
  await page.setInputFiles('input[type=file][webkitdirectory]', fixturesDir);
  await waitDescribed(page, fixtureFiles().length);
  await page.fill('input[name=namespace]', 'ox');
  await page.fill('input[name=repo_name]', 'oxen-fixtures');
  await page.fill('textarea[name=description]', "Oxen's test data: images, audio, video, tables and text");
  await page.fill('input[name=author_name]', 'Bessie');
  await page.fill('input[name=author_email]', 'bessie@oxen.ai');
  await page.click('#problems button').catch(() => {});
  // Let thumbnails of the visible image rows draw.
  await page.locator('#file-list').evaluate((l) => l.scrollTo(0, l.scrollHeight));
  await page.waitForTimeout(800);
  await revealRow(page, 'oxen/csvs/mixed_data_types.csv');
  await page.getByRole('button', { name: 'oxen/csvs/mixed_data_types.csv', exact: true }).click();
  await page.locator('dialog#preview table').waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
