import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  CatalogueError,
  compileCatalogues,
  formatDate,
  fromAcceptLanguage,
  LOCALES,
  loadCatalogues,
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

  test('Welsh is a translation, not a copy: only names and codes may read the same as English', () => {
    const catalogues = loadCatalogues();
    const same = catalogues.keys.filter((k) => catalogues.source('cy', k) === catalogues.source('en', k));
    assert.deepEqual(same, ['signIn.consent.runByValue']);
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
