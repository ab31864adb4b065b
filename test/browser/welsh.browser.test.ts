import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { englishLeftIn } from '../support/i18n.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';
import { Journey } from './journey.ts';

/**
 * The hub's sign-in path in Welsh, in real Chromium, each page checked by Journey.check() (axe WCAG
 * 2.2 AA, no CSP violation, no inline script): the start page with `?lang=cy` (the choice kept in the
 * cookie), then a relying party's sign-in (TestRp, no idp_hint) — the scheme chooser, its error
 * state, Singpass's simulator (English: not a hub page), the consent page with the date of birth in
 * Welsh words — and the language switcher back to English and again to Welsh. No English wording of
 * the message catalogues is left in any Welsh page's <main> (text marked lang="en" excepted).
 *
 * Then the same pages pseudo-localised (`?lang=en-XA`: ~40% longer) at 375 px wide: nothing makes
 * the page scroll sideways.
 */
const browser = useBrowser();

/** The text of <main> without the parts marked as English (lang="en"). */
async function welshMain(page: Page): Promise<string> {
  return page.evaluate(() => {
    const main = document.querySelector('main')?.cloneNode(true) as HTMLElement | undefined;
    if (!main) return '';
    for (const el of main.querySelectorAll('[lang="en"]')) el.remove();
    return main.textContent ?? '';
  });
}

describe(`the sign-in path in Welsh, in Chromium (${testDialect()})`, () => {
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

  async function authorizeUrl(): Promise<string> {
    const pushed = await rp.par(rp.authorizationParams(TestRp.pkce()));
    assert.ok(pushed.requestUri, `PAR: ${pushed.status} ${pushed.text}`);
    return rp.authorizeUrl(pushed.requestUri);
  }

  test('start page → chooser → Singpass → consent, in Welsh; the switcher; pseudo-locale at 375 px', async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;

      await j.goto(`${hub.url}/?lang=cy`);
      await j.check('start page in Welsh', { heading: 'Defnyddio hunaniaeth ddigidol y DU neu Singapore' });
      assert.equal(await page.getAttribute('html', 'lang'), 'cy');
      assert.deepEqual(englishLeftIn(await welshMain(page)), [], 'start page');
      const cookie = (await context.cookies()).find((c) => c.name === 'lang');
      assert.equal(cookie?.value, 'cy');

      // The relying party sends the person to the hub: the cookie keeps Welsh.
      await j.goto(await authorizeUrl());
      assert.match(page.url(), /\/interaction\/[^/]+$/);
      const chooserUrl = page.url();
      await j.check('scheme chooser in Welsh', { heading: 'Sut ydych chi eisiau profi pwy ydych chi?' });
      assert.match(await page.title(), /^Sut ydych chi eisiau profi pwy ydych chi\? – govbridge – GOV.UK$/);
      assert.deepEqual(englishLeftIn(await welshMain(page)), [], 'chooser');
      assert.match(
        (await page.locator('.govuk-hint').first().textContent()) ?? '',
        /sy’n cael ei redeg gan Protocol Test Agency yn y Deyrnas Unedig/,
      );

      await j.clickTo(page.getByRole('button', { name: 'Parhau' }), /\/interaction\/[^/]+\/scheme$/);
      await j.check('scheme chooser with an error, in Welsh', {
        status: 400,
        heading: 'Sut ydych chi eisiau profi pwy ydych chi?',
      });
      assert.match(await page.title(), /^Gwall: /);
      assert.match(
        (await page.locator('.govuk-error-summary').textContent()) ?? '',
        /Mae problem wedi codi[\s\S]*Dewiswch sut rydych eisiau profi pwy ydych chi/,
      );
      assert.deepEqual(englishLeftIn(await welshMain(page)), [], 'chooser with an error');
      // This page answers a post: its switcher goes to the chooser itself.
      assert.equal(
        await page.getByRole('link', { name: 'Change the language to English' }).getAttribute('href'),
        `${new URL(chooserUrl).pathname}?lang=en`,
      );

      await page.getByLabel('Singpass').check();
      await j.clickTo(page.getByRole('button', { name: 'Parhau' }), /\/simulators\/singpass\/fapi\/auth\?/);
      await page.getByLabel(/\(sg-citizen-mid\)/).check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/consent$/);
      const consentUrl = page.url();
      const heading = `Rhannu eich manylion â Protocol test ${rp.clientId}?`;
      await j.check('consent page in Welsh', { heading });
      assert.equal(await j.summaryValue('Wedi’i wirio gan'), 'Singpass');
      assert.match(
        (await page.locator('.govuk-warning-text').textContent()) ?? '',
        /Bydd eich manylion yn cael eu hanfon o Singapore i wasanaeth yn y Deyrnas Unedig\./,
      );
      assert.deepEqual((await j.tableRow('Dyddiad geni')).slice(1), ['22 Awst 1979']);
      // The relying party registered its purpose in English: marked as English on the Welsh page.
      const purpose = page.locator('.govuk-summary-list__row', {
        has: page.locator('.govuk-summary-list__key', { hasText: 'Pam mae’n gofyn' }),
      });
      assert.equal(
        await purpose.locator('[lang="en"]').textContent(),
        'To test the hub’s protocol behaviour',
      );
      assert.deepEqual((await j.tableRow('Enw llawn')).slice(1), ['TEO KAI MING DANIEL']);
      assert.deepEqual(englishLeftIn(await welshMain(page)), [], 'consent');

      // The switcher: to English (in English, lang="en"), then back to Welsh.
      const toEnglish = page.getByRole('link', { name: 'Change the language to English' });
      assert.equal(await toEnglish.getAttribute('hreflang'), 'en');
      assert.equal(await toEnglish.getAttribute('lang'), 'en');
      await j.clickTo(toEnglish, /\/consent\?lang=en$/);
      await j.check('consent page in English', {
        heading: `Share your details with Protocol test ${rp.clientId}?`,
      });
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.deepEqual((await j.tableRow('Date of birth')).slice(1), ['22 August 1979']);
      await j.clickTo(page.getByRole('link', { name: 'Newid yr iaith i’r Gymraeg' }), /\/consent\?lang=cy$/);
      await j.check('consent page in Welsh again', { heading });

      // Pseudo-localised, ~40% longer, on a 375 px screen: nothing overflows sideways.
      await page.setViewportSize({ width: 375, height: 800 });
      for (const url of [`${hub.url}/`, chooserUrl, consentUrl]) {
        await j.goto(`${url}?lang=en-XA`);
        await j.check(`${url} pseudo-localised at 375 px`);
        assert.match((await page.locator('h1').textContent()) ?? '', /~/, `${url} is pseudo-localised`);
        const widths = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          client: document.documentElement.clientWidth,
        }));
        assert.ok(
          widths.scroll <= widths.client,
          `${url}: ${widths.scroll} px wide in a ${widths.client} px window`,
        );
      }

      // Agree (in pseudo-English): back at the service with a code.
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(rp.redirectUri)),
        page.locator('button[value="agree"]').click(),
      ]);
      assert.ok(new URL(page.url()).searchParams.get('code'), 'an authorization code');
    } finally {
      await context.close();
    }
  });

  test('consent in Welsh when details are withheld: Welsh plurals, the policy’s reasons marked as English', async () => {
    const abroad = await TestRp.register(hub, {
      environment: 'overseas-commercial',
      redirectUri: rp.redirectUri,
      attributes: ['name', 'birthdate', 'email'],
    });
    const pushed = await abroad.par(
      abroad.authorizationParams(TestRp.pkce(), {
        scope: 'openid profile email',
        idp_hint: 'singpass',
        login_hint: 'sg-citizen-mid',
      }),
    );
    assert.ok(pushed.requestUri, `PAR: ${pushed.status} ${pushed.text}`);
    const context = await browser().newContext({ extraHTTPHeaders: { 'accept-language': 'cy' } });
    try {
      const j = await Journey.open(context);
      const { page } = j;
      await Promise.all([
        page.waitForURL(/\/interaction\/[^/]+\/consent$/),
        j.goto(abroad.authorizeUrl(pushed.requestUri)),
      ]);
      await j.check('consent page in Welsh, everything withheld', {
        heading: `Parhau i Protocol test ${abroad.clientId}`,
      });
      assert.equal(await page.getAttribute('html', 'lang'), 'cy');
      const main = (await page.locator('main').textContent()) ?? '';
      assert.match(
        main,
        new RegExp(`Ni fydd unrhyw un o’ch manylion yn cael eu rhannu â Protocol test ${abroad.clientId}\\.`),
      );
      assert.doesNotMatch(main, /TEO KAI MING DANIEL|1979-08-22|22 Awst 1979/);
      const withheld = page.locator('#withheld');
      assert.equal(
        (await withheld.locator('h2').textContent())?.trim(),
        'Manylion na fyddant yn cael eu rhannu',
      );
      const count = await withheld.locator('.govuk-summary-list__row').count();
      assert.ok(count >= 2, `${count} withheld rows`);
      const welshCount = count === 2 ? 'ddau fanylyn' : `${count} manylyn`;
      assert.match(
        (await withheld.locator('.govuk-inset-text').textContent()) ?? '',
        new RegExp(`Gofynnodd Protocol test ${abroad.clientId} am ${welshCount} nad yw’r rheolau`),
      );
      // Each reason comes from the release policy in English, marked lang="en"; the rule in Welsh.
      for (let i = 0; i < count; i++) {
        const value = withheld.locator('.govuk-summary-list__value').nth(i);
        assert.ok(((await value.locator('[lang="en"]').textContent()) ?? '').trim().length > 0);
        assert.match((await value.textContent()) ?? '', /\(Rheol: [^)]+\)/);
      }
      assert.deepEqual(englishLeftIn(await welshMain(page)), [], 'withheld consent');
      await page.getByRole('button', { name: 'Parhau' }).waitFor();
    } finally {
      await context.close();
    }
  });
});
