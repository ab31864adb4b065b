import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { GovbridgeError } from '../kernel/index.ts';
import { parseTrustFramework } from '../trust/index.ts';
import {
  type AttributeDecision,
  loadPolicyEngine,
  type Recipient,
  type ReleaseContext,
  type ReleaseRequest,
} from './index.ts';
import { POLICIES_DIR, realEnvironments, realTrust, TRUST_FRAMEWORK_FILE } from './test-fixtures.ts';

/** The real policies in policies/, decided per attribute, with ids and reasons. */
const trust = realTrust();
const environments = realEnvironments();
const engine = loadPolicyEngine({ dir: POLICIES_DIR, trust, environments });

const ukService = (environment: string | null): Recipient => ({
  kind: 'service',
  id: 'dwp-nino',
  name: 'Apply for a National Insurance number',
  country: 'GB',
  environment,
});
const signIn: ReleaseContext = {
  purpose: 'To confirm who you are',
  consentGiven: true,
  crossBorder: true,
  legalBasis: 'consent',
};
const LOGIN = [
  'name',
  'given_name',
  'family_name',
  'birthdate',
  'nationalities',
  'address',
  'email',
  'phone_number',
];

function decide(
  r: Partial<ReleaseRequest> & { attributes: readonly string[] },
): Record<string, AttributeDecision> {
  const out = engine.decideRelease({ recipient: ukService('uk-public-cloud'), context: signIn, ...r });
  return Object.fromEntries(out.map((d) => [d.attribute, d]));
}

describe('release policy decisions', () => {
  it('a UK service in a UK public cloud receives a Singpass login’s details, with the permitting policy', () => {
    const out = engine.decideRelease({
      recipient: ukService('uk-public-cloud'),
      attributes: LOGIN,
      context: signIn,
    });
    assert.deepEqual(
      out.map((d) => d.attribute),
      LOGIN,
      'one decision per attribute, in order',
    );
    for (const d of out) {
      assert.equal(d.decision, 'allow', d.attribute);
      assert.deepEqual(d.policies, ['release-within-environment']);
      assert.equal(
        d.reason,
        'Apply for a National Insurance number keeps information in UK public cloud region, which may hold this detail under both UK and Singapore rules.',
      );
    }
    // OFFICIAL-SENSITIVE [PERSONAL] is within a UK public cloud's ceiling too.
    assert.equal(
      decide({ attributes: ['urn:govbridge:claims:sg_residential_status'] })[
        'urn:govbridge:claims:sg_residential_status'
      ]!.decision,
      'allow',
    );
  });

  it('an environment outside both countries may hold nothing personal: each ceiling says why', () => {
    const d = decide({ recipient: ukService('overseas-commercial'), attributes: ['birthdate'] })[
      'birthdate'
    ]!;
    assert.equal(d.decision, 'deny');
    assert.deepEqual(d.policies, [
      'above-environment-uk-ceiling',
      'above-environment-sg-ceiling',
      'above-environment-common-rank',
    ]);
    assert.match(
      d.reason,
      /^Under UK security rules this detail is OFFICIAL \[PERSONAL\], and Apply for a National Insurance number keeps information in Commercial cloud outside the UK and Singapore, which may hold published information at most\./,
    );
    assert.match(
      d.reason,
      /Under Singapore security rules this detail is RESTRICTED, .* which may hold OFFICIAL \(OPEN\) at most\./,
    );
    assert.match(d.reason, /needs level 1 handling, and .* is approved for level 0 at most\./);
  });

  it('above rank 2 nowhere; highly sensitive data only where it is segregated', () => {
    const stricter = parseTrustFramework(
      (() => {
        const doc = parse(readFileSync(TRUST_FRAMEWORK_FILE, 'utf8'));
        doc.claims.gender.classification = {
          uk: { marking: 'OFFICIAL', descriptor: 'PERSONAL' },
          sg: { classification: 'CONFIDENTIAL', sensitivity: 'SENSITIVE-NORMAL' },
          rank: 3,
        };
        doc.claims.birthdate.classification = {
          uk: { marking: 'OFFICIAL', descriptor: 'PERSONAL' },
          sg: { classification: 'RESTRICTED', sensitivity: 'SENSITIVE-HIGH' },
          rank: 2,
        };
        return stringify(doc);
      })(),
      'variant.yaml',
    );
    const variant = loadPolicyEngine({ dir: POLICIES_DIR, trust: stricter, environments });
    const one = (environment: string, attribute: string) =>
      variant.decideRelease({
        recipient: ukService(environment),
        attributes: [attribute],
        context: signIn,
      })[0]!;

    // CONFIDENTIAL (rank 3): above a public cloud's SG ceiling and its common rank, and above rank 2 anywhere.
    assert.deepEqual(one('uk-public-cloud', 'gender').policies, [
      'above-environment-sg-ceiling',
      'above-environment-common-rank',
      'above-rank-2',
    ]);
    assert.deepEqual(one('uk-accredited', 'gender').policies, ['above-rank-2']);
    assert.match(
      one('uk-accredited', 'gender').reason,
      /classified higher than any cross-border public service/,
    );

    // Sensitive high: only to an environment that segregates it.
    assert.deepEqual(one('sg-gcc', 'birthdate').policies, ['sensitive-high-needs-segregation']);
    assert.match(
      one('sg-gcc', 'birthdate').reason,
      /kept apart from other data, which Government on Commercial Cloud/,
    );
    assert.equal(one('sg-gcc-plus', 'birthdate').decision, 'allow');
    assert.equal(one('uk-accredited', 'birthdate').decision, 'allow');
  });

  it('lawfulness: purpose, a legal basis across the border, consent when consent is the basis', () => {
    assert.deepEqual(
      decide({ attributes: ['name'], context: { ...signIn, purpose: '' } })['name']!.policies,
      ['purpose-required'],
    );
    const noBasis = decide({ attributes: ['name'], context: { ...signIn, legalBasis: 'none' } })['name']!;
    assert.deepEqual(noBasis.policies, ['cross-border-needs-legal-basis']);
    assert.equal(
      noBasis.reason,
      'Sending this detail to a service in another country needs a legal basis, and none applies.',
    );
    // Within one country a release does not need a transfer basis.
    assert.equal(
      decide({ attributes: ['name'], context: { ...signIn, legalBasis: 'none', crossBorder: false } })[
        'name'
      ]!.decision,
      'allow',
    );
    assert.equal(
      decide({
        attributes: ['name'],
        context: { ...signIn, legalBasis: 'uk-gdpr-art6-1e', consentGiven: false },
      })['name']!.decision,
      'allow',
    );
    assert.deepEqual(
      decide({ attributes: ['name'], context: { ...signIn, consentGiven: false } })['name']!.policies,
      ['consent-basis-needs-consent'],
    );
  });

  it('a Singapore agency keeps personal data in Singapore', () => {
    const sgAgency = (environment: string): Recipient => ({
      kind: 'agency',
      id: 'ica',
      name: 'Immigration & Checkpoints Authority',
      country: 'SG',
      environment,
    });
    const ctx: ReleaseContext = { ...signIn, legalBasis: 'sg-agency-authorisation', consentGiven: false };
    const abroad = engine.decideRelease({
      recipient: sgAgency('uk-public-cloud'),
      attributes: ['address'],
      context: ctx,
    })[0]!;
    assert.deepEqual(abroad.policies, ['sg-agency-keeps-data-in-singapore']);
    assert.match(
      abroad.reason,
      /^Singapore government services must keep personal data in Singapore, and Immigration & Checkpoints Authority keeps it in UK public cloud region/,
    );
    assert.equal(
      engine.decideRelease({ recipient: sgAgency('sg-gcc'), attributes: ['address'], context: ctx })[0]!
        .decision,
      'allow',
    );
  });

  it('life-event payload fields are decided like claims, as <eventType>.<field>', () => {
    const fields = engine.attributes.filter((a) => a.includes('.'));
    if (fields.length === 0) return; // no events declared in this trust framework
    const d = engine.decideRelease({
      recipient: ukService('overseas-commercial'),
      attributes: [fields[0]!],
      context: signIn,
    })[0]!;
    assert.equal(d.decision, 'deny');
  });

  it('a recipient with no environment, or an unknown one, is environment_unknown', () => {
    for (const environment of [null, undefined, '', 'on-a-laptop']) {
      assert.throws(
        () =>
          engine.decideRelease({
            recipient: ukService(environment as string | null),
            attributes: ['name'],
            context: signIn,
          }),
        (err: unknown) =>
          err instanceof GovbridgeError &&
          err.code === 'environment_unknown' &&
          /uk-public-cloud/.test(err.message),
      );
    }
  });

  it('an unknown attribute or legal basis is bad_request', () => {
    assert.throws(
      () => decide({ attributes: ['name', 'shoe_size'] }),
      (err: unknown) =>
        err instanceof GovbridgeError && err.code === 'bad_request' && /"shoe_size"/.test(err.message),
    );
    assert.throws(
      () => decide({ attributes: ['name'], context: { ...signIn, legalBasis: 'vibes' as 'none' } }),
      (err: unknown) =>
        err instanceof GovbridgeError &&
        err.code === 'bad_request' &&
        /legal basis "vibes"/.test(err.message),
    );
  });

  it('decisions are memoised: the same request gives the same (frozen) decision', () => {
    const a = decide({ attributes: ['email'] })['email']!;
    const b = decide({ attributes: ['email'] })['email']!;
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
    const other = decide({ recipient: ukService('overseas-commercial'), attributes: ['email'] })['email']!;
    assert.notEqual(other.decision, a.decision, 'a different environment is a different request');
  });

  it('lists every loaded policy with its file, line and reason', () => {
    const ids = engine.policies.map((p) => p.id);
    assert.deepEqual(ids.slice(0, 2), ['release-within-environment', 'above-environment-uk-ceiling']);
    assert.equal(new Set(ids).size, ids.length);
    const permit = engine.policies[0]!;
    assert.equal(permit.effect, 'permit');
    assert.match(permit.file, /environment-ceilings\.cedar$/);
    assert.ok(permit.line > 1);
  });
});
