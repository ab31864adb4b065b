import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';
import { Journey } from './journey.ts';

/**
 * Each country's design (issue 12, ADR 20), in real Chromium: the pages of a Singapore relying
 * party's login wear the Singapore Government Design System with the official masthead and nothing
 * of GOV.UK's; a UK relying party's keep GOV.UK Frontend and no masthead.
 *
 *  - the Singapore demo (a UK person with GOV.UK One Login at a Singapore service): the consent page;
 *  - a Singapore relying party registered by the test, without idp_hint: the chooser and its error
 *    state, consent, the form_post page, the error page oidc-provider renders (an unknown
 *    request_uri), the logout confirmation and the signed-out page (when it names the service;
 *    after signing out of everything it does not, and is the hub's neutral GOV.UK page);
 *  - the same relying party's login when Singpass is down: the outage page and its retry;
 *  - the UK demo's consent page: GOV.UK header, crown and Crown copyright, no masthead.
 *
 * Every page is also checked by Journey.check() (axe WCAG 2.2 AA, no console error or failed asset,
 * no inline script) and by the page's own `securitypolicyviolation` events (none).
 */
const browser = useBrowser();
const SG_SERVICE = 'Apply for an Employment Pass — demo';
const UK_SERVICE = 'Apply for a National Insurance number — demo';

/** A browser context that records every CSP violation a page reports (Playwright's init script is not page script). */
async function watchedContext(): Promise<BrowserContext> {
  const context = await browser().newContext();
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  return context;
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
}

/** The page wears SGDS: its stylesheets and tokens, the official masthead working, nothing of GOV.UK's. */
async function expectSgds(page: Page, label: string): Promise<void> {
  // SGDS's theme is linked and applied: its design tokens are defined on the document.
  const links = await page
    .locator('link[rel="stylesheet"]')
    .evaluateAll((ls) => ls.map((l) => new URL((l as HTMLLinkElement).href).pathname));
  assert.ok(links.includes('/assets/sgds/themes/day.css'), `${label}: SGDS theme linked (${links})`);
  assert.ok(links.includes('/assets/sgds/css/sgds.css'), `${label}: SGDS base CSS linked`);
  assert.ok(!links.some((l) => l.includes('govuk-frontend')), `${label}: no GOV.UK Frontend stylesheet`);
  const token = await page.evaluate(() =>
    getComputedStyle(document.documentElement).getPropertyValue('--sgds-primary-color-default').trim(),
  );
  assert.notEqual(token, '', `${label}: SGDS tokens applied`);

  // The official masthead, defined by SGDS's own script, with "How to identify" that opens.
  await page.waitForFunction(() => customElements.get('sgds-masthead') !== undefined);
  const masthead = page.locator('sgds-masthead');
  assert.equal(await masthead.count(), 1, `${label}: one masthead`);
  assert.match(
    await masthead.evaluate((m) => m.shadowRoot?.textContent ?? ''),
    /A Singapore Government Agency Website/,
  );
  const identify = masthead.getByRole('button', { name: 'How to identify' });
  assert.equal(await identify.getAttribute('aria-expanded'), 'false');
  await identify.click();
  assert.equal(await identify.getAttribute('aria-expanded'), 'true');
  await masthead.getByText('Official website links end with .gov.sg').waitFor({ state: 'visible' });
  await identify.click();

  // Nothing of GOV.UK's brand: no header, crown, logotype, footer or Crown copyright.
  for (const selector of [
    '.govuk-header',
    '.govuk-header__logotype',
    '.govuk-footer',
    '.govuk-template__body',
  ]) {
    assert.equal(await page.locator(selector).count(), 0, `${label}: no ${selector}`);
  }
  assert.doesNotMatch((await page.locator('body').textContent()) ?? '', /Crown copyright/);
  assert.doesNotMatch(await page.title(), /GOV\.UK/, `${label}: title`);
  assert.deepEqual(await cspViolations(page), [], `${label}: CSP violations`);
}

/** The page wears GOV.UK Frontend and has no Singapore masthead. */
async function expectGovuk(page: Page, label: string): Promise<void> {
  assert.equal(await page.locator('.govuk-header').count(), 1, `${label}: GOV.UK header`);
  assert.equal(await page.locator('.govuk-header__logotype').count(), 1, `${label}: GOV.UK crown logotype`);
  assert.match((await page.locator('.govuk-footer').textContent()) ?? '', /Crown copyright/);
  assert.equal(await page.locator('sgds-masthead').count(), 0, `${label}: no Singapore masthead`);
  assert.doesNotMatch(
    (await page.locator('body').textContent()) ?? '',
    /Singapore Government Agency Website/,
  );
  const links = await page
    .locator('link[rel="stylesheet"]')
    .evaluateAll((ls) => ls.map((l) => new URL((l as HTMLLinkElement).href).pathname));
  assert.ok(!links.some((l) => l.startsWith('/assets/sgds')), `${label}: no SGDS stylesheet`);
  assert.deepEqual(await cspViolations(page), [], `${label}: CSP violations`);
}

describe(`each country's design on the sign-in pages, in Chromium (${testDialect()})`, () => {
  let hub: TestHub;
  let rp: TestRp;
  let rpServer: Server;
  before(async () => {
    hub = await startTestHub();
    rpServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<!DOCTYPE html><html lang="en"><title>Relying party</title><h1>Back at the service</h1></html>',
      );
    });
    await new Promise<void>((resolve) => rpServer.listen(0, '127.0.0.1', resolve));
    const { port } = rpServer.address() as AddressInfo;
    rp = await TestRp.register(hub, { country: 'SG', redirectUri: `http://127.0.0.1:${port}/callback` });
  });
  after(async () => {
    await hub?.close();
    await new Promise<void>((resolve) => (rpServer ? rpServer.close(() => resolve()) : resolve()));
  });

  test('the Singapore demo: the consent page in SGDS with the masthead', async () => {
    const context = await watchedContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      await j.goto(`${hub.url}/demo/sg`);
      await j.clickTo(page.getByRole('button', { name: 'Start now' }), /\/simulators\/onelogin\/authorize\?/);
      await page.getByLabel('Eleanor Whitfield').check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/consent$/);
      await j.check('consent page (Singapore demo)', { heading: `Share your details with ${SG_SERVICE}?` });
      await expectSgds(page, 'consent page (Singapore demo)');
      assert.match(await page.title(), new RegExp(`^Share your details with ${SG_SERVICE}\\? – govbridge$`));
      assert.match(
        (await page.locator('main').textContent()) ?? '',
        /from the United Kingdom to a service in Singapore/,
      );
      assert.equal(
        (
          await page
            .getByRole('row', { name: /^Date of birth/ })
            .getByRole('cell')
            .textContent()
        )?.trim(),
        '14 March 1947',
      );
      await j.clickTo(page.getByRole('button', { name: 'Agree and share' }), /\/demo\/sg\/result$/);
      assert.equal((await page.locator('h1').textContent())?.trim(), 'You have signed in');
    } finally {
      await context.close();
    }
  });

  test('a Singapore relying party: chooser and its error, consent, form_post, error, logout — all SGDS', async () => {
    const context = await watchedContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      const pushed = await rp.par(rp.authorizationParams(TestRp.pkce(), { response_mode: 'form_post' }));
      assert.ok(pushed.requestUri, `PAR: ${pushed.status} ${pushed.text}`);
      await j.goto(rp.authorizeUrl(pushed.requestUri));
      assert.match(page.url(), /\/interaction\/[^/]+$/);
      await j.check('chooser (Singapore service)', { heading: 'How do you want to prove your identity?' });
      await expectSgds(page, 'chooser');

      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/scheme$/);
      await j.check('chooser with an error', {
        status: 400,
        heading: 'How do you want to prove your identity?',
      });
      // The summary is announced and focused (autofocus, no script); its link goes to the first radio.
      assert.equal(await page.evaluate(() => document.activeElement?.className), 'gb-error-summary');
      await expectSgds(page, 'chooser with an error');
      assert.match(await page.title(), /^Error: /);
      await page.getByRole('link', { name: 'Select how you want to prove your identity' }).click();
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'scheme');

      // The Singapore-facing languages, offered by the switcher in SGDS's layout: the chooser in Chinese.
      const switcher = page.getByRole('navigation', { name: 'Language' });
      const offered = await switcher
        .getByRole('link')
        .evaluateAll((links) => links.map((l) => l.getAttribute('hreflang')));
      assert.deepEqual(offered, ['zh-Hans', 'ms', 'ta'], 'Singapore-facing languages, no Welsh');
      await j.clickTo(switcher.getByRole('link', { name: /中文/ }), /\?lang=zh$/);
      await j.check('chooser in Chinese', {});
      await expectSgds(page, 'chooser in Chinese');
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-Hans');
      assert.equal(await page.locator('sgds-masthead').getAttribute('lang'), 'en');
      await j.clickTo(
        page.getByRole('navigation', { name: '语言' }).getByRole('link', { name: /English/ }),
        /\?lang=en$/,
      );

      await page.getByLabel('Singpass').check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/simulators\/singpass\/fapi\/auth\?/);
      await page.getByLabel(/\(sg-citizen-young\)/).check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/consent$/);
      await j.check('consent (Singapore service)', {
        heading: `Share your details with Protocol test ${rp.clientId}?`,
      });
      await expectSgds(page, 'consent');

      await page.getByRole('button', { name: 'Agree and share' }).click();
      await page.waitForURL(/\/authorize\/[^/]+$/);
      await j.check('form_post page', { heading: /^Continue to / });
      await expectSgds(page, 'form_post page');
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(rp.redirectUri)),
        page.getByRole('button', { name: 'Continue' }).click(),
      ]);

      // oidc-provider's own error page for this client (a request_uri it never issued).
      await j.goto(rp.authorizeUrl('urn:ietf:params:oauth:request_uri:no-such-request'));
      await j.check('error page (Singapore service)', {
        status: 400,
        heading: 'There is a problem with this sign-in request',
      });
      await expectSgds(page, 'error page');

      // The service's logout: the confirmation, then "You have signed out".
      await j.goto(`${hub.url}/logout?client_id=${encodeURIComponent(rp.clientId)}`);
      await j.check('logout confirmation (Singapore service)', { heading: /^Do you want to sign out/ });
      await expectSgds(page, 'logout confirmation');
      // Signing out of everything: oidc-provider's success page is not told the service any more
      // (it drops client_id when every session ends), so it is the hub's neutral page.
      await j.clickTo(page.getByRole('button', { name: 'Yes, sign out' }), /\/logout\/success$/);
      await j.check('signed out of everything', { heading: 'You have signed out' });
      await expectGovuk(page, 'signed out of everything');
      // The same page when it names the service (oidc-provider's success URL with client_id).
      await j.goto(`${hub.url}/logout/success?client_id=${encodeURIComponent(rp.clientId)}`);
      await j.check('signed out of the Singapore service', { heading: 'You have signed out' });
      await expectSgds(page, 'signed out of the Singapore service');
    } finally {
      await context.close();
    }
  });

  test("Singpass down during a Singapore relying party's login: the outage page and its retry in SGDS", async () => {
    const context = await watchedContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      const pushed = await rp.par(
        rp.authorizationParams(TestRp.pkce(), { idp_hint: 'singpass', login_hint: 'sg-citizen-mid:down' }),
      );
      assert.ok(pushed.requestUri, `PAR: ${pushed.status} ${pushed.text}`);
      await j.goto(rp.authorizeUrl(pushed.requestUri));
      // The scheme's callback fails before the route knows the service: the design comes from the
      // interaction (sign-in-routes.ts rememberDesign).
      assert.match(page.url(), /\/interaction\/[^/]+\/callback\/singpass/);
      await j.check('outage page (Singapore service)', {
        status: 503,
        heading: 'Sorry, the service is unavailable',
      });
      await expectSgds(page, 'outage page');
      await j.clickTo(
        page.getByRole('link', { name: 'Try again' }),
        /\/interaction\/[^/]+\/callback\/singpass/,
      );
      await j.check('outage page after a retry', {
        status: 503,
        heading: 'Sorry, the service is unavailable',
      });
      await expectSgds(page, 'outage page after a retry');
    } finally {
      await context.close();
    }
  });

  test('the UK demo keeps GOV.UK Frontend and has no Singapore masthead', async () => {
    const context = await watchedContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      await j.goto(`${hub.url}/demo/uk`);
      await j.clickTo(
        page.getByRole('button', { name: 'Start now' }),
        /\/simulators\/singpass\/fapi\/auth\?/,
      );
      await page.getByLabel(/\(sg-citizen-mid\)/).check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/consent$/);
      await j.check('consent page (UK demo)', { heading: `Share your details with ${UK_SERVICE}?` });
      await expectGovuk(page, 'consent page (UK demo)');
      assert.match(await page.title(), /– GOV\.UK$/);
    } finally {
      await context.close();
    }
  });
});
