import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildWebTestApp } from '../../src/web/index.ts';
import { expectNoAxeViolations, useBrowser, watchPage } from '../support/browser.ts';
import { exampleFormPlugin } from './fixtures/example-form.ts';

/**
 * The foundation's pages in real Chromium: no accessibility violations (axe, WCAG 2.2 AA), no CSP
 * violations or script errors, and app.js — an external module, not inline script — switches on
 * govuk-frontend's JavaScript.
 */
const browser = useBrowser();
let app: FastifyInstance;
let base: string;

before(async () => {
  ({ app } = await buildWebTestApp({
    routes: async (child) => {
      await exampleFormPlugin(child);
      // A page that breaks our own rule, to prove the CSP (and watchPage) catch inline script.
      child.get('/example/inline-script', (_request, reply) =>
        reply
          .type('text/html; charset=utf-8')
          .send('<!DOCTYPE html><title>x</title><script>document.title = "ran"</script>'),
      );
      // A page that fails WCAG, to prove expectNoAxeViolations fails readably.
      child.get('/example/inaccessible', (_request, reply) =>
        reply
          .type('text/html; charset=utf-8')
          .send('<!DOCTYPE html><title>x</title><img src="/assets/images/favicon.svg">'),
      );
    },
  }));
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => app.close());

async function openPage(path: string, expectStatus: number) {
  const context = await browser().newContext();
  const page = await context.newPage();
  const watch = watchPage(page);
  const res = await page.goto(`${base}${path}`);
  assert.equal(res?.status(), expectStatus, path);
  // app.js is a module script: wait until it has run.
  await page.waitForFunction(() => document.body.classList.contains('js-enabled'));
  return { context, page, watch };
}

for (const [path, status, heading] of [
  ['/', 200, 'Use a UK or Singapore digital identity'],
  ['/cookies', 200, 'Cookies'],
  ['/accessibility', 200, 'Accessibility statement for govbridge'],
  ['/no-such-page', 404, 'Page not found'],
  ['/example/form', 200, 'What is your name?'],
] as const) {
  test(`${path}: no axe violations, no CSP violations, JavaScript enabled by app.js`, async () => {
    const { context, page, watch } = await openPage(path, status);
    try {
      assert.equal((await page.locator('h1').textContent())?.trim(), heading);
      const classes = await page.evaluate(() => document.body.className);
      assert.match(classes, /\bjs-enabled\b/);
      assert.match(classes, /\bgovuk-frontend-supported\b/);
      // initAll() ran: govuk-frontend marks each component root it initialised.
      await page.waitForSelector('[data-govuk-skip-link-init]', { state: 'attached' });
      const fonts = await page.evaluate(
        () => getComputedStyle(document.querySelector('.govuk-footer')!).fontFamily,
      );
      assert.match(fonts, /GDS Transport/, 'govuk-frontend CSS loaded');
      await expectNoAxeViolations(page, path);
      assert.deepEqual(watch.problems, []);
    } finally {
      await context.close();
    }
  });
}

test('a form whose CSRF cookie has gone shows an accessible "This form has expired" page', async () => {
  const { context, page, watch } = await openPage('/example/form', 200);
  try {
    await page.getByLabel('What is your name?').fill('Ada');
    // The browser loses its CSRF cookie (expired session, cleared cookies) before submitting.
    await context.clearCookies();
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Continue' }).click(),
    ]);
    assert.equal(response.status(), 403);
    await page.waitForFunction(() => document.body.classList.contains('js-enabled'));
    assert.equal((await page.locator('h1').textContent())?.trim(), 'This form has expired');
    assert.equal(await page.title(), 'This form has expired – govbridge – GOV.UK');
    await expectNoAxeViolations(page, 'CSRF failure page');
    await page.getByRole('link', { name: 'Go back to the form and try again' }).click();
    await page.waitForURL(`${base}/example/form`);
    assert.deepEqual(watch.problems, []);
  } finally {
    await context.close();
  }
});

test('a form with errors is accessible, titled "Error: …", and its summary links to the field', async () => {
  const { context, page, watch } = await openPage('/example/form', 200);
  try {
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForFunction(() => document.body.classList.contains('js-enabled'));
    assert.equal(await page.title(), 'Error: What is your name? – govbridge – GOV.UK');
    // govuk-frontend's ErrorSummary (initialised by app.js) moves focus to the summary.
    await page.waitForFunction(() => document.activeElement?.classList.contains('govuk-error-summary'));
    await expectNoAxeViolations(page, 'form with errors');
    assert.deepEqual(watch.problems, []);
  } finally {
    await context.close();
  }
});

test('the CSP blocks inline script, and watchPage reports it', async () => {
  const context = await browser().newContext();
  try {
    const page = await context.newPage();
    const watch = watchPage(page);
    await page.goto(`${base}/example/inline-script`);
    assert.equal(await page.title(), 'x', 'the inline script did not run');
    await page.waitForTimeout(100);
    assert.ok(
      watch.problems.some((p) => p.includes('Content Security Policy')),
      `expected a CSP report, got ${JSON.stringify(watch.problems)}`,
    );
  } finally {
    await context.close();
  }
});

test('expectNoAxeViolations fails with a readable list', async () => {
  const context = await browser().newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${base}/example/inaccessible`);
    await assert.rejects(expectNoAxeViolations(page, 'bad page'), (err: Error) => {
      assert.match(err.message, /accessibility violation\(s\) on bad page/);
      assert.match(err.message, /- html-has-lang \(serious\)/);
      assert.match(err.message, /- image-alt \(critical\): Images must have alternative text/);
      assert.match(err.message, /at img/);
      return true;
    });
  } finally {
    await context.close();
  }
});
