import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Agency, policyReleaseDecider } from '../../src/notifications/index.ts';
import { CONSENT_POLICY_ID, loadPolicyEngine } from '../../src/policy/index.ts';
import { POLICIES_DIR, realEnvironments, realTrust } from '../../src/policy/test-fixtures.ts';

/**
 * Tell Us Once's release decider asks the policy through the same question as sign-in
 * (policy/consented-release.ts), with `consentGiven` computed per field from the citizen's
 * confirmation of the report to this agency — not assumed.
 */
const engine = loadPolicyEngine({ dir: POLICIES_DIR, trust: realTrust(), environments: realEnvironments() });
const decide = policyReleaseDecider(engine);
const agency: Agency = {
  agencyId: 'consent-test-agency',
  name: 'A test agency',
  country: 'GB',
  website: 'https://agency.example',
  environment: 'uk-public-cloud',
  endpoint: 'https://agency.example/notify',
  encryptionJwk: { kid: 'k1' },
  maxAttempts: 3,
  status: 'active',
  subscriptions: [],
};
const fields = ['name', 'new_address'];
const ask = async (confirmed?: string[]) =>
  Object.fromEntries(
    (await decide({ agency, eventType: 'moving-abroad', fields, ...(confirmed ? { confirmed } : {}) })).map(
      (d) => [d.field, d],
    ),
  );

describe('Tell Us Once release decider: consent from the citizen’s confirmation', () => {
  it('writing the report on a confirmation: only the confirmed fields go; another is refused for lack of consent', async () => {
    const d = await ask(['name']);
    assert.equal(d['name']!.allowed, true);
    assert.equal(d['new_address']!.allowed, false);
    assert.deepEqual(d['new_address']!.policies, [CONSENT_POLICY_ID]);
  });

  it('writing the report with nothing confirmed to this agency: nothing goes', async () => {
    const d = await ask([]);
    assert.equal(d['name']!.allowed, false);
    assert.equal(d['new_address']!.allowed, false);
    assert.deepEqual(d['name']!.policies, [CONSENT_POLICY_ID]);
  });

  it('the plan shown before the citizen confirms: what the agency gets once they confirm', async () => {
    const d = await ask();
    assert.equal(d['name']!.allowed, true);
    assert.equal(d['new_address']!.allowed, true);
    assert.ok(!d['name']!.policies.includes(CONSENT_POLICY_ID));
  });
});
