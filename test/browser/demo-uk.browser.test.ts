import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';
import { Journey } from './journey.ts';

/**
 * The UK demo service with a simulated Singpass persona, in real Chromium, clicking like a person
 * (no login_hint): hub start page → UK demo → Start now → Singpass simulator's persona page (and its
 * validation error) → the hub's consent page (and its error state) → agree → the demo's result page
 * with the translated claims and assurance. Then "Your consents" lists the consent and withdraws it,
 * and the demo signs out through the hub's RP-initiated logout confirmation page. Also the
 * simulator's expired-request page, and an upstream outage (login_hint `<persona>:down`, forwarded
 * by the demo) with its retry link.
 *
 * Every page reached is checked by Journey.check(): axe (WCAG 2.2 AA), no CSP violation, script
 * error or failed asset, no inline script, js-enabled set by /assets/app.js.
 */
const browser = useBrowser();

describe(`UK demo with Singpass, in Chromium (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  test('sign in with a Singpass persona, consent, see the claims; withdraw the consent; sign out', async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;

      // The hub's start page itself is checked in hub-pages.browser.test.ts.
      await j.goto(`${hub.url}/`);
      await j.clickTo(
        page.getByRole('link', { name: 'UK service: sign in with Singpass' }),
        /\/demo\/uk\/?$/,
      );
      await j.check('UK demo start page', { heading: 'Apply for a National Insurance number — demo' });

      await j.clickTo(
        page.getByRole('button', { name: 'Start now' }),
        /\/simulators\/singpass\/fapi\/auth\?/,
      );
      await j.check('Singpass persona page', { heading: 'Choose a test persona' });

      // Continue without choosing: the simulator's validation error.
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/simulators\/singpass\/login$/);
      await j.check('Singpass persona page with an error', { status: 400, heading: 'Choose a test persona' });
      assert.match(await page.title(), /^Error: /);
      await page.getByRole('link', { name: 'Select who is signing in' }).click();
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'persona');

      await page.getByLabel(/\(sg-citizen-mid\)/).check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/consent$/);
      await j.check('consent page', {
        heading: 'Share your details with Apply for a National Insurance number — demo?',
      });
      assert.equal(await j.summaryValue('Verified by'), 'Singpass');
      assert.match(
        (await page.locator('.govuk-warning-text').textContent()) ?? '',
        /from Singapore to a service in the United Kingdom/,
      );
      assert.deepEqual((await j.tableRow('Full name')).slice(1), ['TEO KAI MING DANIEL']);
      assert.deepEqual((await j.tableRow('Date of birth')).slice(1), ['22 August 1979']);

      // A post without a decision (no button's value): the consent page's error state.
      await j.submitWithoutButton('form[action$="/consent"]');
      await j.check('consent page with an error', {
        status: 400,
        heading: 'Share your details with Apply for a National Insurance number — demo?',
      });
      assert.match(await page.title(), /^Error: /);
      assert.match(
        (await page.locator('.govuk-error-summary').textContent()) ?? '',
        /Choose whether to share your details/,
      );

      await j.clickTo(page.getByRole('button', { name: 'Agree and share' }), /\/demo\/uk\/result$/);
      await j.check('UK demo result page', { heading: 'You have signed in' });
      assert.match(
        (await page.locator('.govuk-panel').textContent()) ?? '',
        /with Singpass through govbridge/,
      );
      const name = await j.tableRow(/^Full name/);
      assert.equal(name[1], 'TEO KAI MING DANIEL');
      assert.equal(name[2], 'sg_singpass, assurance level substantial');
      assert.equal((await j.tableRow(/^Date of birth/))[1], '1979-08-22');
      assert.equal(await j.summaryValue('Assurance level (acr)'), 'urn:govbridge:loa:substantial');
      assert.notEqual(await j.summaryValue('Authentication methods (amr)'), 'Not stated');
      // Every cookie the hub, the simulator and the demo set: HttpOnly, SameSite=Lax, path-scoped
      // where they can be (Secure and __Host-/__Secure- names apply over https, not on this loopback).
      const cookies = await context.cookies();
      assert.ok(cookies.length > 0);
      for (const c of cookies) {
        assert.ok(c.httpOnly, `${c.name} is HttpOnly`);
        assert.equal(c.sameSite, 'Lax', `${c.name} is SameSite=Lax`);
      }
      assert.equal(cookies.find((c) => c.name === 'govbridge-demo-uk-service')?.path, '/demo/uk');

      // The hub remembers who consented: "Your consents" lists it, and it can be withdrawn.
      await j.goto(`${hub.url}/account/consents`);
      await j.check('Your consents (signed in)', { heading: 'Your consents' });
      const card = page.locator('.govuk-summary-card', {
        hasText: 'Apply for a National Insurance number — demo',
      });
      assert.match((await card.locator('.govuk-tag').textContent()) ?? '', /Active/);
      assert.match((await card.textContent()) ?? '', /Date of birth/);
      await j.clickTo(
        card.getByRole('button', {
          name: 'Withdraw consent for Apply for a National Insurance number — demo',
        }),
        /\/account\/consents\?withdrawn=1$/,
      );
      await j.check('Your consents after withdrawal', { heading: 'Your consents' });
      assert.match(
        (await page.locator('.govuk-notification-banner').textContent()) ?? '',
        /Consent withdrawn/,
      );
      assert.match((await card.locator('.govuk-tag').textContent()) ?? '', /Withdrawn/);
      assert.equal(await card.getByRole('button', { name: /Withdraw consent/ }).count(), 0);

      // Sign out at the demo: the hub asks to confirm (RP-initiated logout), then back to the demo.
      await j.goto(`${hub.url}/demo/uk/result`);
      assert.match(page.url(), /\/demo\/uk\/result$/);
      await j.clickTo(page.getByRole('button', { name: 'Sign out' }), /\/logout/);
      await j.check('hub logout confirmation', {
        heading: 'Do you want to sign out of Apply for a National Insurance number — demo?',
      });
      await j.clickTo(page.getByRole('button', { name: 'Yes, sign out' }), /\/demo\/uk\/signed-out/);
      await j.check('UK demo signed-out page', { heading: 'You have signed out' });
      await j.goto(`${hub.url}/demo/uk/result`);
      assert.match(page.url(), /\/demo\/uk\/?$/, 'signed out: the result page sends you to the start');
    } finally {
      await context.close();
    }
  });

  test("the Singpass simulator's expired-request page", async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      await j.goto(`${hub.url}/demo/uk/sign-in`);
      assert.match(page.url(), /\/simulators\/singpass\/fapi\/auth\?/);
      // The form's single-use request id is gone (used, expired, or — here — not ours).
      await page.locator('input[name="request_id"]').evaluate((el) => {
        (el as HTMLInputElement).value = 'no-such-request';
      });
      await page.getByLabel(/\(sg-citizen-mid\)/).check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/simulators\/singpass\/login$/);
      await j.check('Singpass simulator: expired request', {
        status: 400,
        heading: 'This sign-in has expired',
      });
    } finally {
      await context.close();
    }
  });

  test('Singpass is down: the hub explains and offers a retry link', async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      await j.goto(`${hub.url}/demo/uk/sign-in?login_hint=sg-citizen-mid:down`);
      await j.check('upstream outage page', { status: 503, heading: 'Sorry, the service is unavailable' });
      const retry = page.getByRole('link', { name: 'Try again' });
      const href = (await retry.getAttribute('href')) ?? '';
      assert.match(href, /^\/interaction\/[^/]+\/start\/singpass$/);
      // The retry goes back to Singpass, which (same persona and scenario) is still down.
      await j.clickTo(retry, /\/interaction\/[^/]+\/callback\/singpass/);
      assert.equal((await page.locator('h1').textContent())?.trim(), 'Sorry, the service is unavailable');
    } finally {
      await context.close();
    }
  });
});
