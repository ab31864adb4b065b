import { after, before, test } from 'node:test';
import { Journey } from '../browser/journey.ts';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

/**
 * The life-event pages in real Chromium, each checked by Journey.check() (axe WCAG 2.2 AA, no CSP
 * violation or script error, no inline script): signed out, choosing an event, a question with an
 * error, a question with a £ prefix, and the journey with its steps and mark-done forms.
 */
const browser = useBrowser();
let hub: TestHub;
before(async () => {
  hub = await startTestHub();
});
after(async () => {
  await hub?.close();
});

test('life-event pages pass axe: sign-in needed, choose, question with an error, journey', async () => {
  const context = await browser().newContext();
  try {
    const j = await Journey.open(context);
    const { page } = j;
    await j.goto(`${hub.url}/life-events`);
    await j.check('signed out', { heading: 'Sign in to plan a life event' });

    // Sign in the way a person does: on "Your consents", with the Singpass simulator.
    // The sign-in comes back to the life-events page it started from.
    await j.clickTo(
      page.getByRole('button', { name: 'Sign in' }),
      /\/account\/consents\?return=\/life-events$/,
    );
    await j.check('sign in to continue', { heading: 'Sign in to see your consents' });
    await j.signInWithSingpass('sg-citizen-young', /\/life-events$/);
    await j.check('choose a life event', { heading: 'Plan what to do after a life event' });
    await j.clickTo(page.getByRole('button', { name: 'Start' }), /\/life-events\/start$/);
    await j.check('choose with errors', { status: 400, heading: 'Plan what to do after a life event' });

    await page.getByLabel('Having a baby').check();
    await j.fillDate(['1', '3', '2025']);
    await j.clickTo(page.getByRole('button', { name: 'Start' }), /\/questions\/[a-z0-9_]+$/);
    await j.check('first question', { heading: 'Where was the baby born?' });
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/questions\/[a-z0-9_]+$/);
    await j.check('question with an error', { status: 400, heading: 'Where was the baby born?' });
    await page.getByLabel('Singapore').check();
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/questions\/[a-z0-9_]+$/);
    await j.check('the next question', { heading: 'Is (or will) the child be a Singapore citizen?' });

    const base = page.url();
    await j.goto(base.replace(/\/questions\/[a-z0-9_]+$/, '/questions/adjusted_net_income'));
    await page.getByLabel(/adjusted net income/).fill('-5');
    await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/questions\/[a-z0-9_]+$/);
    await j.check('money question with an error', { status: 400, heading: /adjusted net income/ });
    await j.clickTo(page.getByRole('button', { name: 'Skip – I don’t know' }), /\/questions\/[a-z0-9_]+$/);
    await j.check('a question after skipping');

    await j.goto(base.replace(/\/questions\/[a-z0-9_]+$/, ''));
    await j.check('the journey', { heading: 'Having a baby: your journey' });
    await j.clickTo(
      page.getByRole('button', { name: 'Mark as done: Register the birth (LifeSG)' }),
      /\/life-events\/journeys\/[0-9a-f-]+(#.*)?$/,
    );
    await j.check('the journey after marking a step done', { heading: 'Having a baby: your journey' });

    await j.goto(`${hub.url}/life-events`);
    await j.check('choose, with your journeys', { heading: 'Plan what to do after a life event' });
  } finally {
    await context.close();
  }
});
