import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Journey } from '../browser/journey.ts';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

/**
 * "Tell government once" in real Chromium, each page checked by Journey.check() (axe WCAG 2.2 AA, no
 * CSP violation or script error, no inline script): the journey's section, the question page (with
 * and without errors), "Check before you send", the status page while pending and once the hub's
 * delivery worker has told the demo agencies, and a death's question page with a date error.
 */
const browser = useBrowser();
let hub: TestHub;
before(async () => {
  hub = await startTestHub();
});
after(async () => {
  await hub?.close();
});

test('tell, check and status pages pass axe', async () => {
  const context = await browser().newContext();
  try {
    const j = await Journey.open(context);
    const { page } = j;
    await j.goto(`${hub.url}/life-events`);
    await j.clickTo(
      page.getByRole('button', { name: 'Sign in' }),
      /\/account\/consents\?return=\/life-events$/,
    );
    await j.signInWithSingpass('sg-citizen-young', /\/life-events$/);

    await page.getByLabel('Moving from the UK to Singapore').check();
    await j.fillDate(['2', '3', '2026']);
    await j.clickTo(page.getByRole('button', { name: 'Start' }), /\/questions\/[a-z0-9_]+$/);
    const journeyUrl = page.url().replace(/\/questions\/[a-z0-9_]+$/, '');
    await j.goto(journeyUrl);
    await j.check('the journey with its "Tell government once" section', {
      heading: 'Moving from the UK to Singapore: your journey',
    });

    await j.clickTo(page.getByRole('link', { name: 'Tell government about your move' }), /\/tell$/);
    await j.check('tell government once', { heading: 'Tell government once' });
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/tell$/);
    await j.check('tell government once, with errors', { status: 400, heading: 'Tell government once' });
    // The error summary links to the fields.
    assert.equal(await page.locator('.govuk-error-summary a[href="#name"]').count(), 1);

    await page.getByLabel('Your full name').fill('Wei Ling Tan');
    await j.fillDate(['4', '7', '1988']);
    await page.getByLabel('British').check();
    await page.getByLabel(/Your address in the United Kingdom/).fill('1 Horse Guards Road\nLondon SW1A 2HQ');
    await page.getByLabel(/Your new address in Singapore/).fill('1 Marina Boulevard\nSingapore 018989');
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/tell$/);
    await j.check('check before you send', { heading: 'Check before you send' });
    assert.ok((await page.locator('.govuk-summary-card').count()) > 0, 'one card per agency');

    await j.clickTo(page.getByRole('button', { name: 'Change your answers' }), /\/tell$/);
    await j.check('change your answers', { heading: 'Tell government once' });
    assert.equal(await page.getByLabel('Your full name').inputValue(), 'Wei Ling Tan');
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/tell$/);

    await j.clickTo(page.getByRole('button', { name: 'Send' }), /\/life-events\/reports\/rpt_/);
    await j.check('the confirmation, with its reference', { heading: 'Report sent' });

    // The hub's worker tells the demo agencies; "Refresh this page" shows it (no auto-refresh).
    const deadline = Date.now() + 20_000;
    while ((await page.locator('.govuk-tag--grey, .govuk-tag--yellow').count()) > 0) {
      assert.ok(Date.now() < deadline, 'delivered in time');
      await new Promise((r) => setTimeout(r, 200));
      await j.clickTo(page.getByRole('link', { name: 'Refresh this page' }), /\/life-events\/reports\/rpt_/);
    }
    await j.check('status, delivered', { heading: 'Who we have told' });
    assert.ok((await page.locator('.govuk-tag--green').count()) > 0);

    await j.clickTo(page.getByRole('link', { name: 'Back to your journey' }).first(), journeyUrl);
    await j.check('the journey with its report', {
      heading: 'Moving from the UK to Singapore: your journey',
    });

    // A death: two date inputs' worth of questions and a date error.
    await j.goto(`${hub.url}/life-events`);
    await page.getByLabel('Death of a loved one').check();
    await j.fillDate(['1', '3', '2025']);
    await j.clickTo(page.getByRole('button', { name: 'Start' }), /\/questions\/[a-z0-9_]+$/);
    await j.goto(page.url().replace(/\/questions\/[a-z0-9_]+$/, '/tell'));
    await j.check('tell government once about a death', { heading: 'Tell government once' });
    await page.getByLabel('Full name of the person who died').fill('Lim Beng Huat');
    const dob = page.getByRole('group', { name: 'Their date of birth' });
    await dob.getByLabel('Day').fill('31');
    await dob.getByLabel('Month').fill('2');
    await dob.getByLabel('Year').fill('1940');
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/tell$/);
    await j.check('a death, with a date error', { status: 400, heading: 'Tell government once' });
  } finally {
    await context.close();
  }
});
