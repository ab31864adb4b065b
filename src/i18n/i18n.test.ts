import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  audienceOf,
  CatalogueError,
  compileCatalogues,
  countryName,
  formatDate,
  fromAcceptLanguage,
  fromUiLocales,
  LANGUAGE_TAG,
  LOCALES,
  loadCatalogues,
  localesFor,
  negotiateLocale,
  pseudoLocalise,
} from './index.ts';

describe('message catalogues', () => {
  test('the shipped catalogues load: every language has every key, each message parses', () => {
    const catalogues = loadCatalogues();
    assert.ok(catalogues.keys.length > 100);
    for (const locale of LOCALES) {
      const t = catalogues.translator(locale);
      for (const key of catalogues.keys) {
        // Every message formats with every argument it names given a value.
        const text = t(key, sampleValues(catalogues.source('en', key)));
        assert.ok(text.trim().length > 0, `${locale} ${key} is empty`);
      }
    }
  });

  test('every language is a translation, not a copy: only names, codes and loanwords read as English', () => {
    const catalogues = loadCatalogues();
    const sameAsEnglish = (locale: (typeof LOCALES)[number]) =>
      catalogues.keys.filter((k) => catalogues.source(locale, k) === catalogues.source('en', k));
    assert.deepEqual(LOCALES, ['en', 'cy', 'zh', 'ms', 'ta']);
    assert.deepEqual(sameAsEnglish('cy'), ['signIn.consent.runByValue']);
    assert.deepEqual(sameAsEnglish('zh'), []);
    // Malay borrows "Menu" as it is.
    assert.deepEqual(sameAsEnglish('ms'), ['layout.menu', 'signIn.consent.runByValue']);
    assert.deepEqual(sameAsEnglish('ta'), ['signIn.consent.runByValue']);
  });

  test('a key missing in Chinese, Malay or Tamil is refused, naming each language and key', () => {
    const complete = { a: 'A', b: 'B' };
    const dir = writeCatalogues({ en: complete, cy: complete, zh: { a: '甲' }, ms: { b: 'B' }, ta: {} });
    assert.throws(
      () => loadCatalogues(dir),
      (err: unknown) =>
        err instanceof CatalogueError &&
        err.problems.includes('zh: missing key "b"') &&
        err.problems.includes('ms: missing key "a"') &&
        err.problems.includes('ta: missing key "a"') &&
        err.problems.includes('ta: missing key "b"') &&
        !err.problems.some((p) => p.startsWith('cy:')),
    );
    // A language with no file at all is refused too.
    assert.throws(
      () => compileCatalogues({ en: complete, cy: complete, zh: complete, ms: complete }),
      (err: unknown) =>
        err instanceof CatalogueError &&
        err.problems.includes('ta: no messages (every language needs a complete catalogue)'),
    );
  });

  test('a catalogue missing a key in any language is refused, naming the language and key', () => {
    const dir = writeCatalogues({ en: { a: 'A', b: 'B' }, cy: { a: 'A cy' } });
    assert.throws(
      () => loadCatalogues(dir),
      (err: unknown) =>
        err instanceof CatalogueError &&
        err.problems.includes('cy: missing key "b"') &&
        /missing key "b"/.test(err.message),
    );
  });

  test('a key only a translation has is refused', () => {
    assert.throws(
      () => compileCatalogues({ en: { a: 'A' }, cy: { a: 'A', extra: 'X' } }),
      (err: unknown) =>
        err instanceof CatalogueError && err.problems.includes('cy: key "extra" is not in en.json'),
    );
  });

  test('an ICU syntax error in any language is refused', () => {
    assert.throws(
      () =>
        compileCatalogues({
          en: { a: '{count, plural, one {# x} other {# xs}}' },
          cy: { a: '{count, plural, one {# x}' },
        }),
      (err: unknown) =>
        err instanceof CatalogueError && /cy: "a" is not valid ICU MessageFormat/.test(err.message),
    );
    assert.throws(
      () => compileCatalogues({ en: { a: 'Hello {name' }, cy: { a: 'Helo {name}' } }),
      (err: unknown) =>
        err instanceof CatalogueError && /en: "a" is not valid ICU MessageFormat/.test(err.message),
    );
  });

  test('a translation whose placeholders differ from English is refused', () => {
    assert.throws(
      () => compileCatalogues({ en: { a: 'Hello {name}' }, cy: { a: 'Helo {enw}' } }),
      (err: unknown) =>
        err instanceof CatalogueError &&
        /cy: "a" has placeholders \{enw\}, en.json has \{name\}/.test(err.message),
    );
  });

  test('a file that is not a JSON object of strings is refused', () => {
    const dir = writeCatalogues({ en: { a: 'A' }, cy: { a: 1 } });
    assert.throws(() => loadCatalogues(dir), /cy.json: "a" is not a string/);
  });

  test('plurals follow each language’s rules (Welsh has one, two, few, many)', () => {
    const catalogues = loadCatalogues();
    const en = catalogues.translator('en');
    const cy = catalogues.translator('cy');
    assert.match(en('signIn.consent.withheldText', { rpName: 'S', count: 1 }), /^S asked for 1 detail that/);
    assert.match(en('signIn.consent.withheldText', { rpName: 'S', count: 3 }), /^S asked for 3 details that/);
    assert.match(
      cy('signIn.consent.withheldText', { rpName: 'S', count: 1 }),
      /^Gofynnodd S am un manylyn nad/,
    );
    assert.match(
      cy('signIn.consent.withheldText', { rpName: 'S', count: 2 }),
      /^Gofynnodd S am ddau fanylyn nad/,
    );
    assert.match(
      cy('signIn.consent.withheldText', { rpName: 'S', count: 3 }),
      /^Gofynnodd S am 3 manylyn nad/,
    );
  });

  test('plurals follow CLDR: Chinese and Malay have only other, Tamil has one and other', () => {
    const catalogues = loadCatalogues();
    const zh = catalogues.translator('zh');
    const ms = catalogues.translator('ms');
    const ta = catalogues.translator('ta');
    const withheld = (t: typeof zh, count: number) =>
      t('signIn.consent.withheldText', { rpName: 'S', count });
    assert.match(withheld(zh, 1), /^S索取了1 项资料，/);
    assert.match(withheld(zh, 3), /^S索取了3 项资料，/);
    assert.match(withheld(ms, 1), /^S meminta 1 butiran yang/);
    assert.match(withheld(ms, 3), /^S meminta 3 butiran yang/);
    assert.match(withheld(ta, 1), /^S 1 விவரத்தைக் கேட்டது, .*அதைப் பெற .*அது அனுப்பப்படாது\.$/);
    assert.match(withheld(ta, 3), /^S 3 விவரங்களைக் கேட்டது, .*அவற்றைப் பெற .*அவை அனுப்பப்படமாட்டா\.$/);
    // Each catalogue's plural messages use only the categories its language has (CLDR), plus other.
    const categories = (locale: string) => new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
    assert.deepEqual(categories('zh'), ['other']);
    assert.deepEqual(categories('ms'), ['other']);
    assert.deepEqual(categories('ta'), ['one', 'other']);
    for (const locale of ['zh', 'ms', 'ta'] as const) {
      for (const key of catalogues.keys) {
        for (const [, body] of catalogues
          .source(locale, key)
          .matchAll(/\{\s*\w+\s*,\s*plural\s*,((?:[^{}]|\{[^{}]*\})*)\}/g)) {
          for (const [, category] of (body ?? '').matchAll(/(\w+)\s*\{/g)) {
            assert.ok(
              (categories(locale) as string[]).includes(category ?? ''),
              `${locale} ${key}: plural category "${category}" is not one of ${categories(locale).join(', ')}`,
            );
          }
        }
      }
    }
  });

  test('an unknown key is a programming error', () => {
    assert.throws(() => loadCatalogues().translator('cy')('no.such.key'), /No message "no.such.key"/);
  });
});

describe('locale negotiation', () => {
  test('?lang= first, then the cookie, then Accept-Language, then English', () => {
    assert.deepEqual(negotiateLocale({ query: 'cy', cookie: 'en', acceptLanguage: 'en' }), {
      locale: 'cy',
      fromQuery: true,
    });
    assert.deepEqual(negotiateLocale({ query: 'xx', cookie: 'cy', acceptLanguage: 'en' }), {
      locale: 'cy',
      fromQuery: false,
    });
    assert.deepEqual(negotiateLocale({ cookie: 'fr', acceptLanguage: 'cy-GB,en;q=0.8' }), {
      locale: 'cy',
      fromQuery: false,
    });
    assert.deepEqual(negotiateLocale({}), { locale: 'en', fromQuery: false });
    assert.deepEqual(negotiateLocale({ query: ['cy', 'en'] }), { locale: 'en', fromQuery: false });
  });

  test('a page offers its audience’s languages: UK English and Welsh, Singapore the four, neutral all', () => {
    assert.deepEqual(localesFor('uk'), ['en', 'cy']);
    assert.deepEqual(localesFor('sg'), ['en', 'zh', 'ms', 'ta']);
    assert.deepEqual(localesFor('neutral'), LOCALES);
    assert.equal(audienceOf('GB'), 'uk');
    assert.equal(audienceOf('SG'), 'sg');
    assert.equal(audienceOf('FR'), 'neutral');
    assert.equal(audienceOf(undefined), 'neutral');
  });

  test('negotiation stays within the offered languages', () => {
    const sg = localesFor('sg');
    const uk = localesFor('uk');
    assert.deepEqual(negotiateLocale({ query: 'zh', offered: sg }), { locale: 'zh', fromQuery: true });
    // Welsh is not offered on a Singapore page: the query is ignored, then the cookie, then the header.
    assert.deepEqual(negotiateLocale({ query: 'cy', cookie: 'ta', offered: sg }), {
      locale: 'ta',
      fromQuery: false,
    });
    assert.deepEqual(negotiateLocale({ query: 'cy', acceptLanguage: 'cy, ms;q=0.5', offered: sg }), {
      locale: 'ms',
      fromQuery: false,
    });
    assert.equal(negotiateLocale({ cookie: 'zh', acceptLanguage: 'zh-SG', offered: uk }).locale, 'en');
    assert.equal(negotiateLocale({ query: 'en-XA', offered: sg, allowPseudo: true }).locale, 'en-XA');
  });

  test('ui_locales: the first offered tag wins over Accept-Language; ?lang= and the cookie win over it', () => {
    assert.equal(fromUiLocales('fr-CA fr cy en'), 'cy');
    assert.equal(fromUiLocales('zh-Hans-SG en', localesFor('sg')), 'zh');
    assert.equal(fromUiLocales('cy', localesFor('sg')), undefined);
    assert.equal(fromUiLocales('de fr'), undefined);
    assert.equal(fromUiLocales(['cy']), undefined);
    assert.equal(negotiateLocale({ uiLocales: 'cy', acceptLanguage: 'en' }).locale, 'cy');
    assert.equal(negotiateLocale({ uiLocales: 'fr cy', acceptLanguage: 'en' }).locale, 'cy');
    assert.equal(negotiateLocale({ uiLocales: 'cy', cookie: 'en', acceptLanguage: 'cy' }).locale, 'en');
    assert.deepEqual(negotiateLocale({ uiLocales: 'cy', query: 'en' }), { locale: 'en', fromQuery: true });
    assert.equal(
      negotiateLocale({ uiLocales: 'ta', acceptLanguage: 'zh', offered: localesFor('uk') }).locale,
      'en',
    );
  });

  test('Chinese, Malay and Tamil from Accept-Language, by primary subtag', () => {
    assert.equal(fromAcceptLanguage('zh-SG, en;q=0.5'), 'zh');
    assert.equal(fromAcceptLanguage('zh-Hant-TW'), 'zh');
    assert.equal(fromAcceptLanguage('ms-MY,ms;q=0.9'), 'ms');
    assert.equal(fromAcceptLanguage('ta-IN'), 'ta');
    assert.equal(fromAcceptLanguage('ta', localesFor('uk')), 'en');
    assert.equal(LANGUAGE_TAG.zh, 'zh-Hans');
  });

  test('the pseudo-locale only when allowed', () => {
    assert.equal(negotiateLocale({ query: 'en-XA' }).locale, 'en');
    assert.equal(negotiateLocale({ query: 'en-XA', allowPseudo: true }).locale, 'en-XA');
  });

  test('Accept-Language by weight; q=0 excludes; unsupported languages fall to English', () => {
    assert.equal(fromAcceptLanguage('fr, cy;q=0.5, en;q=0.4'), 'cy');
    assert.equal(fromAcceptLanguage('en;q=0.9, cy'), 'cy');
    assert.equal(fromAcceptLanguage('cy;q=0, fr'), 'en');
    assert.equal(fromAcceptLanguage('de-DE'), 'en');
    assert.equal(fromAcceptLanguage('*'), 'en');
    assert.equal(fromAcceptLanguage(';;;,q=,cy;q=abc'), 'en');
    assert.equal(fromAcceptLanguage(undefined), 'en');
  });
});

describe('formatting', () => {
  test('dates in words per language', () => {
    assert.equal(formatDate('1979-08-22', 'en'), '22 August 1979');
    assert.equal(formatDate('1979-08-22', 'cy'), '22 Awst 1979');
    assert.equal(formatDate('2024-02-29', 'cy'), '29 Chwefror 2024');
    assert.equal(formatDate('1979-08-22', 'zh'), '1979年8月22日');
    assert.equal(formatDate('1979-08-22', 'ms'), '22 Ogos 1979');
    assert.equal(formatDate('1979-08-22', 'ta'), '22 ஆகஸ்ட், 1979');
  });

  test('country names per language from Intl', () => {
    assert.equal(countryName('MY', 'zh'), '马来西亚');
    assert.equal(countryName('MY', 'ms'), 'Malaysia');
    assert.equal(countryName('MY', 'ta'), 'மலேசியா');
  });

  test('what is not a calendar date is shown as it is', () => {
    assert.equal(formatDate('2023-02-29', 'en'), '2023-02-29');
    assert.equal(formatDate('1979', 'en'), '1979');
    assert.equal(formatDate('22/08/1979', 'cy'), '22/08/1979');
  });

  test('pseudo-localisation accents and lengthens text by about 40%', () => {
    const english = 'Share your details with the service';
    const pseudo = pseudoLocalise(english);
    assert.match(pseudo, /^\[Sháré~~ ýóúr~~ /);
    assert.ok(pseudo.length >= english.length * 1.35, `${pseudo.length} vs ${english.length}`);
  });
});

/** A value for every `{name}` a message uses (numbers for plurals, a non-matching code for selects). */
function sampleValues(message: string): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const [, name, kind] of message.matchAll(/\{\s*(\w+)\s*(?:,\s*(\w+))?/g)) {
    if (name) values[name] = kind === 'plural' ? 2 : 'XX';
  }
  return values;
}

function writeCatalogues(files: Record<string, Record<string, unknown>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'govbridge-i18n-'));
  for (const [locale, messages] of Object.entries(files)) {
    writeFileSync(join(dir, `${locale}.json`), JSON.stringify(messages));
  }
  return dir;
}
