import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';

/**
 * Review finding (src/broker/provider.ts `provider.proxy = true`): oidc-provider trusts
 * X-Forwarded-Host / X-Forwarded-Proto from ANY caller (Fastify itself runs with trustProxy: false
 * and nothing strips or overwrites these headers before the provider sees them). Every URL the
 * provider derives from the request (`ctx.oidc.urlFor`) is then attacker-chosen:
 *
 * 1. the discovery document advertises the attacker's authorization, PAR and token endpoints
 *    (web-cache poisoning of /.well-known/openid-configuration behind any shared cache/CDN;
 *    OpenID Connect Discovery §4.3 / RFC 8414 §3.3 require the metadata to describe this issuer);
 * 2. the accepted `aud` of a private_key_jwt client assertion includes the attacker-chosen
 *    "token endpoint", so an assertion minted for ANOTHER authorization server is accepted here
 *    (RFC 7523 §3 item 3: the aud must identify this authorization server) — for clients with
 *    govbridge_security_profile "oidc" (fapi2 clients are protected by oidc-provider's aud = issuer rule);
 * 3. the same for DPoP `htu` (RFC 9449 §4.3 check 9).
 *
 * Fix: derive every URL from the configured issuer: in http.ts overwrite (not append)
 * x-forwarded-host/-proto with the issuer's host and scheme before calling the provider, or set
 * `provider.proxy = false` and have the front proxy set Host.
 */
describe('X-Forwarded-Host from the caller does not steer the provider', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  test('discovery endpoints stay on the issuer whatever X-Forwarded-Host says', async () => {
    const res = await fetch(`${hub.url}/.well-known/openid-configuration`, {
      headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
    });
    const d = (await res.json()) as Record<string, string>;
    for (const k of ['authorization_endpoint', 'token_endpoint', 'pushed_authorization_request_endpoint']) {
      assert.ok(d[k]?.startsWith(`${hub.url}/`), `${k} is ${d[k]}`);
    }
  });

  test('a client assertion made for another server’s token endpoint is refused', async () => {
    const rp = await TestRp.register(hub, { securityProfile: 'oidc' });
    rp.headers = { 'x-forwarded-host': 'other-as.example', 'x-forwarded-proto': 'https' };
    const pushed = await rp.par(rp.authorizationParams(TestRp.pkce()), {
      assertion: { aud: 'https://other-as.example/token' },
      dpop: false,
    });
    assert.equal(pushed.status, 401, pushed.text);
  });
});
