import { after, before, test } from 'node:test';
import { Journey } from '../browser/journey.ts';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

/**
 * Retiring abroad in real Chromium, each page checked by Journey.check() (axe WCAG 2.2 AA, no CSP
 * violation or script error, no inline script): choosing the event, a question, the journey with its
 * steps, and the Tell Us Once page its move-abroad report starts from.
 */
const browser = useBrowser();
let hub: TestHub;
before(async () => {
  hub = await startTestHub();
});
after(async () => {
  await hub?.close();
});

test('retiring from Singapore to the UK: choose, a question, the journey and telling government pass axe', async () => {
  const context = await browser().newContext();
  try {
    const j = await Journey.open(context);
    const { page } = j;
    await j.goto(`${hub.url}/account/consents?return=/life-events`);
    await j.signInWithSingpass('sg-citizen-young', /\/life-events$/);
    await j.check('choose a life event', { heading: 'Plan what to do after a life event' });

    await page.getByLabel('Retiring from Singapore to the UK').check();
    await j.fillDate(['2', '3', '2026']);
    await j.clickTo(page.getByRole('button', { name: 'Start' }), /\/questions\/[a-z0-9_]+$/);
    await j.check('first question', { heading: 'What is your status in Singapore?' });
    await page.getByLabel('Singapore citizen', { exact: true }).check();
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/questions\/[a-z0-9_]+$/);
    await j.check('the next question', { heading: 'Do you have CPF savings?' });

    const journey = page.url().replace(/\/questions\/[a-z0-9_]+$/, '');
    await j.goto(journey);
    await j.check('the journey', { heading: 'Retiring from Singapore to the UK: your journey' });
    await j.goto(`${journey}/tell`);
    await j.check('tell government once');
  } finally {
    await context.close();
  }
});
