import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { englishLeftIn } from '../../test/support/i18n.ts';
import { GovbridgeError } from '../kernel/index.ts';
import { buildWebTestApp } from './test-app.ts';

/** The text of a page's <main>, tags removed and entities decoded enough for comparison. */
function mainText(html: string): string {
  const main = /<main\b[^>]*>([\s\S]*?)<\/main>/.exec(html)?.[1] ?? '';
  return main
    .replace(/<[^>]*\blang="en"[^>]*>[^<]*<\/[^>]+>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('pages in English and Welsh (web foundation)', () => {
  let app: FastifyInstance;
  before(async () => {
    ({ app } = await buildWebTestApp({
      env: { GOVBRIDGE_DEMO_SERVICES: 'true' },
      routes: (child) => {
        child.get('/boom', async () => {
          throw new Error('internal detail');
        });
        child.get('/refused', async () => {
          throw new GovbridgeError('bad_request', 'The journey has no such step.');
        });
      },
    }));
  });
  after(async () => {
    await app?.close();
  });

  const pages = ['/', '/cookies', '/accessibility', '/no-such-page', '/boom'];

  test('English by default: lang="en", the switcher links to Welsh in Welsh', async () => {
    const res = await app.inject({ url: '/cookies' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<html lang="en"/);
    assert.equal(res.headers['content-language'], 'en');
    assert.match(res.body, /<h1 class="govuk-heading-xl">Cookies<\/h1>/);
    assert.match(
      res.body,
      /<a class="govuk-link" href="\/cookies\?lang=cy" hreflang="cy" lang="cy" rel="alternate"><span class="govuk-visually-hidden">Newid yr iaith i’r Gymraeg<\/span><span aria-hidden="true">Cymraeg<\/span><\/a>/,
    );
    assert.match(res.body, /<nav [^>]*aria-label="Language">/);
  });

  test('?lang=cy renders in Welsh and keeps the choice in a cookie; the cookie then decides', async () => {
    const res = await app.inject({ url: '/cookies?lang=cy' });
    assert.match(res.body, /<html lang="cy"/);
    assert.match(res.body, /<h1 class="govuk-heading-xl">Cwcis<\/h1>/);
    assert.match(res.body, /<title>Cwcis – govbridge – GOV.UK<\/title>/);
    assert.match(res.body, /Neidio i’r prif gynnwys/);
    assert.match(res.body, /© Hawlfraint y Goron/);
    assert.match(res.body, /href="\/cookies\?lang=en" hreflang="en" lang="en"/);
    const cookie = res.cookies.find((c) => c.name === 'lang');
    assert.equal(cookie?.value, 'cy');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.maxAge, 365 * 24 * 60 * 60);
    // The cookies page lists the language cookie itself.
    assert.match(res.body, /<td class="govuk-table__cell">Yn cofio’r iaith a ddewisoch/);

    const later = await app.inject({ url: '/', cookies: { lang: 'cy' } });
    assert.match(later.body, /<html lang="cy"/);
    assert.equal(
      later.cookies.find((c) => c.name === 'lang'),
      undefined,
      'the cookie is only set when ?lang= is given',
    );
    const back = await app.inject({ url: '/?lang=en', cookies: { lang: 'cy' } });
    assert.match(back.body, /<html lang="en"/);
    assert.equal(back.cookies.find((c) => c.name === 'lang')?.value, 'en');
  });

  test('Accept-Language chooses when there is no ?lang= or cookie; a bad value is ignored', async () => {
    const welsh = await app.inject({ url: '/', headers: { 'accept-language': 'cy-GB, en;q=0.5' } });
    assert.match(welsh.body, /<html lang="cy"/);
    const french = await app.inject({ url: '/', headers: { 'accept-language': 'fr' } });
    assert.match(french.body, /<html lang="en"/);
    const bad = await app.inject({ url: '/?lang=%3Cscript%3E', cookies: { lang: 'xx' } });
    assert.equal(bad.statusCode, 200);
    assert.match(bad.body, /<html lang="en"/);
    assert.equal(
      bad.cookies.find((c) => c.name === 'lang'),
      undefined,
    );
  });

  test('pseudo-localised English (?lang=en-XA) outside production: accented, longer, lang="en-XA"', async () => {
    const res = await app.inject({ url: '/?lang=en-XA' });
    assert.match(res.body, /<html lang="en-XA"/);
    assert.match(
      res.body,
      /<h1 class="govuk-heading-xl">\[Úsé~~ á~ ÚK~ ór~ Síñgápóré~~~~ dígítál~~~ ídéñtítý~~~~\]<\/h1>/,
    );
  });

  test('the accessibility statement dates its preparation in words in each language', async () => {
    assert.match((await app.inject({ url: '/accessibility' })).body, /prepared on 27 November 2026\./);
    assert.match(
      (await app.inject({ url: '/accessibility?lang=cy' })).body,
      /Paratowyd y datganiad hwn ar 27 Tachwedd 2026\./,
    );
  });

  test('error pages in Welsh; an English message from elsewhere is marked lang="en"', async () => {
    const missing = await app.inject({ url: '/no-such-page?lang=cy' });
    assert.equal(missing.statusCode, 404);
    assert.match(missing.body, /<html lang="cy"/);
    assert.match(missing.body, /<h1 class="govuk-heading-l">Heb ddod o hyd i’r dudalen<\/h1>/);
    assert.equal(missing.headers['content-language'], 'cy');
    const boom = await app.inject({ url: '/boom', cookies: { lang: 'cy' } });
    assert.equal(boom.statusCode, 500);
    assert.match(boom.body, /Mae’n ddrwg gennym, mae problem gyda’r gwasanaeth/);
    assert.match(boom.body, /Cyfeirnod:/);
    const refused = await app.inject({ url: '/refused', cookies: { lang: 'cy' } });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /<p class="govuk-body" lang="en">The journey has no such step.<\/p>/);
    const english = await app.inject({ url: '/refused' });
    assert.match(english.body, /<p class="govuk-body">The journey has no such step.<\/p>/);
  });

  test('no English wording is left in <main> of any translated page in Welsh', async () => {
    for (const url of pages) {
      const res = await app.inject({ url, cookies: { lang: 'cy' } });
      assert.match(res.body, /<html lang="cy"/, url);
      assert.deepEqual(englishLeftIn(mainText(res.body)), [], `${url} in Welsh`);
      // The check can fail: the same page in English is full of catalogue wording.
      const en = await app.inject({ url });
      assert.ok(englishLeftIn(mainText(en.body)).length > 0, `${url} in English`);
    }
  });

  test('Chinese, Malay and Tamil: lang is the BCP 47 tag, no English wording left in <main>', async () => {
    for (const [locale, tag] of [
      ['zh', 'zh-Hans'],
      ['ms', 'ms'],
      ['ta', 'ta'],
    ] as const) {
      for (const url of pages) {
        const res = await app.inject({ url, cookies: { lang: locale } });
        assert.match(res.body, new RegExp(`<html lang="${tag}"`), `${url} in ${locale}`);
        assert.equal(res.headers['content-language'], tag, url);
        assert.deepEqual(englishLeftIn(mainText(res.body), locale), [], `${url} in ${locale}`);
      }
    }
    const zh = await app.inject({ url: '/cookies?lang=zh' });
    assert.match(zh.body, /<h1 class="govuk-heading-xl">Cookie<\/h1>/);
    assert.equal(zh.cookies.find((c) => c.name === 'lang')?.value, 'zh');
    assert.match(zh.body, /跳到主要内容/);
  });

  test('a neutral page offers every language, each named in itself with its own lang', async () => {
    const res = await app.inject({ url: '/cookies?lang=ms' });
    const links = [
      ...res.body.matchAll(
        /<a class="govuk-link" href="([^"]+)" hreflang="([^"]+)" lang="([^"]+)" rel="alternate"><span class="govuk-visually-hidden">([^<]+)<\/span><span aria-hidden="true">([^<]+)<\/span><\/a>/g,
      ),
    ].map(([, href, hreflang, lang, , name]) => ({ href, hreflang, lang, name }));
    assert.deepEqual(links, [
      { href: '/cookies?lang=en', hreflang: 'en', lang: 'en', name: 'English' },
      { href: '/cookies?lang=cy', hreflang: 'cy', lang: 'cy', name: 'Cymraeg' },
      { href: '/cookies?lang=zh', hreflang: 'zh-Hans', lang: 'zh-Hans', name: '中文' },
      { href: '/cookies?lang=ta', hreflang: 'ta', lang: 'ta', name: 'தமிழ்' },
    ]);
    assert.match(
      res.body,
      /<span aria-current="true" class="govuk-!-font-weight-bold">Bahasa Melayu<\/span>/,
    );
    assert.match(res.body, /<nav [^>]*aria-label="Bahasa">/);
  });

  test('the accessibility statement dates its preparation in words in Chinese, Malay and Tamil', async () => {
    assert.match((await app.inject({ url: '/accessibility?lang=zh' })).body, /本声明编写于2026年11月27日。/);
    assert.match(
      (await app.inject({ url: '/accessibility?lang=ms' })).body,
      /disediakan pada 27 November 2026\./,
    );
    assert.match((await app.inject({ url: '/accessibility?lang=ta' })).body, /27 நவம்பர், 2026 அன்று/);
  });

  test('pages not yet translated stay wholly English, without a switcher', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govbridge-untranslated-'));
    writeFileSync(
      join(dir, 'plain-page.njk'),
      '{% extends "layout.njk" %}{% block content %}<h1>Plain</h1>{% endblock %}',
    );
    const { app: other } = await buildWebTestApp({
      routes: (child) => {
        child.get('/plain', (_req, reply) => reply.view('plain-page.njk', {}));
      },
    });
    try {
      other.views.addPath(dir);
      const res = await other.inject({ url: '/plain', cookies: { lang: 'cy' } });
      assert.match(res.body, /<html lang="en"/);
      assert.match(res.body, /Skip to main content/);
      assert.doesNotMatch(res.body, /hreflang=/);
    } finally {
      await other.close();
    }
  });
});
