import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { type Harness, login, PREFIX, redeem, startSimulator } from './simulator-harness.ts';

describe('One Login simulator: metadata', () => {
  let h: Harness;
  before(async () => {
    h = await startSimulator();
  });
  after(() => h.close());

  it('publishes a discovery document whose issuer is baseUrl and endpoints hang off it', async () => {
    const res = await h.app.inject({ url: `${PREFIX}/.well-known/openid-configuration` });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.equal(doc.issuer, h.baseUrl);
    for (const [key, path] of [
      ['authorization_endpoint', '/authorize'],
      ['token_endpoint', '/token'],
      ['userinfo_endpoint', '/userinfo'],
      ['jwks_uri', '/.well-known/jwks.json'],
      ['end_session_endpoint', '/logout'],
      ['trustmarks', '/trustmark'],
    ]) {
      assert.equal(doc[key], `${h.baseUrl}${path}`, key);
    }
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['ES256', 'RS256']);
    assert.deepEqual(doc.token_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.ok(doc.claims_supported.includes('https://vocab.account.gov.uk/v1/coreIdentityJWT'));
    assert.equal(doc.request_parameter_supported, true);
    assert.match(String(res.headers['cache-control']), /max-age=\d+/);
  });

  it('publishes ES256 and RS256 public ID token keys with kids, and no private parts', async () => {
    const { keys } = (await h.app.inject({ url: `${PREFIX}/.well-known/jwks.json` })).json();
    assert.deepEqual(keys.map((k: { alg: string }) => k.alg).sort(), ['ES256', 'RS256']);
    for (const key of keys) {
      assert.equal(typeof key.kid, 'string');
      assert.equal(key.use, 'sig');
      assert.equal(key.d, undefined);
    }
  });

  it('publishes a DID document whose id is the did:web of the identity issuer', async () => {
    const res = await h.app.inject({ url: `${PREFIX}/identity/.well-known/did.json` });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.equal(doc.id, 'did:web:localhost:simulators:onelogin:identity');
    assert.equal(doc.controller, doc.id);
    assert.equal(doc.assertionMethod.length, 1);
    const [method] = doc.assertionMethod;
    assert.match(method.id, /^did:web:localhost:simulators:onelogin:identity#[\w-]+$/);
    assert.equal(method.controller, doc.id);
    assert.equal(method.publicKeyJwk.kty, 'EC');
    assert.equal(method.publicKeyJwk.crv, 'P-256');
    assert.equal(method.publicKeyJwk.d, undefined);
    assert.deepEqual((await h.app.inject({ url: `${PREFIX}/identity/did.json` })).json(), doc);
  });

  it('percent-encodes a port in the did:web identifier', async () => {
    const listening = await startSimulator({ listen: true });
    try {
      const doc = await (await fetch(`${listening.baseUrl}/identity/.well-known/did.json`)).json();
      const port = new URL(listening.baseUrl).port;
      assert.equal(doc.id, `did:web:127.0.0.1%3A${port}:simulators:onelogin:identity`);
    } finally {
      await listening.close();
    }
  });

  it('publishes the trust mark', async () => {
    const doc = (await h.app.inject({ url: `${PREFIX}/trustmark` })).json();
    assert.equal(doc.idp, h.baseUrl);
    assert.deepEqual(doc.C, ['Cl', 'Cl.Cm']);
    assert.deepEqual(doc.P, ['P0', 'P1', 'P2']);
  });

  it('logs out to a registered post_logout_redirect_uri with state, given our ID token', async () => {
    const code = (await login(h)).get('code')!;
    const idToken = (await redeem(h, code)).json().id_token;
    assert.equal(decodeJwt(idToken).aud, h.client.clientId);
    const q = new URLSearchParams({
      id_token_hint: idToken,
      post_logout_redirect_uri: 'https://hub.govbridge.example/signed-out',
      state: 'bye',
    });
    const res = await h.app.inject({ url: `${PREFIX}/logout?${q}` });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, 'https://hub.govbridge.example/signed-out?state=bye');
  });

  it('shows a signed-out page for an unregistered post_logout_redirect_uri or no hint', async () => {
    const q = new URLSearchParams({ post_logout_redirect_uri: 'https://evil.example/' });
    const res = await h.app.inject({ url: `${PREFIX}/logout?${q}` });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /You have signed out/);
  });
});
