import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Journey } from '../browser/journey.ts';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

/**
 * The new states of the journey page in real Chromium, each checked by Journey.check() (axe WCAG 2.2
 * AA via expectNoAxeViolations, no CSP violation or script error): the offer to use verified details,
 * the offer with an error, and the journey with verified details winning over a typed answer.
 */
const browser = useBrowser();
let hub: TestHub;
before(async () => {
  hub = await startTestHub();
});
after(async () => {
  await hub?.close();
});

test('verified details on the journey page pass axe: offer, offer with an error, verified and contradicted', async () => {
  const context = await browser().newContext();
  try {
    const j = await Journey.open(context);
    const { page } = j;
    await j.goto(`${hub.url}/account/consents?return=/life-events`);
    await j.signInWithSingpass('sg-citizen-mid', /\/life-events$/);

    await page.getByLabel('Moving from Singapore to the UK').check();
    await j.fillDate(['1', '9', '2025']);
    await j.clickTo(page.getByRole('button', { name: 'Start' }), /\/questions\/[a-z0-9_]+$/);
    const questions = page.url();

    // Answer the date of birth first (it will be contradicted).
    await j.goto(questions.replace(/\/questions\/[a-z0-9_]+$/, '/questions/applicant_birthdate'));
    await j.fillDate(['1', '1', '1980']);
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/questions\/[a-z0-9_]+$/);

    await j.goto(questions.replace(/\/questions\/[a-z0-9_]+$/, ''));
    await j.check('the offer to use verified details', {
      heading: 'Moving from Singapore to the UK: your journey',
    });
    await j.clickTo(page.getByRole('button', { name: 'Agree and get my verified details' }), /\/verified$/);
    await j.check('the offer with an error', {
      status: 400,
      heading: 'Moving from Singapore to the UK: your journey',
    });
    await page.getByLabel('Singpass').check();
    await j.clickTo(
      page.getByRole('button', { name: 'Agree and get my verified details' }),
      /\/simulators\/singpass\//,
    );
    await page.getByLabel(/\(sg-citizen-mid\)/).check();
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/life-events\/journeys\/[0-9a-f-]+$/);
    await j.check('verified details used, one answer replaced', {
      heading: 'Moving from Singapore to the UK: your journey',
    });
    assert.match(
      await page.locator('main').innerText(),
      /We used your date of birth from Singpass \(22 August 1979\) instead of the one you entered \(1 January 1980\)/,
    );
  } finally {
    await context.close();
  }
});
