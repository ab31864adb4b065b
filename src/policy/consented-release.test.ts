import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CONSENT_POLICY_ID,
  type ConsentedReleaseQuestion,
  decideConsentedRelease,
} from './consented-release.ts';
import { loadPolicyEngine, type Recipient } from './index.ts';
import { POLICIES_DIR, realEnvironments, realTrust } from './test-fixtures.ts';

/** The one question for releases on consent (sign-in and Tell Us Once), against the real policies. */
const engine = loadPolicyEngine({ dir: POLICIES_DIR, trust: realTrust(), environments: realEnvironments() });
const service = (environment: string): Recipient => ({
  kind: 'service',
  id: 'consent-test-service',
  name: 'A test service',
  country: 'GB',
  environment,
});
const question = (o: Partial<ConsentedReleaseQuestion>): ConsentedReleaseQuestion => ({
  recipient: service('uk-public-cloud'),
  attributes: ['name', 'birthdate'],
  purpose: 'To confirm who you are',
  crossBorder: true,
  agreed: [],
  stage: 'release',
  ...o,
});
const byAttribute = (q: ConsentedReleaseQuestion) =>
  Object.fromEntries(decideConsentedRelease(engine, q).map((d) => [d.attribute, d]));

describe('release on consent: consentGiven computed from what the citizen agreed to', () => {
  it('the consent rule is one of the loaded policies (its id is stable, docs/policy.md)', () => {
    assert.ok(engine.policies.some((p) => p.id === CONSENT_POLICY_ID && p.effect === 'forbid'));
  });

  it('released without the citizen agreeing: refused by the consent rule (a hard-coded consentGiven would let it go)', () => {
    const d = byAttribute(question({ agreed: [] }));
    assert.equal(d['name']!.decision, 'deny');
    assert.deepEqual(d['name']!.policies, [CONSENT_POLICY_ID]);
    assert.equal(d['birthdate']!.decision, 'deny');
    assert.equal(d['name']!.onAgreement, false);
  });

  it('released with consent to some attributes: those go, the others are refused for lack of consent', () => {
    const d = byAttribute(question({ agreed: ['name'] }));
    assert.equal(d['name']!.decision, 'allow');
    assert.deepEqual(d['name']!.policies, ['release-within-environment']);
    assert.equal(d['birthdate']!.decision, 'deny');
    assert.deepEqual(d['birthdate']!.policies, [CONSENT_POLICY_ID]);
  });

  it('before asking: an attribute refused only for lack of consent is what the citizen is asked to agree to', () => {
    const out = decideConsentedRelease(engine, question({ stage: 'before-asking', agreed: ['name'] }));
    assert.deepEqual(
      out.map((d) => [d.attribute, d.decision, d.onAgreement, d.policies.join()]),
      [
        ['name', 'allow', false, 'release-within-environment'],
        ['birthdate', 'allow', true, 'release-within-environment'],
      ],
    );
  });

  it('before asking: an attribute another rule refuses stays refused whatever the citizen answers', () => {
    // overseas-commercial holds nothing above published data: the environment refuses, consent or not.
    const d = byAttribute(question({ stage: 'before-asking', recipient: service('overseas-commercial') }));
    assert.equal(d['birthdate']!.decision, 'deny');
    assert.equal(d['birthdate']!.onAgreement, false);
    // The reason named is the rule that will refuse it once they agree, not the missing consent.
    assert.ok(!d['birthdate']!.policies.includes(CONSENT_POLICY_ID));
    assert.ok(d['birthdate']!.policies.length > 0);
  });

  it('answers in the order asked, and nothing for nothing', () => {
    assert.deepEqual(
      decideConsentedRelease(engine, question({ attributes: ['birthdate', 'name'], agreed: ['name'] })).map(
        (d) => d.attribute,
      ),
      ['birthdate', 'name'],
    );
    assert.deepEqual(decideConsentedRelease(engine, question({ attributes: [] })), []);
  });
});
