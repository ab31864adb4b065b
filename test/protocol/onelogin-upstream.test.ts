import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * GOV.UK One Login through the whole hub: a coreIdentityJWT that is authentic but whose `vot` is
 * below the level asked for reaches the relying party as `error=unmet_authentication_requirements`
 * (not `access_denied`).
 */
const SUBSTANTIAL = 'urn:govbridge:loa:substantial';

describe(`One Login upstream answers through the hub (${testDialect()})`, () => {
  let hub: TestHub;
  let rp: TestRp;
  before(async () => {
    hub = await startTestHub();
    rp = await TestRp.register(hub, { minAcr: SUBSTANTIAL });
  });
  after(async () => {
    await hub?.close();
  });

  const identityLogin = (loginHint: string) =>
    rp.authorize({
      params: {
        scope: 'openid profile',
        idp_hint: 'onelogin',
        login_hint: loginHint,
        acr_values: SUBSTANTIAL,
      },
    });

  test('a coreIdentityJWT vot below the requested P2 → error=unmet_authentication_requirements', async () => {
    const { response: r, browser } = await identityLogin('eleanor-whitfield:core_identity_lower_vot');
    assert.equal(r.code, undefined);
    assert.equal(r.error, 'unmet_authentication_requirements', `${r.url}\n${browser.visited.join('\n')}`);
    assert.ok(
      r.errorDescription?.includes(SUBSTANTIAL),
      `description names the level: ${r.errorDescription}`,
    );
    assert.ok(r.url.startsWith(rp.redirectUri), 'the relying party receives the error');
  });

  test('the same persona without the scenario signs in (the refusal is the vot, nothing else)', async () => {
    const { response: r } = await identityLogin('eleanor-whitfield');
    assert.ok(r.code, `${r.error} ${r.errorDescription}`);
  });
});
