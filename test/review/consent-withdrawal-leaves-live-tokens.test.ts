import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findForm, TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';

/**
 * Review finding (src/consent/consent-service.ts withdraw, src/web/account/account-routes.ts):
 * withdrawing a consent only marks the consent row. The grant it produced, its access token and
 * the sealed released claims (grant_claims, kept ACCESS_TOKEN_TTL × 2) stay live, so the relying
 * party keeps receiving the citizen's personal data from /userinfo AFTER the citizen withdrew —
 * contrary to the service's own rule ("Withdrawal is immediate", consent-service.ts) and to
 * UK/SG data-protection expectations on withdrawal (UK GDPR Art. 7(3), PDPA s.16).
 *
 * Fix: on withdrawal, revoke the grants issued under that consent (oidc-provider
 * Grant/AccessToken revokeByGrantId, which also deletes grant_claims via the adapter) — record the
 * grant id with each release (releases.ts) to find them.
 */
const SG = { idp_hint: 'singpass', login_hint: 'sg-citizen-mid' };

describe('consent withdrawal', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  test('after withdrawal the relying party gets no more personal data from its existing access token', async () => {
    const rp = await TestRp.register(hub, { attributes: ['name', 'birthdate'] });
    const b = new TestBrowser();
    const first = await rp.login({ browser: b, params: { ...SG, scope: 'openid profile' } });
    const before = await rp.userinfo(first.accessToken);
    assert.equal(before.status, 200, before.text);
    assert.equal(typeof before.body['name'], 'string');

    const list = await b.follow(`${hub.url}/account/consents`);
    const html = await list.res.text();
    const form = findForm(html, '/withdraw');
    const withdrawn = await b.submit(list.url, html, form.action, {});
    assert.match(withdrawn.url, /withdrawn=1/);
    await withdrawn.res.arrayBuffer();

    const afterWithdrawal = await rp.userinfo(first.accessToken);
    assert.ok(
      afterWithdrawal.status !== 200 || !('name' in afterWithdrawal.body),
      `userinfo still releases personal data after withdrawal: ${afterWithdrawal.text}`,
    );
  });
});
