import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { Journey } from './journey.ts';

/**
 * Issue 12, "a person can change any answer from the check and journey pages and come back to where
 * they were", in real Chromium, every page checked by Journey.check() (axe WCAG 2.2 AA, no inline
 * script, no CSP violation): questions at their own URLs with back links to the previous question;
 * Change on the journey page and back; Change on "Check before you send" and back; choosing which
 * agencies to tell (untick one → only the others are told; none → an error).
 */
const browser = useBrowser();
let hub: TestHub;
before(async () => {
  hub = await startTestHub();
});
after(async () => {
  await hub?.close();
});

test('change answers from the journey page and the check page, and choose whom to tell', async () => {
  const context = await browser().newContext();
  try {
    const j = await Journey.open(context);
    const { page } = j;
    await j.goto(`${hub.url}/account/consents?return=/life-events`);
    await j.signInWithSingpass('sg-citizen-young', /\/life-events$/);

    await page.getByLabel('Moving from the UK to Singapore').check();
    await j.fillDate(['2', '3', '2026']);
    await j.clickTo(page.getByRole('button', { name: 'Start' }), /\/questions\/[a-z0-9_]+$/);
    const firstUrl = page.url();
    const journeyUrl = firstUrl.replace(/\/questions\/[a-z0-9_]+$/, '');
    await j.check('first question');
    const firstQuestion = (await page.locator('h1').textContent())?.trim() ?? '';
    // The first question's back link goes to the journey.
    assert.equal(await page.locator('.govuk-back-link').getAttribute('href'), new URL(journeyUrl).pathname);

    // Answer it (the first option, whatever kind of question it is), then the next one's back link
    // goes to it, not to browser history.
    const radios = page.locator('input.govuk-radios__input');
    if ((await radios.count()) > 0) await radios.first().check();
    else await page.locator('#value').fill('1');
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/questions\/[a-z0-9_]+$/);
    assert.notEqual(page.url(), firstUrl);
    await j.check('second question');
    await j.clickTo(page.locator('.govuk-back-link'), firstUrl);
    await j.check('back to the first question', { heading: firstQuestion });
    // The answer given is shown again.
    if ((await radios.count()) > 0) assert.ok(await radios.first().isChecked());

    // The journey page: the answer with a Change link naming it; change it and come back.
    await j.goto(journeyUrl);
    await j.check('the journey', { heading: 'Moving from the UK to Singapore: your journey' });
    const answers = page
      .locator('#details-used + .govuk-summary-list, #details-used ~ .govuk-summary-list')
      .first();
    const row = answers.locator('.govuk-summary-list__row').first();
    const before = ((await row.locator('.govuk-summary-list__value').textContent()) ?? '').trim();
    const change = row.getByRole('link', { name: /^Change / });
    const hidden = ((await change.locator('.govuk-visually-hidden').textContent()) ?? '').trim();
    assert.ok(hidden.length > 3, `the Change link names the answer: "${hidden}"`);
    await j.clickTo(change, /\/questions\/[a-z0-9_]+\?return=journey$/);
    await j.check('changing an answer from the journey', { heading: firstQuestion });
    assert.equal(
      await page.locator('.govuk-back-link').getAttribute('href'),
      `${new URL(journeyUrl).pathname}#details-used`,
    );
    if ((await radios.count()) > 1) await radios.nth(1).check();
    else await page.locator('#value').fill('2');
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), `${journeyUrl}#details-used`);
    await j.check('the journey after the change', {
      heading: 'Moving from the UK to Singapore: your journey',
    });
    const after = ((await row.locator('.govuk-summary-list__value').textContent()) ?? '').trim();
    assert.notEqual(after, before, 'the new answer is shown');

    /** An answer on the check page's "Your answers" (the agency cards repeat them). */
    const answer = async (key: string) =>
      (
        (await page
          .locator('#your-answers .govuk-summary-list__row', {
            has: page.locator('.govuk-summary-list__key', { hasText: key }),
          })
          .locator('.govuk-summary-list__value')
          .innerText()) ?? ''
      )
        .replace(/\s+/g, ' ')
        .trim();

    // Tell government once: the check page, Change one answer, and back to the check page.
    await j.clickTo(page.getByRole('link', { name: 'Tell government about your move' }), /\/tell$/);
    await j.check('tell government once', { heading: 'Tell government once' });
    await page.getByLabel('Your full name').fill('Wei Ling Tan');
    await j.fillDate(['4', '7', '1988']);
    await page.getByLabel('British').check();
    await page.getByLabel(/Your address in the United Kingdom/).fill('1 Horse Guards Road\nLondon SW1A 2HQ');
    await page.getByLabel(/Your new address in Singapore/).fill('1 Marina Boulevard\nSingapore 018989');
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/tell$/);
    await j.check('check before you send', { heading: 'Check before you send' });
    assert.equal(await answer('New address'), '1 Marina Boulevard, Singapore 018989 You told us');

    await j.clickTo(page.getByRole('button', { name: 'Change new address' }), /\/tell$/);
    await j.check('change one answer', { heading: 'Change new address' });
    assert.equal(await page.locator('textarea').count(), 1, 'only that question');
    await page.getByLabel(/Your new address in Singapore/).fill('');
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/tell$/);
    await j.check('change one answer, with an error', { status: 400, heading: 'Change new address' });
    await page.getByLabel(/Your new address in Singapore/).fill('10 Bayfront Avenue\nSingapore 018956');
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/tell$/);
    await j.check('check before you send, changed', { heading: 'Check before you send' });
    assert.equal(await answer('New address'), '10 Bayfront Avenue, Singapore 018956 You told us');
    assert.equal(await answer('Full name'), 'Wei Ling Tan You told us');

    // Choose whom to tell: all ticked; none is an error; untick one → only the others are told.
    const boxes = page.locator('input[name="agencies"]');
    const count = await boxes.count();
    assert.ok(count >= 2, `at least two agencies to choose from (${count})`);
    for (let i = 0; i < count; i++) assert.ok(await boxes.nth(i).isChecked(), 'all ticked by default');
    for (let i = 0; i < count; i++) await boxes.nth(i).uncheck();
    await j.clickTo(page.getByRole('button', { name: 'Send' }), /\/tell\/confirm$/);
    await j.check('no agency chosen', { status: 400, heading: 'Check before you send' });
    assert.match(
      (await page.locator('.govuk-error-summary').textContent()) ?? '',
      /Select at least one agency to tell/,
    );
    // The error summary's link takes the person to the first checkbox (govuk-frontend moves focus).
    await page.locator('.govuk-error-summary a[href="#agencies"]').click();
    await page.waitForFunction(() => document.activeElement?.id === 'agencies');
    for (let i = 0; i < count; i++) await boxes.nth(i).check();
    const left = await page.locator(`label[for="${await boxes.first().getAttribute('id')}"]`).textContent();
    const leftOut = (left ?? '').trim().replace(/ \((United Kingdom|Singapore)\)$/, '');
    await boxes.first().uncheck();
    await j.clickTo(
      page.getByRole('button', { name: 'Send' }),
      /\/life-events\/reports\/rpt_[^?]+\?sent=new$/,
    );
    await j.check('the confirmation', { heading: 'Report sent' });
    assert.match(
      (await page.locator('.govuk-panel').textContent()) ?? '',
      /Your reference is\s*[ACDEFGHJKMNPRTWXY34679]{8}/,
    );
    const told = (await page.locator('tbody th').allTextContents()).map((t) => t.trim());
    assert.ok(!told.includes(leftOut), `${leftOut} is not told: ${told.join(', ')}`);
    assert.equal(told.length, count - 1, told.join(', '));

    await j.clickTo(page.getByRole('link', { name: 'Back to your journey' }).first(), journeyUrl);
    await j.check('the journey with its report', {
      heading: 'Moving from the UK to Singapore: your journey',
    });
  } finally {
    await context.close();
  }
});
