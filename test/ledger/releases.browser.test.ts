import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Receipt } from '../../src/ledger/index.ts';
import { Journey } from '../browser/journey.ts';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';
import { accountOfLatestRelease, MOVE_FIELDS } from './support.ts';

/**
 * "Who has received your information" in real Chromium, each page checked by Journey.check() (axe
 * WCAG 2.2 AA, no CSP violation, script error or failed asset, no inline script): signed out (the
 * sign-in choice), signed in with nothing logged yet, then after a release to the UK demo service
 * and a Tell Us Once report — the list, reached from "Your consents", and a receipt downloaded.
 */
const browser = useBrowser();

describe(`who has received your information, in Chromium (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub({ LOG_LEVEL: 'silent' });
  });
  after(async () => {
    await hub?.close();
  });

  test('sign in, the empty page, then the releases with a receipt to download', async () => {
    const context = await browser().newContext({ acceptDownloads: true });
    try {
      const j = await Journey.open(context);
      const { page } = j;

      await j.goto(`${hub.url}/`);
      await j.clickTo(
        page.getByRole('link', { name: 'Who has received your information' }),
        /\/account\/releases$/,
      );
      await j.check('releases, signed out', { heading: 'Sign in to see who has received your information' });
      await page.getByLabel('Singpass').check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/simulators\/singpass\//);
      await page.getByLabel(/\(sg-citizen-mid\)/).check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/account\/releases$/);
      await j.check('releases, nothing yet', { heading: 'Who has received your information' });
      assert.match(
        (await page.locator('main').textContent()) ?? '',
        /govbridge has not shared any information about you yet/,
      );

      // A release to a service, and a move abroad told to the agencies.
      await j.goto(`${hub.url}/demo/uk/sign-in?login_hint=sg-citizen-mid`);
      await page.waitForURL(/\/consent$/);
      await j.clickTo(page.getByRole('button', { name: 'Agree and share' }), /\/demo\/uk\//);
      const accountId = await accountOfLatestRelease(hub, 'demo-uk-service');
      await hub.ctx.notifications.reports.submit({
        accountId,
        eventType: 'moving-abroad',
        occurredOn: MOVE_FIELDS.date_of_move,
        fields: MOVE_FIELDS,
        submissionKey: 'ledger-browser-report',
      });

      await j.goto(`${hub.url}/account/consents`);
      await j.clickTo(
        page.getByRole('link', { name: 'See who has received your information' }),
        /\/account\/releases$/,
      );
      await j.check('releases', { heading: 'Who has received your information' });
      const cards = page.locator('.govuk-summary-card');
      const entries = await hub.ctx.ledger.entriesForAccount(accountId);
      assert.equal(await cards.count(), entries.length);
      // Oldest last: the release to the service, the first thing logged.
      const service = cards.last();
      assert.equal(
        (await service.locator('.govuk-summary-card__title').textContent())?.trim(),
        'Apply for a National Insurance number — demo',
      );
      const link = service.getByRole('link', { name: /Download receipt for entry \d+/ });
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      const index = entries[0]!.index;
      assert.equal(download.suggestedFilename(), `govbridge-receipt-${index}.json`);
      const receipt = JSON.parse(readFileSync((await download.path())!, 'utf8')) as Receipt;
      assert.equal(receipt.index, index);
      assert.equal(receipt.format, 'govbridge-ledger-receipt/v1');
    } finally {
      await context.close();
    }
  });
});
