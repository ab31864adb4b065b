import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';
import { Journey } from './journey.ts';

/**
 * The hub's own pages in real Chromium, each checked by Journey.check() (axe WCAG 2.2 AA, no CSP
 * violation, script error or failed asset, no inline script, js-enabled from /assets/app.js):
 *
 *  - the start, cookies and accessibility pages, "Page not found", an expired interaction;
 *  - the scheme chooser, which no demo reaches (both send idp_hint): a relying party registered
 *    by the test (TestRp) without idp_hint pushes its request, and Chromium opens /authorize —
 *    the chooser, its error state, Singpass, consent, and back to the relying party with a code;
 *    then "Cancel and go back to the service" (access_denied);
 *  - "Your consents" signed out (the sign-in choice, its error state, an expired form), signing in
 *    there with Singpass, the list, and signing out;
 *  - logout at the hub without a relying party, when signed in to the hub: the confirmation page,
 *    then the hub's own "You have signed out".
 *
 * The test relying party's redirect URI is a tiny page on loopback: Playwright's request routing
 * does not see the redirect that ends the consent form's post (ERR_NAME_NOT_RESOLVED).
 */
const browser = useBrowser();

describe(`hub pages, in Chromium (${testDialect()})`, () => {
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
    rp = await TestRp.register(hub, { country: 'GB', redirectUri: `http://127.0.0.1:${port}/callback` });
  });
  after(async () => {
    await hub?.close();
    await new Promise<void>((resolve) => (rpServer ? rpServer.close(() => resolve()) : resolve()));
  });

  /** The authorization URL of a fresh pushed request (no idp_hint, no login_hint). */
  async function authorizeUrl(): Promise<string> {
    const pushed = await rp.par(rp.authorizationParams(TestRp.pkce()));
    assert.ok(pushed.requestUri, `PAR: ${pushed.status} ${pushed.text}`);
    return rp.authorizeUrl(pushed.requestUri);
  }

  test('start, cookies, accessibility, not found and an expired interaction', async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      await j.goto(`${hub.url}/`);
      await j.check('hub start page', { heading: 'Use a UK or Singapore digital identity' });
      await j.clickTo(page.getByRole('link', { name: 'Cookies' }), /\/cookies$/);
      await j.check('cookies page', { heading: 'Cookies' });
      await j.clickTo(page.getByRole('link', { name: 'Accessibility statement' }), /\/accessibility$/);
      await j.check('accessibility statement', { heading: 'Accessibility statement for govbridge' });
      await j.goto(`${hub.url}/no-such-page`);
      await j.check('page not found', { status: 404, heading: 'Page not found' });
      await j.goto(`${hub.url}/interaction/no-such-interaction`);
      await j.check('expired interaction', { status: 400, heading: 'There is a problem with your request' });
      assert.match(
        (await page.locator('main').textContent()) ?? '',
        /Your sign-in has expired or was already finished/,
      );
    } finally {
      await context.close();
    }
  });

  test('a relying party without idp_hint: the scheme chooser, its error, Singpass, consent, code', async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      await j.goto(await authorizeUrl());
      assert.match(page.url(), /\/interaction\/[^/]+$/);
      await j.check('scheme chooser', { heading: 'How do you want to prove your identity?' });

      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/scheme$/);
      await j.check('scheme chooser with an error', {
        status: 400,
        heading: 'How do you want to prove your identity?',
      });
      assert.match(await page.title(), /^Error: /);

      await page.getByLabel('Singpass').check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/simulators\/singpass\/fapi\/auth\?/);
      await j.check('Singpass persona page (from the chooser)', { heading: 'Choose a test persona' });
      await page.getByLabel(/\(sg-citizen-young\)/).check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/consent$/);
      await j.check('consent page (test relying party)', {
        heading: `Share your details with Protocol test ${rp.clientId}?`,
      });
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(rp.redirectUri)),
        page.getByRole('button', { name: 'Agree and share' }).click(),
      ]);
      const back = new URL(page.url());
      assert.ok(back.searchParams.get('code'), 'an authorization code');
      assert.equal(back.searchParams.get('iss'), hub.url);

      // Cancel at the chooser: back to the service with access_denied.
      await j.goto(await authorizeUrl());
      assert.match(page.url(), /\/interaction\/[^/]+$/);
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(rp.redirectUri)),
        page.getByRole('button', { name: 'Cancel and go back to the service' }).click(),
      ]);
      assert.equal(new URL(page.url()).searchParams.get('error'), 'access_denied');

      // Signed in to the hub (from the login above): logout asks first, then says it is done.
      await j.goto(`${hub.url}/logout`);
      await j.check('logout confirmation (no service)', { heading: 'Do you want to sign out?' });
      await j.clickTo(page.getByRole('button', { name: 'Yes, sign out' }), /\/logout\/success$/);
      await j.check('logged-out page', { heading: 'You have signed out' });
      assert.match((await page.locator('main').textContent()) ?? '', /You have signed out of govbridge\./);
    } finally {
      await context.close();
    }
  });

  test('"Your consents": the sign-in choice, its error, an expired form; signed in, the list; sign out', async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      await j.goto(`${hub.url}/`);
      await page.getByRole('navigation').getByRole('link', { name: 'Your consents' }).click();
      await page.waitForURL(/\/account\/consents$/);
      await j.check('Your consents (signed out): sign-in choice', {
        heading: 'Sign in to see your consents',
      });

      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/account\/sign-in$/);
      await j.check('sign-in choice with an error', { status: 400, heading: 'Sign in to see your consents' });
      assert.match(await page.title(), /^Error: /);

      // The CSRF cookie has gone (expired, cleared) before the form is sent.
      await context.clearCookies();
      await page.getByLabel('Singpass').check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/account\/sign-in$/);
      await j.check('expired form', { status: 403, heading: 'This form has expired' });
      await j.clickTo(
        page.getByRole('link', { name: 'Go back to the form and try again' }),
        /\/account\/consents$/,
      );

      await page.getByLabel('Singpass').check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/simulators\/singpass\/fapi\/auth\?/);
      await page.getByLabel(/\(sg-citizen-young\)/).check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/account\/consents$/);
      await j.check('Your consents (signed in)', { heading: 'Your consents' });
      // The same Singpass persona agreed to share with the test relying party (previous test).
      assert.match(
        (await page.locator('.govuk-summary-card').first().textContent()) ?? '',
        new RegExp(`Protocol test ${rp.clientId}`),
      );

      await j.clickTo(page.getByRole('button', { name: 'Sign out' }), new RegExp(`^${hub.url}/$`));
      await j.goto(`${hub.url}/account/consents`);
      assert.equal((await page.locator('h1').textContent())?.trim(), 'Sign in to see your consents');
    } finally {
      await context.close();
    }
  });
});
