import { accessSync, constants, statSync } from 'node:fs';
import { after, before } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Real Chromium for page tests (ARCHITECTURE.md: Debian `chromium` + playwright-core), and axe for
 * accessibility. One browser per test file: `const browser = useBrowser();` at the top of the file,
 * then `const page = await browser().newPage()` in each test (close it, or its context, after).
 */
export const CHROMIUM_PATH = process.env.GOVBRIDGE_CHROMIUM || '/usr/bin/chromium';

/** The command that installs the browser the tests drive (DEVELOPERS.md). */
export const CHROMIUM_INSTALL = 'apt-get update && apt-get install -y chromium';

/**
 * Fail at once, with the command that installs it, when the browser is not there: without this
 * check a fresh machine spent minutes in the browser tests before failing. GOVBRIDGE_CHROMIUM
 * points the tests at another executable (a test of this check points it at a missing file).
 */
export function checkChromium(path: string = CHROMIUM_PATH): void {
  let problem: string | undefined;
  try {
    if (!statSync(path).isFile()) problem = 'is not a file';
    else accessSync(path, constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problem = problem ?? (code === 'ENOENT' ? 'is missing' : 'is not executable');
  }
  if (problem) {
    throw new Error(
      `The browser tests need Chromium, and ${path} ${problem}. Install it with:\n` +
        `  ${CHROMIUM_INSTALL}\n` +
        '(or set GOVBRIDGE_CHROMIUM to the path of a Chromium executable)',
    );
  }
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The WCAG levels the hub must meet: 2.0, 2.1 and 2.2, A and AA. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export function launchChromium(): Promise<Browser> {
  checkChromium();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/** Launch one Chromium before the file's tests and close it after; returns a getter. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser)
      throw new Error('useBrowser(): the browser is not running (call it at the top of the file)');
    return browser;
  };
}

/**
 * Run axe on the page as it is now and fail with a readable list of every violation: rule, impact,
 * what to fix, where (CSS selectors) and the rule's documentation.
 */
export async function expectNoAxeViolations(page: Page, label = page.url()): Promise<void> {
  // Legacy mode runs axe in the page itself instead of opening a blank page per analysis (2–3×
  // faster here); what it gives up is checking cross-origin iframes, and no page of ours has one.
  // Preload media only, not the CSSOM: to read a shadow root's adopted stylesheets (SGDS's masthead
  // web component) axe re-parses them in `<style>` elements the page's CSP refuses — console errors
  // of axe's own making. The one rule that reads the CSSOM (css-orientation-lock) is experimental and
  // not among AXE_TAGS' rules, so the rules and their results are the same. (`options()` replaces
  // the options object, so it comes before `withTags()`.)
  const results = await new AxeBuilder({ page })
    .options({ preload: { assets: ['media'] } })
    .withTags(AXE_TAGS)
    .setLegacyMode(true)
    .analyze();
  if (results.violations.length === 0) return;
  const lines = results.violations.map((v) => {
    const where = v.nodes
      .slice(0, 5)
      .map(
        (n) =>
          `      at ${n.target.join(' ')}${n.failureSummary ? `\n        ${n.failureSummary.replace(/\n/g, '\n        ')}` : ''}`,
      )
      .join('\n');
    const more = v.nodes.length > 5 ? `\n      … and ${v.nodes.length - 5} more` : '';
    return `  - ${v.id} (${v.impact ?? 'unknown impact'}): ${v.help}\n    ${v.helpUrl}\n${where}${more}`;
  });
  throw new Error(
    `${results.violations.length} accessibility violation(s) on ${label}:\n${lines.join('\n')}`,
  );
}

/**
 * Collect what the browser complains about while a page runs: CSP violations (reported on the
 * console), uncaught script errors, and sub-resources (CSS, scripts, fonts, images) that failed.
 */
export function watchPage(page: Page): { problems: string[] } {
  const problems: string[] = [];
  page.on('console', (msg) => {
    // "Failed to load resource" also fires for an error *page* (404, 403), which is the point of
    // some tests; failed sub-resources are caught by the response listener below instead.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && res.request().resourceType() !== 'document') {
      problems.push(`HTTP ${res.status()}: ${res.url()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    const reason = req.failure()?.errorText ?? '';
    // ERR_ABORTED is the browser cancelling a request because the page navigated away (a favicon
    // still loading when a form is submitted): a race, not a broken asset. A missing asset answers
    // 4xx and is caught by the response listener above.
    if (reason.includes('ERR_ABORTED')) return;
    problems.push(`request failed: ${req.url()} ${reason}`);
  });
  return { problems };
}
