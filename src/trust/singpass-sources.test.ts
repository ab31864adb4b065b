import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { GovbridgeError } from '../kernel/index.ts';
import {
  attributeCatalogue,
  classifiedFieldNames,
  evaluateAssertion,
  loadTrustFramework,
  mapClaims,
  parseTrustFramework,
} from './index.ts';
import { singpassAssertion, TRUST_FRAMEWORK_FILE } from './test-fixtures.ts';

/**
 * Singpass as it really answers: a Login app (no Myinfo userinfo) gets name, email and mobile only in
 * the ID token's `sub_attributes`; an environment may answer loa:1 (or no acr at all) whatever was
 * asked. The trust framework reads both, in one place.
 */
const tf = loadTrustFramework(TRUST_FRAMEWORK_FILE);
const LOA1 = 'urn:singpass:authentication:loa:1';
const LOW = 'urn:govbridge:loa:low';
const SUBSTANTIAL = 'urn:govbridge:loa:substantial';

const loginApp = (overrides: Parameters<typeof singpassAssertion>[0] = {}) =>
  singpassAssertion({
    acr: LOA1,
    amr: ['pwd'],
    person: {},
    subAttributes: { name: 'TAN XIAO HUI', email: 'tan@example.com', mobileno: '+65 9739-9245' },
    ...overrides,
  });

describe('trust framework: Singpass sub_attributes as a claim source', () => {
  it('a Login app releases name, email and phone from sub_attributes, with provenance, never verified', () => {
    // email_verified is asked too: sub_attributes say nothing about verification, so it stays missing.
    const m = mapClaims(tf, loginApp(), ['name', 'email', 'phone_number', 'email_verified']);
    assert.deepEqual(m.claims, {
      name: 'TAN XIAO HUI',
      email: 'tan@example.com',
      phone_number: '+6597399245',
    });
    assert.deepEqual(m.sources['name'], {
      scheme: 'singpass',
      source: 'subAttributes.name',
      verified: false,
    });
    assert.deepEqual(m.sources['email'], {
      scheme: 'singpass',
      source: 'subAttributes.email',
      verified: false,
    });
    assert.deepEqual(m.sources['phone_number'], {
      scheme: 'singpass',
      source: 'subAttributes.mobileno',
      transform: 'phone-string-to-e164',
      verified: false,
    });
    assert.equal(m.verified_claims, undefined, 'bare strings carry no provenance: nothing is verified');
  });

  it('Myinfo wins when it supplies the attribute; sub_attributes only fill what it does not', () => {
    const base = singpassAssertion();
    const m = mapClaims(
      tf,
      singpassAssertion({
        subAttributes: { name: 'SOMEONE ELSE', email: 'other@example.com' },
        person: { name: base.person.name!, email: { unavailable: true } },
      }),
      ['name', 'email'],
    );
    assert.equal(m.claims['name'], 'TAN XIAO HUI');
    assert.deepEqual(m.sources['name'], { scheme: 'singpass', source: 'person.name.value', verified: true });
    assert.equal(m.claims['email'], 'other@example.com', 'Myinfo marks it unavailable: the fallback is read');
    assert.equal(m.sources['email']?.source, 'subAttributes.email');
    assert.deepEqual(Object.keys(m.verified_claims?.claims ?? {}), ['name']);
  });

  it('the sub_attributes keys are redacted from logs, and the catalogue names the fallback', () => {
    const names = classifiedFieldNames(tf);
    assert.ok(names.has('subAttributes'), 'the whole sub_attributes object is classified');
    assert.ok(names.has('mobileno'));
    assert.equal(attributeCatalogue(tf)['name']?.sources.singpass?.fallback, 'subAttributes.name');
  });

  it('a mobile number without a country code is left out, never guessed', () => {
    const m = mapClaims(tf, loginApp({ subAttributes: { mobileno: '97399245' } }), ['phone_number']);
    assert.deepEqual(m.claims, {});
    const odd = mapClaims(tf, loginApp({ subAttributes: { mobileno: '+65 <b>9739</b>' } }), ['phone_number']);
    assert.deepEqual(odd.claims, {});
  });
});

describe('trust framework: loa:1 and an absent acr are read the same, and judged against the requirement', () => {
  it('absent acr and loa:1 give the same tiers and hub level', () => {
    const withLoa1 = evaluateAssertion(tf, loginApp(), LOW);
    const without = evaluateAssertion(tf, loginApp({ acr: undefined }), LOW);
    assert.deepEqual(without.achieved, withLoa1.achieved);
    assert.deepEqual(withLoa1.achieved, { identity: 'substantial', authentication: 'low' });
    assert.equal(without.schemeValue, LOA1);
    assert.equal(withLoa1.acr, LOW);
    assert.equal(without.acr, LOW);
    assert.ok(withLoa1.satisfied && without.satisfied);
  });

  it('loa:1 meets low and is refused at substantial, naming what is missing', () => {
    for (const acr of [LOA1, undefined]) {
      const e = evaluateAssertion(tf, loginApp({ acr }), SUBSTANTIAL);
      assert.equal(e.satisfied, false);
      assert.equal(e.acr, LOW);
      assert.match(e.reason ?? '', /authentication substantial \(got low\)/);
    }
  });
});

describe('trust framework file: fallback sources are checked like sources', () => {
  const real = readFileSync(TRUST_FRAMEWORK_FILE, 'utf8');
  const withNameFallback = (fallback: unknown): string => {
    const doc = parse(real) as { schemes: { singpass: { claims: Record<string, Record<string, unknown>> } } };
    doc.schemes.singpass.claims['name']!['fallback'] = fallback;
    return stringify(doc);
  };
  const problems = (text: string): string => {
    try {
      parseTrustFramework(text, 'broken.yaml');
    } catch (err) {
      assert.ok(err instanceof GovbridgeError);
      assert.equal(err.code, 'trust_framework_invalid');
      return err.message;
    }
    return assert.fail('the file parsed');
  };

  it('refuses an unknown fallback source, one the scopes do not ask, and myinfo-source outside Myinfo', () => {
    assert.match(
      problems(withNameFallback({ source: 'subAttributes.nickname', verified: 'never' })),
      /fallback\.source.*unknown Singpass source "subAttributes\.nickname"/s,
    );
    assert.match(
      problems(withNameFallback({ source: 'subAttributes.email', verified: 'never' })),
      /fallback\.scopes.*needs the scope "email"/s,
    );
    assert.match(
      problems(withNameFallback({ source: 'subAttributes.name', verified: 'myinfo-source' })),
      /fallback\.verified.*myinfo-source applies only to Singpass Myinfo sources/s,
    );
    assert.match(
      problems(withNameFallback({ source: 'person.name.value', verified: 'never' })),
      /the fallback must be another source/,
    );
  });
});
