import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';
import { Journey } from './journey.ts';

/**
 * The consent page when the release policy withholds details (docs/policy.md), in Chromium: what is
 * shared, what is not and why (GOV.UK inset text and summary list), accessible (axe) and without
 * inline script; and the page when nothing at all can be shared.
 */
const browser = useBrowser();

describe(`consent page with withheld details, in Chromium (${testDialect()})`, () => {
  let hub: TestHub;
  let rpServer: Server;
  let redirectUri: string;
  before(async () => {
    // As in test/e2e/release-policy.e2e.test.ts: one extra environment that may hold OFFICIAL
    // (CLOSED) but not RESTRICTED data under Singapore's rules.
    const trust = mkdtempSync(join(tmpdir(), 'govbridge-trust-'));
    cpSync(new URL('../../trust/', import.meta.url), trust, { recursive: true });
    appendFileSync(
      join(trust, 'environments.yaml'),
      `
  - id: test-closed-only
    name: Test environment for closed data
    operator: The withheld-consent browser test
    description: May hold OFFICIAL under UK rules, but only OFFICIAL (CLOSED) under Singapore's.
    jurisdiction: GB
    uk: { maxMarking: OFFICIAL }
    sg: { maxClassification: OFFICIAL (CLOSED) }
    segregated: false
    sources: [https://www.gov.uk/government/publications/government-security-classifications]
`,
    );
    hub = await startTestHub({ GOVBRIDGE_TRUST_FRAMEWORK: join(trust, 'trust-framework.yaml') });
    rpServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<!DOCTYPE html><html lang="en"><title>Relying party</title><h1>Back at the service</h1></html>',
      );
    });
    await new Promise<void>((resolve) => rpServer.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(rpServer.address() as AddressInfo).port}/callback`;
  });
  after(async () => {
    await hub?.close();
    await new Promise<void>((resolve) => (rpServer ? rpServer.close(() => resolve()) : resolve()));
  });

  async function consentPage(environment: string) {
    const rp = await TestRp.register(hub, {
      environment,
      redirectUri,
      attributes: ['name', 'birthdate', 'email', 'email_verified'],
      minAcr: 'urn:govbridge:loa:substantial',
    });
    const pushed = await rp.par(
      rp.authorizationParams(TestRp.pkce(), {
        scope: 'openid profile email',
        idp_hint: 'singpass',
        login_hint: 'sg-citizen-mid',
        acr_values: 'urn:govbridge:loa:substantial',
      }),
    );
    assert.ok(pushed.requestUri, `PAR: ${pushed.status} ${pushed.text}`);
    const context = await browser().newContext();
    const j = await Journey.open(context);
    await Promise.all([
      j.page.waitForURL(/\/interaction\/[^/]+\/consent$/),
      j.goto(rp.authorizeUrl(pushed.requestUri)),
    ]);
    return { rp, j, context };
  }

  test('some details withheld: shared in the table, withheld in a summary list with reason and rule', async () => {
    const { rp, j, context } = await consentPage('test-closed-only');
    try {
      await j.check('consent page with withheld details', {
        heading: `Share your details with Protocol test ${rp.clientId}?`,
      });
      const main = (await j.page.locator('main').textContent()) ?? '';
      assert.match(main, /Email address checked/);
      const withheld = j.page.locator('#withheld');
      assert.equal((await withheld.locator('h2').textContent())?.trim(), 'Details that will not be shared');
      assert.match(
        (await withheld.locator('.govuk-inset-text').textContent()) ?? '',
        /asked for 3 details that the rules/,
      );
      const keys = (await withheld.locator('.govuk-summary-list__key').allTextContents()).map((k) =>
        k.trim(),
      );
      assert.deepEqual(keys, ['Full name', 'Date of birth', 'Email address']);
      assert.match(
        (await withheld.locator('.govuk-summary-list__value').first().textContent()) ?? '',
        /which may hold OFFICIAL \(CLOSED\) at most\. \(Rule: above-environment-sg-ceiling\)/,
      );
      if (process.env['GOVBRIDGE_SCREENSHOTS'])
        await j.page.screenshot({ path: process.env['GOVBRIDGE_SCREENSHOTS'], fullPage: true });
      await Promise.all([
        j.page.waitForURL((u) => u.href.startsWith(redirectUri)),
        j.page.getByRole('button', { name: 'Agree and share' }).click(),
      ]);
      assert.ok(new URL(j.page.url()).searchParams.get('code'));
    } finally {
      await context.close();
    }
  });

  test('everything withheld: "Continue to", nothing shared, and the reasons', async () => {
    const { rp, j, context } = await consentPage('overseas-commercial');
    try {
      await j.check('consent page, nothing to share', {
        heading: `Continue to Protocol test ${rp.clientId}`,
      });
      assert.match((await j.page.locator('main').textContent()) ?? '', /None of your details will be shared/);
      assert.equal(await j.page.getByRole('button', { name: 'Agree and share' }).count(), 0);
      assert.equal(await j.page.locator('#withheld .govuk-summary-list__row').count(), 4);
    } finally {
      await context.close();
    }
  });
});
