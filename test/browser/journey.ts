import assert from 'node:assert/strict';
import type { BrowserContext, Locator, Page, Response } from 'playwright-core';
import { expectNoAxeViolations, watchPage } from '../support/browser.ts';

/**
 * One person's journey through real pages in Chromium, checking every page on the way.
 *
 * `check()` is called on each page a test reaches: it waits until `/assets/app.js` (an external
 * module) has switched on govuk-frontend's JavaScript, then asserts the page's status and heading,
 * that it has no inline `<script>` (every script has a `src`), that axe finds no WCAG 2.2 AA
 * violation, and that `watchPage` saw no CSP violation, script error or failed asset since the
 * previous check.
 */
export interface CheckOptions {
  /** HTTP status of the page's document (after redirects). Default 200. */
  status?: number;
  /** The page's `<h1>` (or the legend/label acting as the page heading), exactly. */
  heading?: string | RegExp;
}

export class Journey {
  readonly page: Page;
  readonly context: BrowserContext;
  #watch: { problems: string[] };
  #document: Response | undefined;

  private constructor(context: BrowserContext, page: Page) {
    this.context = context;
    this.page = page;
    this.#watch = watchPage(page);
    // The last document the main frame received that is not a redirect: the page's own status.
    page.on('response', (res) => {
      const status = res.status();
      if (
        res.request().isNavigationRequest() &&
        res.frame() === page.mainFrame() &&
        (status < 300 || status >= 400)
      ) {
        this.#document = res;
      }
    });
  }

  static async open(context: BrowserContext): Promise<Journey> {
    // Fail a step in seconds, not Playwright's 30 s default: every page here is local (but the
    // machine may be busy).
    context.setDefaultTimeout(15_000);
    return new Journey(context, await context.newPage());
  }

  /** Go to an absolute URL. */
  async goto(url: string): Promise<void> {
    await this.page.goto(url);
  }

  /** Click something that navigates, and wait until the URL matches and the page has loaded. */
  async clickTo(target: Locator, url: RegExp | string): Promise<void> {
    await Promise.all([this.page.waitForURL(url), target.click()]);
  }

  /**
   * On the hub's "sign in" page: choose Singpass, pick the simulator's `persona`, and wait until the
   * hub brings the person back to `landing`.
   */
  async signInWithSingpass(persona: string, landing: RegExp | string): Promise<void> {
    await this.page.getByLabel('Singpass').check();
    await this.clickTo(this.page.getByRole('button', { name: 'Continue' }), /\/simulators\/singpass\//);
    await this.page.getByLabel(`(${persona})`, { exact: false }).check();
    await this.clickTo(this.page.getByRole('button', { name: 'Continue' }), landing);
  }

  /** Fill a GOV.UK date input (Day, Month, Year) on the page. */
  async fillDate([day, month, year]: readonly [string, string, string]): Promise<void> {
    await this.page.getByLabel('Day').fill(day);
    await this.page.getByLabel('Month').fill(month);
    await this.page.getByLabel('Year').fill(year);
  }

  async check(label: string, options: CheckOptions = {}): Promise<void> {
    const { page } = this;
    await page.waitForLoadState('load');
    assert.equal(this.#document?.status(), options.status ?? 200, `${label}: status of ${page.url()}`);
    // app.js is a module script: wait until it has run (js-enabled is set by it, not inline script).
    await page.waitForFunction(
      () =>
        document.body.classList.contains('js-enabled') &&
        document.body.classList.contains('govuk-frontend-supported'),
    );
    if (options.heading !== undefined) {
      const heading = (await pageHeading(page)).trim();
      if (typeof options.heading === 'string') assert.equal(heading, options.heading, label);
      else assert.match(heading, options.heading, label);
    }
    const inline = await page.evaluate(
      () => [...document.querySelectorAll('script')].filter((s) => !s.hasAttribute('src')).length,
    );
    assert.equal(inline, 0, `${label}: inline <script> elements`);
    await expectNoAxeViolations(page, label);
    assert.deepEqual(this.#watch.problems.splice(0), [], `${label}: browser problems`);
  }

  /**
   * Text of a summary-list row's value, by its key: a `<dl>` row's `<dt>` and first `<dd>`, so the
   * GOV.UK summary list and the SGDS pages' one (web/design.ts) are read alike.
   */
  async summaryValue(key: string): Promise<string> {
    const row = this.page.locator('dl > div', { has: this.page.locator('dt', { hasText: key }) });
    return ((await row.locator('dd').first().textContent()) ?? '').trim();
  }

  /** The cells of the table row (in `<main>`, either design) whose header cell is exactly `header`. */
  async tableRow(header: string | RegExp): Promise<string[]> {
    const rows = this.page.locator('main tbody tr');
    const count = await rows.count();
    for (let i = 0; i < count; i++) {
      const cells = (await rows.nth(i).locator('th, td').allTextContents()).map((t) => t.trim());
      const first = cells[0] ?? '';
      if (typeof header === 'string' ? first === header : header.test(first)) return cells;
    }
    throw new Error(`no table row headed ${String(header)} on ${this.page.url()}`);
  }

  /**
   * Submit a form as a browser would without a submit button's name/value (e.g. a person pressing
   * Enter in a form whose only named inputs are its buttons). Playwright's evaluate is not page
   * script, so the page's CSP does not apply to it.
   */
  async submitWithoutButton(formSelector: string): Promise<void> {
    const form = this.page.locator(formSelector);
    const { page } = this;
    await Promise.all([
      page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
      form.evaluate((f) => (f as HTMLFormElement).requestSubmit()),
    ]);
    await page.waitForLoadState('load');
  }
}

/** The page heading: the `<h1>`, which GOV.UK forms may put inside a legend or label. */
async function pageHeading(page: Page): Promise<string> {
  return (await page.locator('h1').first().textContent()) ?? '';
}
