import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ReleaseRequest } from '../../src/policy/index.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * At sign-in the release policy is told what the citizen has agreed to (`consentGiven`), computed
 * from their consent record — not assumed: a first login asks it without consent (and the consent
 * page asks the citizen), a login covered by their unwithdrawn consent asks it with consent, and
 * after they withdraw it is without consent again. (With `consentGiven: true` hard-coded, the first
 * and the last logins would be asked with consent.)
 */
const SG = { idp_hint: 'singpass', login_hint: 'sg-citizen-mid', scope: 'openid profile' };

describe(`consentGiven at sign-in (${testDialect()})`, () => {
  let hub: TestHub;
  const asked: ReleaseRequest[] = [];
  before(async () => {
    hub = await startTestHub({ LOG_LEVEL: 'silent' });
    const policy = hub.ctx.policy;
    const decide = policy.decideRelease.bind(policy);
    policy.decideRelease = (request) => {
      asked.push(request);
      return decide(request);
    };
  });
  after(async () => {
    await hub?.close();
  });

  /** consentGiven per attribute as asked for this client during `login`, in order. */
  async function consentGivenDuring(rp: TestRp, login: () => Promise<unknown>) {
    asked.length = 0;
    await login();
    return asked
      .filter((r) => r.recipient.id === rp.clientId)
      .flatMap((r) => r.attributes.map((a) => `${a}:${r.context.consentGiven}`));
  }

  test('first login without consent, then with the consent given, then without once withdrawn', async () => {
    const rp = await TestRp.register(hub, { country: 'GB', attributes: ['name', 'birthdate'] });

    const first = await consentGivenDuring(rp, () => rp.login({ params: SG }));
    // Asked without consent; refused only for that, so put to the citizen (who agreed on the page).
    assert.deepEqual(first, ['name:false', 'birthdate:false', 'name:true', 'birthdate:true']);
    const consents = await hub.ctx.storage.db
      .selectFrom('consents')
      .select(['consent_id', 'account_id', 'attributes'])
      .where('client_id', '=', rp.clientId)
      .where('withdrawn_at', 'is', null)
      .execute();
    assert.equal(consents.length, 1);

    const second = await consentGivenDuring(rp, () => rp.login({ params: SG }));
    assert.deepEqual(second, ['name:true', 'birthdate:true'], 'the unwithdrawn consent covers it');

    assert.ok(await hub.ctx.consents.withdraw(consents[0]!.account_id, consents[0]!.consent_id));
    const third = await consentGivenDuring(rp, () => rp.login({ params: SG }));
    assert.deepEqual(third.slice(0, 2), ['name:false', 'birthdate:false'], 'withdrawn: no consent any more');
  });

  test('declining on the consent page releases nothing (the policy was asked without consent)', async () => {
    const rp = await TestRp.register(hub, { country: 'GB', attributes: ['name'] });
    const seen = await consentGivenDuring(rp, async () => {
      const a = await rp.authorize({ params: SG, decision: 'decline' });
      assert.equal(a.response.error, 'access_denied');
    });
    assert.deepEqual(seen.slice(0, 1), ['name:false']);
    const releases = await hub.ctx.storage.db
      .selectFrom('releases')
      .select('release_id')
      .where('client_id', '=', rp.clientId)
      .execute();
    assert.equal(releases.length, 0);
  });
});
