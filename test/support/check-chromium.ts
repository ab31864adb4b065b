import { checkChromium } from './browser.ts';

/**
 * Global setup of `npm run test:unit` (`--test-global-setup`): check the browser once, before any
 * test starts, and stop the whole run at once with the command that installs it.
 */
export function globalSetup(): void {
  try {
    checkChromium();
  } catch (err) {
    process.stderr.write(`\n${(err as Error).message}\n\n`);
    process.exit(1);
  }
}
