import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';
import { Journey } from './journey.ts';

/**
 * The demo service hosted outside both countries (`/demo/abroad`, environment `overseas-commercial`,
 * which may hold public information only), in real Chromium, clicking like a person: hub start page →
 * the demo's start page, which says it is hosted abroad → Start now → Singpass simulator persona →
 * the hub's consent page, which shares nothing and lists each withheld detail with its reason and
 * rule → Continue → the demo's result page, with no personal claims and the `govbridge_withheld`
 * list it received (docs/policy.md).
 *
 * Every page reached is checked by Journey.check(): axe (WCAG 2.2 AA), no CSP violation, script
 * error or failed asset, no inline script.
 */
const browser = useBrowser();

const SERVICE = 'Check your UK State Pension from abroad — demo';

/** What the Singpass persona supplies of what the service asks for: each is withheld. */
const WITHHELD = ['Full name', 'Date of birth', 'Address', 'Email address'];

describe(`demo service hosted outside both countries, in Chromium (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  test('sign in with Singpass: every detail withheld with its reason, and the service is told which', async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;

      await j.goto(`${hub.url}/`);
      await j.clickTo(
        page.getByRole('link', {
          name: 'UK service hosted outside both countries: see what the hub withholds',
        }),
        /\/demo\/abroad\/?$/,
      );
      await j.check('abroad demo start page', { heading: SERVICE });
      const start = (await page.locator('main').textContent()) ?? '';
      assert.match(start, /This is a demonstration/);
      assert.match(start, /Where this service keeps your details/);
      assert.match(start, /hosted by its supplier in a commercial cloud outside both the UK and Singapore/);
      assert.match(start, /will therefore withhold your personal details/);

      await j.clickTo(
        page.getByRole('button', { name: 'Start now' }),
        /\/simulators\/singpass\/fapi\/auth\?/,
      );
      await j.check('Singpass persona page', { heading: 'Choose a test persona' });
      await page.getByLabel(/\(sg-citizen-mid\)/).check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/consent$/);

      // Nothing can be shared: "Continue to", no table of shared details, each withheld detail with
      // the reason in plain words and the rule that decided.
      await j.check('consent page, everything withheld', { heading: `Continue to ${SERVICE}` });
      const consent = (await page.locator('main').textContent()) ?? '';
      assert.match(consent, new RegExp(`None of your details will be shared with ${SERVICE}`));
      assert.doesNotMatch(consent, /TEO KAI MING DANIEL|1979-08-22|22 August 1979/);
      assert.equal(await page.getByRole('button', { name: 'Agree and share' }).count(), 0);
      const withheld = page.locator('#withheld');
      assert.equal((await withheld.locator('h2').textContent())?.trim(), 'Details that will not be shared');
      assert.match(
        (await withheld.locator('.govuk-inset-text').textContent()) ?? '',
        new RegExp(`${SERVICE} asked for ${WITHHELD.length} details that the rules`),
      );
      const keys = (await withheld.locator('.govuk-summary-list__key').allTextContents()).map((k) =>
        k.trim(),
      );
      assert.deepEqual(keys, WITHHELD);
      const reasons = (await withheld.locator('.govuk-summary-list__value').allTextContents()).map((v) =>
        v.trim(),
      );
      assert.equal(reasons.length, WITHHELD.length);
      for (const [i, key] of WITHHELD.entries()) {
        const reason = reasons[i] ?? '';
        // Every rule that applied, each with its reason: the UK and Singapore ceilings and the common rank.
        assert.match(
          reason,
          /^Under UK security rules this detail is OFFICIAL\b.*, and Check your UK State Pension from abroad — demo keeps information in Commercial cloud outside the UK and Singapore, which may hold published information at most\./,
          key,
        );
        assert.match(
          reason,
          /Under Singapore security rules .* which may hold OFFICIAL \(OPEN\) at most\./,
          key,
        );
        assert.match(
          reason,
          /\(Rule: above-environment-uk-ceiling, above-environment-sg-ceiling, above-environment-common-rank\)$/,
          key,
        );
      }
      if (process.env['GOVBRIDGE_SCREENSHOTS'])
        await page.screenshot({ path: process.env['GOVBRIDGE_SCREENSHOTS'], fullPage: true });

      // The sign-in completes with no personal claims released.
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/demo\/abroad\/result$/);
      await j.check('abroad demo result page', { heading: 'You have signed in' });
      const result = (await page.locator('main').textContent()) ?? '';
      assert.match(result, /The hub shared none of your personal details with this service/);
      assert.doesNotMatch(result, /TEO KAI MING DANIEL|1979-08-22/);
      const received = await page
        .locator('table', { has: page.locator('caption', { hasText: 'Your details' }) })
        .locator('tbody th')
        .allTextContents();
      assert.deepEqual(
        received.map((c) => c.trim()),
        ['Identifier at the hub (sub)'],
      );

      // What the service received in govbridge_withheld: each claim and the deciding policy.
      const told = page.locator('#withheld');
      assert.equal((await told.locator('h2').textContent())?.trim(), 'What the hub withheld');
      assert.match((await told.textContent()) ?? '', /govbridge_withheld/);
      const rows = told.locator('tbody tr');
      const list: string[][] = [];
      for (let i = 0; i < (await rows.count()); i++) {
        list.push((await rows.nth(i).locator('th, td').allTextContents()).map((t) => t.trim()));
      }
      assert.deepEqual(list, [
        ['Full name (name)', 'above-environment-uk-ceiling'],
        ['Date of birth (birthdate)', 'above-environment-uk-ceiling'],
        ['Address (address)', 'above-environment-uk-ceiling'],
        ['Email address (email)', 'above-environment-uk-ceiling'],
      ]);
      assert.equal(await j.summaryValue('Assurance level (acr)'), 'urn:govbridge:loa:substantial');
    } finally {
      await context.close();
    }
  });
});
