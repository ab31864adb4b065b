import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/** Discovery, JWKS, and one complete correct login with the jose-based test relying party. */
describe(`discovery, JWKS and a correct login (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  test('discovery advertises only the hub security profile', async () => {
    const res = await fetch(`${hub.url}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const d = (await res.json()) as Record<string, unknown>;
    assert.equal(d['issuer'], hub.url);
    assert.deepEqual(d['id_token_signing_alg_values_supported'], ['ES256']);
    assert.deepEqual(d['code_challenge_methods_supported'], ['S256']);
    assert.deepEqual(d['token_endpoint_auth_methods_supported'], ['private_key_jwt']);
    assert.deepEqual(d['response_types_supported'], ['code']);
    assert.deepEqual(d['subject_types_supported'], ['pairwise']);
    assert.deepEqual(d['dpop_signing_alg_values_supported'], ['ES256', 'EdDSA']);
    assert.deepEqual(d['acr_values_supported'], [
      'urn:govbridge:loa:authenticated',
      'urn:govbridge:loa:low',
      'urn:govbridge:loa:substantial',
      'urn:govbridge:loa:high',
    ]);
    assert.equal(d['pushed_authorization_request_endpoint'], `${hub.url}/par`);
    assert.equal(d['authorization_endpoint'], `${hub.url}/authorize`);
    assert.equal(d['token_endpoint'], `${hub.url}/token`);
    assert.equal(d['userinfo_endpoint'], `${hub.url}/userinfo`);
    assert.equal(d['jwks_uri'], `${hub.url}/jwks`);
    assert.equal(d['end_session_endpoint'], `${hub.url}/logout`);
    assert.equal(d['claims_parameter_supported'], true);
    assert.equal(d['authorization_response_iss_parameter_supported'], true);
    for (const alg of d['token_endpoint_auth_signing_alg_values_supported'] as string[]) {
      assert.ok(['ES256', 'PS256'].includes(alg), alg);
    }
    assert.ok(!('registration_endpoint' in d), 'registration is off without an initial access token');
  });

  test('without GOVBRIDGE_INITIAL_ACCESS_TOKEN, /register is disabled (404)', async () => {
    const res = await fetch(`${hub.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ redirect_uris: ['https://x.example/cb'] }),
    });
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  });

  test('JWKS publishes public ES256 signing keys only', async () => {
    const res = await fetch(`${hub.url}/jwks`);
    assert.equal(res.status, 200);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    assert.ok(keys.length >= 1);
    for (const k of keys) {
      assert.equal(k['kty'], 'EC');
      assert.equal(k['crv'], 'P-256');
      assert.equal(k['alg'] ?? 'ES256', 'ES256');
      assert.equal(k['use'] ?? 'sig', 'sig');
      assert.ok(typeof k['kid'] === 'string' && k['kid'].length > 0);
      assert.ok(!('d' in k), 'no private part');
    }
  });

  test('a correct FAPI 2.0 login: PAR, PKCE, DPoP, private_key_jwt, userinfo, verified ID token', async () => {
    const rp = await TestRp.register(hub);
    const r = await rp.login({
      params: {
        scope: 'openid profile',
        idp_hint: 'singpass',
        login_hint: 'sg-citizen-mid',
        acr_values: 'urn:govbridge:loa:substantial',
      },
    });
    assert.equal(r.response.params.get('iss'), hub.url);
    assert.equal(r.response.params.get('state'), r.params['state']);
    assert.equal(r.tokens['token_type'], 'DPoP');
    assert.equal(r.claims['acr'], 'urn:govbridge:loa:substantial');
    assert.ok(Array.isArray(r.claims['amr']) && (r.claims['amr'] as unknown[]).length > 0);
    const ui = await rp.userinfo(r.accessToken);
    assert.equal(ui.status, 200, ui.text);
    assert.equal(ui.body['sub'], r.claims['sub']);
    assert.equal(typeof ui.body['name'], 'string');
  });
});
