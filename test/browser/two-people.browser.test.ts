import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';
import { Journey } from './journey.ts';

/**
 * One browser, two people (issue 9): a dual national signs in at one service with one identity and
 * then, in the same browser and without signing out, at another service with another identity.
 * oidc-provider notices that its session belongs to someone else and ends it before finishing the
 * second login; its own page for that is an auto-submitting form with an inline script, which the
 * hub's CSP blocks (a blank "Submitting Callback" page). The hub renders that step itself: a
 * GOV.UK page with a button, no script.
 *
 * Every page reached is checked by Journey.check(): axe (WCAG 2.2 AA), no CSP violation, script
 * error or failed asset, no inline script, js-enabled set by /assets/app.js.
 */
const browser = useBrowser();
const UK_SERVICE = 'Apply for a National Insurance number — demo';
const SG_SERVICE = 'Apply for an Employment Pass — demo';

describe(`one browser, two people (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  async function singpassAtUk(j: Journey, persona: RegExp, expectedName: string): Promise<void> {
    const { page } = j;
    await j.goto(`${hub.url}/demo/uk`);
    await j.check('UK demo start page', { heading: 'Apply for a National Insurance number — demo' });
    await j.clickTo(page.getByRole('button', { name: 'Start now' }), /\/simulators\/singpass\/fapi\/auth\?/);
    await j.check('Singpass persona page', { heading: 'Choose a test persona' });
    await page.getByLabel(persona).check();
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/consent$/);
    await j.check('consent page (UK service)', { heading: `Share your details with ${UK_SERVICE}?` });
    assert.deepEqual((await j.tableRow('Full name')).slice(1), [expectedName]);
    await page.getByRole('button', { name: 'Agree and share' }).click();
  }

  /** Where the second person's login ends: the hub's page about the other person, then the service. */
  async function throughSwitchPage(j: Journey, service: RegExp): Promise<void> {
    const { page } = j;
    await page.waitForURL((url) => !url.pathname.endsWith('/consent'), { waitUntil: 'load' });
    assert.doesNotMatch(page.url(), service, 'the hub says the other person is signed out first');
    await j.check('hub: someone else is signed in on this browser', {
      heading: 'Another identity is signed in on this device',
    });
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), service);
  }

  test('person A at the UK service with Singpass, then person B at the Singapore service with One Login', async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;

      // Person A: Singpass at the UK service.
      await singpassAtUk(j, /\(sg-citizen-mid\)/, 'TEO KAI MING DANIEL');
      await page.waitForURL(/\/demo\/uk\/result$/);
      await j.check('UK demo result page (person A)', { heading: 'You have signed in' });
      assert.equal((await j.tableRow(/^Full name/))[1], 'TEO KAI MING DANIEL');

      // Person B, same browser, no sign-out: One Login at the Singapore service.
      await j.goto(`${hub.url}/demo/sg`);
      await j.check('Singapore demo start page', { heading: SG_SERVICE });
      await j.clickTo(page.getByRole('button', { name: 'Start now' }), /\/simulators\/onelogin\/authorize\?/);
      await j.check('One Login persona page', { heading: 'Who are you signing in as?' });
      await page.getByLabel('Eleanor Whitfield').check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/consent$/);
      await j.check('consent page (Singapore service)', {
        heading: `Share your details with ${SG_SERVICE}?`,
      });
      await page.getByRole('button', { name: 'Agree and share' }).click();
      await throughSwitchPage(j, /\/demo\/sg\/result$/);
      await j.check('Singapore demo result page (person B)', { heading: 'You have signed in' });
      assert.match((await j.tableRow(/^Full name/))[1] ?? '', /^Eleanor (Mary )?Whitfield$/);
      assert.match((await page.locator('.govuk-panel').textContent()) ?? '', /with GOV\.UK One Login/);

      // Each service sees its own person: the UK service still has person A.
      await j.goto(`${hub.url}/demo/uk/result`);
      await j.check('UK demo result page (still person A)', { heading: 'You have signed in' });
      assert.equal((await j.tableRow(/^Full name/))[1], 'TEO KAI MING DANIEL');
      assert.match((await page.locator('.govuk-panel').textContent()) ?? '', /with Singpass/);
    } finally {
      await context.close();
    }
  });

  test('two Singpass personas, one after the other, at the same service', async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      // Personas that have not consented to this service yet (the first test's person A has: the
      // hub would not ask again), so each login shows its consent page.
      await singpassAtUk(j, /\(sg-citizen-young\)/, 'NG JIA HUI PEARL');
      await page.waitForURL(/\/demo\/uk\/result$/);
      await j.check('UK demo result page (first persona)', { heading: 'You have signed in' });
      assert.equal((await j.tableRow(/^Full name/))[1], 'NG JIA HUI PEARL');

      await singpassAtUk(j, /\(sg-pr\)/, 'NUR QISTINA BINTE KAMARULZAMAN');
      await throughSwitchPage(j, /\/demo\/uk\/result$/);
      await j.check('UK demo result page (second persona)', { heading: 'You have signed in' });
      assert.equal((await j.tableRow(/^Full name/))[1], 'NUR QISTINA BINTE KAMARULZAMAN');
    } finally {
      await context.close();
    }
  });
});
