import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { loadCatalogues } from '../../src/i18n/index.ts';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { englishLeftIn } from '../support/i18n.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';
import { Journey } from './journey.ts';

/**
 * A Singapore relying party's sign-in in Chinese (Simplified), in real Chromium, each page checked by
 * Journey.check() (axe WCAG 2.2 AA, no CSP violation, no inline script): the relying party sends
 * `ui_locales=zh-SG en`, so the scheme chooser and, after Singpass's simulator (English: not a hub
 * page, and Singpass is sent no ui_locales), the consent page are in Chinese with `lang="zh-Hans"`,
 * the date of birth in Chinese words, and no English wording of the message catalogues left in
 * `<main>` (text marked lang="en" excepted). Welsh is not offered to a Singapore relying party.
 *
 * Then a UK relying party sending `ui_locales=cy`: its chooser is in Welsh, and the request object
 * GOV.UK One Login's simulator receives carries `ui_locales=cy`; an explicit ?lang=en still wins.
 * Both in whichever design the relying party's country gets (GOV.UK or SGDS, web/design.ts).
 */
const browser = useBrowser();

/** The text of <main> without the parts marked as English (lang="en"). */
async function translatedMain(page: Page): Promise<string> {
  return page.evaluate(() => {
    const main = document.querySelector('main')?.cloneNode(true) as HTMLElement | undefined;
    if (!main) return '';
    for (const el of main.querySelectorAll('[lang="en"]')) el.remove();
    return main.textContent ?? '';
  });
}

/** The payload of a JWT (not verified: only read, to see what a simulator was sent). */
function jwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

describe(`a Singapore relying party's sign-in in Chinese, and ui_locales, in Chromium (${testDialect()})`, () => {
  let hub: TestHub;
  let sg: TestRp;
  let uk: TestRp;
  let rpServer: Server;
  const zh = loadCatalogues().translator('zh');
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
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    sg = await TestRp.register(hub, { country: 'SG', redirectUri });
    uk = await TestRp.register(hub, { country: 'GB', redirectUri });
  });
  after(async () => {
    await hub?.close();
    await new Promise<void>((resolve) => (rpServer ? rpServer.close(() => resolve()) : resolve()));
  });

  async function authorizeUrl(rp: TestRp, extra: Record<string, string>): Promise<string> {
    const pushed = await rp.par(rp.authorizationParams(TestRp.pkce(), extra));
    assert.ok(pushed.requestUri, `PAR: ${pushed.status} ${pushed.text}`);
    return rp.authorizeUrl(pushed.requestUri);
  }

  test('ui_locales=zh-SG: chooser → Singpass → consent in Chinese, lang="zh-Hans", no English left', async () => {
    // The browser asks for Welsh, which a Singapore relying party's pages do not offer.
    const context = await browser().newContext({ extraHTTPHeaders: { 'accept-language': 'cy, en;q=0.5' } });
    try {
      const j = await Journey.open(context);
      const { page } = j;
      const upstream: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/simulators/')) upstream.push(r.url());
      });

      await j.goto(await authorizeUrl(sg, { ui_locales: 'zh-SG en' }));
      assert.match(page.url(), /\/interaction\/[^/]+$/);
      const chooserUrl = page.url();
      await j.check('scheme chooser in Chinese', { heading: zh('signIn.chooser.title') });
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-Hans');
      assert.deepEqual(englishLeftIn(await translatedMain(page), 'zh'), [], 'chooser');
      const main = (await page.locator('main').textContent()) ?? '';
      assert.match(main, /由新加坡的Protocol Test Agency负责/);
      // The page offers Singapore's languages, never Welsh.
      assert.equal(await page.locator('a[hreflang="cy"]').count(), 0);

      // A failed step of this login (a callback Singpass never sent) shows its error page in the
      // relying party's languages too, not in the Welsh the browser asks for.
      await j.goto(`${chooserUrl}/callback/singpass?state=not-ours&code=x`);
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-Hans', 'error page of the login');
      assert.equal(await page.locator('a[hreflang="cy"]').count(), 0);
      await j.goto(chooserUrl);

      await j.clickTo(page.getByRole('button', { name: zh('signIn.chooser.continue') }), /\/scheme$/);
      await j.check('scheme chooser with an error, in Chinese', {
        status: 400,
        heading: zh('signIn.chooser.title'),
      });
      assert.match(await page.title(), /^错误：/);
      assert.match((await page.locator('main').textContent()) ?? '', /请选择您想用哪种方式证明您的身份/);
      assert.deepEqual(englishLeftIn(await translatedMain(page), 'zh'), [], 'chooser with an error');

      await page.getByLabel('Singpass').check();
      await j.clickTo(
        page.getByRole('button', { name: zh('signIn.chooser.continue') }),
        /\/simulators\/singpass\/fapi\/auth\?/,
      );
      await page.getByLabel(/\(sg-citizen-mid\)/).check();
      await j.clickTo(page.getByRole('button', { name: 'Continue' }), /\/interaction\/[^/]+\/consent$/);
      const heading = zh('signIn.consent.titleShare', { rpName: `Protocol test ${sg.clientId}` });
      await j.check('consent page in Chinese', { heading });
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-Hans');
      assert.deepEqual((await j.tableRow(zh('claim.birthdate'))).slice(1), ['1979年8月22日']);
      assert.deepEqual((await j.tableRow(zh('claim.name'))).slice(1), ['TEO KAI MING DANIEL']);
      assert.deepEqual(englishLeftIn(await translatedMain(page), 'zh'), [], 'consent');
      // Singpass was sent no ui_locales (it documents none); the FAPI request is pushed, so the
      // browser carries only client_id and request_uri.
      assert.ok(upstream.some((u) => u.includes('/simulators/singpass/')));
      assert.ok(
        upstream.every((u) => !u.includes('ui_locales')),
        upstream.join('\n'),
      );

      // The check can fail: the same page in English is full of catalogue wording.
      const consentUrl = page.url();
      await j.goto(`${consentUrl}?lang=en`);
      await j.check('consent page in English', {
        heading: `Share your details with Protocol test ${sg.clientId}?`,
      });
      assert.ok(englishLeftIn(await translatedMain(page), 'zh').length > 0);
      await j.goto(`${consentUrl}?lang=zh`);
      await j.check('consent page in Chinese again', { heading });

      // Malay and Tamil (Tamil's words are long) on a 375 px screen: axe clean, no English left,
      // nothing makes the page scroll sideways.
      await page.setViewportSize({ width: 375, height: 800 });
      for (const [locale, tag] of [
        ['ms', 'ms'],
        ['ta', 'ta'],
        ['zh', 'zh-Hans'],
      ] as const) {
        for (const url of [chooserUrl, consentUrl]) {
          await j.goto(`${url}?lang=${locale}`);
          await j.check(`${url} in ${locale} at 375 px`);
          assert.equal(await page.getAttribute('html', 'lang'), tag);
          assert.deepEqual(englishLeftIn(await translatedMain(page), locale), [], `${url} in ${locale}`);
          const widths = await page.evaluate(() => ({
            scroll: document.documentElement.scrollWidth,
            client: document.documentElement.clientWidth,
          }));
          assert.ok(
            widths.scroll <= widths.client,
            `${url} in ${locale}: ${widths.scroll} px wide in a ${widths.client} px window`,
          );
        }
      }

      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(sg.redirectUri)),
        page.locator('button[value="agree"]').click(),
      ]);
      assert.ok(new URL(page.url()).searchParams.get('code'), 'an authorization code');
    } finally {
      await context.close();
    }
  });

  test('ui_locales=cy from a UK relying party: Welsh pages, and One Login’s simulator is sent cy', async () => {
    const context = await browser().newContext({ extraHTTPHeaders: { 'accept-language': 'en' } });
    try {
      const j = await Journey.open(context);
      const { page } = j;
      const url = await authorizeUrl(uk, { ui_locales: 'fr cy-GB en' });
      await j.goto(url);
      await j.check('scheme chooser in Welsh from ui_locales', {
        heading: 'Sut ydych chi eisiau profi pwy ydych chi?',
      });
      assert.equal(await page.getAttribute('html', 'lang'), 'cy');
      // A UK relying party's page offers English and Welsh only.
      assert.deepEqual(
        await page.locator('nav a[hreflang]').evaluateAll((as) => as.map((a) => a.getAttribute('hreflang'))),
        ['en'],
      );

      const authorize = page.waitForRequest((r) => r.url().includes('/simulators/onelogin/authorize?'));
      await page.getByLabel('GOV.UK One Login').check();
      await j.clickTo(page.getByRole('button', { name: 'Parhau' }), /\/simulators\/onelogin\/authorize\?/);
      const request = new URL((await authorize).url()).searchParams.get('request');
      assert.ok(request, 'a request object');
      assert.equal(jwtPayload(request).ui_locales, 'cy en', 'only the languages One Login accepts');

      // The person's explicit choice wins over the relying party's ui_locales.
      const context2 = await browser().newContext();
      try {
        const k = await Journey.open(context2);
        await k.goto(await authorizeUrl(uk, { ui_locales: 'cy' }));
        await k.check('chooser in Welsh', { heading: 'Sut ydych chi eisiau profi pwy ydych chi?' });
        await k.clickTo(k.page.getByRole('link', { name: 'Change the language to English' }), /\?lang=en$/);
        await k.check('chooser in English by choice', { heading: 'How do you want to prove your identity?' });
        assert.equal(await k.page.getAttribute('html', 'lang'), 'en');
      } finally {
        await context2.close();
      }
    } finally {
      await context.close();
    }
  });
});
