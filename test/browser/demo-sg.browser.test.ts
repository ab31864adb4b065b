import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';
import { Journey } from './journey.ts';

/**
 * The Singapore demo service with a simulated GOV.UK One Login persona, in real Chromium, clicking
 * like a person (no login_hint): hub start page → Singapore demo → Start now → One Login
 * simulator's persona page (and its validation error) → the hub's consent page → agree → the demo's
 * result page with the translated claims and assurance. Also: declining consent (the demo's "You
 * have not signed in" page), the simulator's expired-link page, its own signed-out page, and the
 * demo's "session has ended" page.
 *
 * Every page reached is checked by Journey.check(): axe (WCAG 2.2 AA), no CSP violation, script
 * error or failed asset, no inline script, js-enabled set by /assets/app.js.
 */
const browser = useBrowser();
const SERVICE = 'Apply for an Employment Pass — demo';

describe(`Singapore demo with GOV.UK One Login, in Chromium (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  /** From the hub's start page to the One Login simulator's persona page. */
  async function toPersonaPage(j: Journey, checkPages: boolean): Promise<void> {
    const { page } = j;
    await j.goto(`${hub.url}/`);
    await j.clickTo(
      page.getByRole('link', { name: 'Singapore service: sign in with GOV.UK One Login' }),
      /\/demo\/sg\/?$/,
    );
    if (checkPages) await j.check('Singapore demo start page', { heading: SERVICE });
    await j.clickTo(page.getByRole('button', { name: 'Start now' }), /\/simulators\/onelogin\/authorize\?/);
    if (checkPages) await j.check('One Login persona page', { heading: 'Who are you signing in as?' });
  }

  test('sign in with a One Login persona, consent, see the claims and assurance', async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      await toPersonaPage(j, true);

      // Continue without choosing: the simulator's validation error.
      await j.clickTo(
        page.getByRole('button', { name: 'Continue' }),
        /\/simulators\/onelogin\/authorize\/persona$/,
      );
      await j.check('One Login persona page with an error', {
        status: 400,
        heading: 'Who are you signing in as?',
      });
      assert.match(await page.title(), /^Error: /);
      // govuk-frontend's ErrorSummary (initialised by app.js) takes focus.
      await page.waitForFunction(() => document.activeElement?.classList.contains('govuk-error-summary'));

      await page.getByLabel('Eleanor Whitfield').check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/consent$/);
      await j.check('consent page', { heading: `Share your details with ${SERVICE}?` });
      assert.equal(await j.summaryValue('Verified by'), 'GOV.UK One Login');
      // A Singapore service's consent page wears SGDS (web/design.ts; test/browser/sgds.browser.test.ts).
      assert.equal(await page.locator('sgds-masthead').count(), 1);
      assert.match(
        (await page.locator('main').textContent()) ?? '',
        /from the United Kingdom to a service in Singapore/,
      );
      assert.equal((await j.tableRow('Date of birth'))[1], '14 March 1947');

      await j.clickTo(page.getByRole('button', { name: 'Agree and share' }), /\/demo\/sg\/result$/);
      await j.check('Singapore demo result page', { heading: 'You have signed in' });
      assert.match(
        (await page.locator('.govuk-panel').textContent()) ?? '',
        /with GOV\.UK One Login through govbridge/,
      );
      const name = await j.tableRow(/^Full name/);
      assert.match(name[1] ?? '', /^Eleanor (Mary )?Whitfield$/);
      assert.equal(name[2], 'uk_tfida, assurance level medium');
      assert.equal((await j.tableRow(/^Date of birth/))[1], '1947-03-14');
      assert.equal((await j.tableRow(/^Given name/))[1], 'Eleanor Mary');
      assert.equal((await j.tableRow(/^Family name/))[1], 'Whitfield');
      assert.equal(await j.summaryValue('Assurance level (acr)'), 'urn:govbridge:loa:substantial');
    } finally {
      await context.close();
    }
  });

  test('declining consent: the demo says nothing was shared', async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      await toPersonaPage(j, false);
      await page.getByLabel('Rhys Pritchard').check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/consent$/);
      await j.clickTo(page.getByRole('button', { name: 'Do not share' }), /\/demo\/sg\/callback\?/);
      await j.check('Singapore demo: consent declined', { status: 400, heading: 'You have not signed in' });
      assert.match(
        (await page.locator('main').textContent()) ?? '',
        /We have not received any of your details/,
      );
      // "Try again" starts a new sign-in: back at the persona page.
      await j.clickTo(page.getByRole('link', { name: 'Try again' }), /\/simulators\/onelogin\/authorize\?/);
      assert.equal((await page.locator('h1').textContent())?.trim(), 'Who are you signing in as?');
    } finally {
      await context.close();
    }
  });

  test("the simulator's expired-link and signed-out pages, and the demo's session-ended page", async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      await toPersonaPage(j, false);
      // The chooser's single-use identifier is gone (used, expired, or — here — not ours).
      await page.locator('input[name="interaction"]').evaluate((el) => {
        (el as HTMLInputElement).value = 'no-such-interaction';
      });
      await page.getByLabel('Eleanor Whitfield').check();
      await j.clickTo(
        page.getByRole('button', { name: 'Continue' }),
        /\/simulators\/onelogin\/authorize\/persona$/,
      );
      await j.check('One Login simulator: expired link', {
        status: 400,
        heading: 'This sign-in link has expired',
      });

      await j.goto(`${hub.url}/simulators/onelogin/logout`);
      await j.check('One Login simulator: signed out', { heading: 'You have signed out' });

      // A response that does not match the sign-in the demo started (its state)…
      await j.goto(`${hub.url}/demo/sg/callback?code=abc&state=xyz`);
      await j.check('Singapore demo: response not matching the sign-in', {
        status: 400,
        heading: 'Sorry, we could not complete your sign-in',
      });
      // …ends that sign-in: the same response again finds no session.
      await j.goto(`${hub.url}/demo/sg/callback?code=abc&state=xyz`);
      await j.check('Singapore demo: session ended', { status: 400, heading: 'Your session has ended' });
    } finally {
      await context.close();
    }
  });
});
