import { test } from 'node:test';
import { useBrowser } from './browser.ts';

/**
 * A browser test with nothing else in it, for test/start/fresh-machine.test.ts: run on its own with
 * GOVBRIDGE_CHROMIUM pointing at a missing file, it shows what a browser test file does on a
 * machine without Chromium. (Not named *.test.ts, so the suite does not run it by itself.)
 */
const browser = useBrowser();

test('opens a page', async () => {
  const page = await browser().newPage();
  await page.close();
});
