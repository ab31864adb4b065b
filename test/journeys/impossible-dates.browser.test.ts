import { after, before, test } from 'node:test';
import { Journey } from '../browser/journey.ts';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

/**
 * Impossible dates in real Chromium, each page checked by Journey.check() (axe WCAG 2.2 AA, no CSP
 * violation or script error): the start page refusing 31 December 9999 with the range, and a journey
 * saved with that date (written straight to the database) showing the page to fix it, then fixed.
 */
const browser = useBrowser();
let hub: TestHub;
before(async () => {
  hub = await startTestHub();
});
after(async () => {
  await hub?.close();
});

test('an impossible date: refused with the range; a saved one is fixed on its own page', async () => {
  const context = await browser().newContext();
  try {
    const j = await Journey.open(context);
    const { page } = j;
    await j.goto(`${hub.url}/account/consents?return=/life-events`);
    await j.signInWithSingpass('sg-citizen-young', /\/life-events$/);

    await page.getByLabel('Having a baby').check();
    await j.fillDate(['31', '12', '9999']);
    await j.clickTo(page.getByRole('button', { name: 'Start' }), /\/life-events\/start$/);
    await j.check('start refused: out of range', {
      status: 400,
      heading: 'Plan what to do after a life event',
    });
    await page
      .getByText(/Date of birth must be between 1 January 1900 and/)
      .first()
      .waitFor();

    await page.getByLabel('Year').fill('2025');
    await page.getByLabel('Month').fill('3');
    await page.getByLabel('Day').fill('1');
    await j.clickTo(page.getByRole('button', { name: 'Start' }), /\/questions\/[a-z0-9_]+$/);
    const journeyUrl = page.url().replace(/\/questions\/[a-z0-9_]+$/, '');
    const id = journeyUrl.split('/').at(-1)!;
    await hub.ctx.storage.db
      .updateTable('journeys')
      .set({ event_date: '9999-12-31' })
      .where('journey_id', '=', id)
      .execute();

    await j.goto(journeyUrl);
    await j.check('a saved journey that cannot be worked out', {
      heading: 'We cannot work out this journey yet',
    });
    await page.getByLabel('Year').fill('3000');
    await j.clickTo(page.getByRole('button', { name: 'Save the date' }), /\/date$/);
    await j.check('the date page with an error', {
      status: 400,
      heading: 'We cannot work out this journey yet',
    });
    await j.fillDate(['1', '3', '2025']);
    await j.clickTo(page.getByRole('button', { name: 'Save the date' }), journeyUrl);
    await j.check('the fixed journey', { heading: 'Having a baby: your journey' });
    await j.goto(`${journeyUrl}/date`);
    await j.check('change the date', { heading: 'Change the date' });
  } finally {
    await context.close();
  }
});
