import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import {
  type Harness,
  IDENTITY_CLAIMS,
  movableClock,
  REDIRECT_URI,
  recordingFetch,
  startSimulator,
} from '../../simulators/onelogin/simulator-harness.ts';
import type { OneLoginAssertion, OneLoginAuthRequest, SchemeAssertion } from '../../trust/index.ts';
import type { SchemeConnector } from '../types.ts';
import { createOneLoginConnector } from './index.ts';

const AUTH_ONLY: OneLoginAuthRequest = {
  scheme: 'onelogin',
  vtr: ['Cl.Cm'],
  scopes: ['openid', 'email', 'phone'],
  userinfoClaims: [],
};
const IDENTITY: OneLoginAuthRequest = {
  scheme: 'onelogin',
  vtr: ['Cl.Cm.P2'],
  scopes: ['openid', 'email'],
  userinfoClaims: IDENTITY_CLAIMS,
};

describe('One Login connector against the simulator', () => {
  let h: Harness;
  let recorder: ReturnType<typeof recordingFetch>;
  let connector: SchemeConnector;
  const clock = movableClock();
  before(async () => {
    h = await startSimulator({ listen: true, clock });
    recorder = recordingFetch();
    connector = createOneLoginConnector({
      issuer: h.baseUrl,
      clientId: h.client.clientId,
      keys: { signing: h.client.privateJwk },
      didUrl: `${h.baseUrl}/identity/.well-known/did.json`,
      identityIssuer: `${h.baseUrl}/identity/`,
      timeoutMs: 2_000,
      fetch: recorder.fetch,
      clock,
    });
  });
  after(() => h.close());

  async function run(request: OneLoginAuthRequest, loginHint: string, tweak?: (p: URLSearchParams) => void) {
    const { authorizationUrl, transaction } = await connector.begin({
      request,
      redirectUri: REDIRECT_URI,
      loginHint,
    });
    const res = await fetch(authorizationUrl, { redirect: 'manual' });
    const params = new URL(String(res.headers.get('location'))).searchParams;
    tweak?.(params);
    return asOneLogin(await connector.complete(params, transaction));
  }

  it('logs in at Cl.Cm: subject, vot, vtm, email, phone and no identity', async () => {
    const a = await run(AUTH_ONLY, 'rhys-pritchard');
    assert.equal(a.scheme, 'onelogin');
    assert.match(a.subject, /^urn:fdc:gov\.uk:2022:/);
    assert.equal(a.vot, 'Cl.Cm');
    assert.equal(a.vtm, `${h.baseUrl}/trustmark`);
    assert.equal(a.email, 'rhys.pritchard@govbridge.example');
    assert.equal(a.emailVerified, true);
    assert.equal(a.phoneNumber, '+447700900102');
    assert.equal(a.phoneNumberVerified, true);
    assert.equal(typeof a.authTime, 'number');
    assert.equal(a.coreIdentity, undefined);
    assert.equal(a.address, undefined);
  });

  it('logs in at Cl.Cm.P2 with a verified core identity and identity claims', async () => {
    const a = await run(IDENTITY, 'sarah-adeyemi');
    assert.equal(a.vot, 'Cl.Cm');
    assert.ok(a.coreIdentity);
    assert.equal(a.coreIdentity.vot, 'P2');
    assert.equal(a.coreIdentity.vtm, `${h.baseUrl}/trustmark`);
    assert.equal(a.coreIdentity.name.length, 2);
    assert.equal(a.coreIdentity.name[1]?.nameParts.find((p) => p.type === 'FamilyName')?.value, 'Thompson');
    assert.deepEqual(a.coreIdentity.birthDate, [{ value: '1986-01-30' }]);
    assert.equal(a.address?.[0]?.postalCode, 'LS8 9ZX');
    assert.equal(a.passport?.[0]?.icaoIssuerCode, 'GBR');
    assert.equal(a.returnCode, undefined);
  });

  it('maps the Singapore citizen in London and the British national in Singapore', async () => {
    const tan = await run(IDENTITY, 'tan-wei-ling');
    assert.equal(tan.passport?.[0]?.icaoIssuerCode, 'SGP');
    const oliver = await run(IDENTITY, 'oliver-bennett');
    assert.equal(oliver.address?.[0]?.addressCountry, 'SG');
  });

  it('builds the authorize URL with a signed request object and only response_type, scope, client_id repeated', async () => {
    const { authorizationUrl, transaction } = await connector.begin({
      request: IDENTITY,
      redirectUri: REDIRECT_URI,
      loginHint: 'tan-wei-ling',
      uiLocales: 'zh-SG cy-GB fr',
    });
    const url = new URL(authorizationUrl);
    assert.equal(`${url.origin}${url.pathname}`, `${h.baseUrl}/authorize`);
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request', 'response_type', 'scope']);
    const jar = url.searchParams.get('request')!;
    assert.equal(decodeProtectedHeader(jar).alg, 'RS256');
    const publicKey = await importJWK(connector.publicJwks().keys[0]!, 'RS256');
    const { payload } = await jwtVerify(jar, publicKey, {
      audience: `${h.baseUrl}/authorize`,
      issuer: h.client.clientId,
    });
    assert.equal(payload.response_type, url.searchParams.get('response_type'));
    assert.equal(payload.scope, url.searchParams.get('scope'));
    assert.equal(payload.client_id, url.searchParams.get('client_id'));
    assert.deepEqual(payload.vtr, ['Cl.Cm.P2']);
    assert.equal(payload.state, transaction.state);
    assert.equal(payload.nonce, transaction.nonce);
    assert.equal(payload.redirect_uri, REDIRECT_URI);
    assert.equal(payload.login_hint, 'tan-wei-ling');
    // Only what One Login accepts (en, cy): Chinese and French are not sent.
    assert.equal(payload.ui_locales, 'cy');
    assert.equal(payload.code_challenge_method, 'S256');
    assert.equal(typeof payload.jti, 'string');
    assert.ok((payload.exp ?? 0) - (payload.iat ?? 0) <= 300);
    assert.deepEqual(Object.keys((payload.claims as { userinfo: object }).userinfo), IDENTITY_CLAIMS);
  });

  it('asks One Login for a fresh sign-in (prompt=login) only when the relying party asked for one', async () => {
    const plain = await connector.begin({ request: IDENTITY, redirectUri: REDIRECT_URI });
    assert.equal(decodeJwt(new URL(plain.authorizationUrl).searchParams.get('request')!).prompt, undefined);
    const fresh = await connector.begin({ request: IDENTITY, redirectUri: REDIRECT_URI, forceLogin: true });
    assert.equal(decodeJwt(new URL(fresh.authorizationUrl).searchParams.get('request')!).prompt, 'login');
  });

  it('publishes only the public part of its signing key', () => {
    const [key, ...rest] = connector.publicJwks().keys;
    assert.equal(rest.length, 0);
    assert.equal(key?.kty, 'RSA');
    assert.equal(key?.kid, h.client.kid);
    assert.equal(key?.alg, 'RS256');
    for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
      assert.equal((key as Record<string, unknown>)[part], undefined);
  });

  it('uses private_key_jwt at the token endpoint with aud = token endpoint', async () => {
    const before = recorder.calls.length;
    await run(AUTH_ONLY, 'callum-mackenzie');
    const tokenCall = recorder.calls.slice(before).find((c) => c.url.endsWith('/token'));
    assert.ok(tokenCall);
    assert.equal(tokenCall.method, 'POST');
  });

  it('sends a User-Agent on every call to One Login', () => {
    assert.ok(recorder.calls.length > 0);
    for (const call of recorder.calls)
      assert.match(call.headers.get('user-agent') ?? '', /^govbridge-onelogin-connector\//);
  });

  it('caches discovery, JWKS and the DID document', () => {
    const count = (suffix: string) => recorder.calls.filter((c) => c.url.endsWith(suffix)).length;
    assert.equal(count('/.well-known/openid-configuration'), 1);
    assert.equal(count('/.well-known/jwks.json'), 1);
    assert.equal(count('/identity/.well-known/did.json'), 1);
  });

  it('refetches the DID document once it is past its Cache-Control max-age', async () => {
    const count = () => recorder.calls.filter((c) => c.url.endsWith('/did.json')).length;
    const before = count();
    clock.advance(3_700);
    await run(IDENTITY, 'eleanor-whitfield');
    assert.equal(count(), before + 1);
  });

  describe('the callback', () => {
    it('maps error=access_denied to access_denied', async () => {
      const { transaction } = await connector.begin({ request: AUTH_ONLY, redirectUri: REDIRECT_URI });
      const params = new URLSearchParams({ error: 'access_denied', state: transaction.state });
      await assert.rejects(connector.complete(params, transaction), { code: 'access_denied' });
    });

    it('maps error=temporarily_unavailable to temporarily_unavailable', async () => {
      const { transaction } = await connector.begin({ request: AUTH_ONLY, redirectUri: REDIRECT_URI });
      const params = new URLSearchParams({ error: 'temporarily_unavailable', state: transaction.state });
      await assert.rejects(connector.complete(params, transaction), { code: 'temporarily_unavailable' });
    });

    it('rejects a state that is not ours before anything else', async () => {
      await assert.rejects(
        run(AUTH_ONLY, 'rhys-pritchard', (p) => p.set('state', 'forged')),
        (err: { code: string; detail: { check: string } }) =>
          err.code === 'upstream_invalid_response' && err.detail.check === 'state',
      );
      const { transaction } = await connector.begin({ request: AUTH_ONLY, redirectUri: REDIRECT_URI });
      await assert.rejects(connector.complete(new URLSearchParams({ error: 'access_denied' }), transaction), {
        code: 'upstream_invalid_response',
      });
    });

    it('rejects a callback with neither code nor error', async () => {
      const { transaction } = await connector.begin({ request: AUTH_ONLY, redirectUri: REDIRECT_URI });
      await assert.rejects(
        connector.complete(new URLSearchParams({ state: transaction.state }), transaction),
        {
          code: 'upstream_invalid_response',
        },
      );
    });

    it('refuses a second redemption of the same callback (code reuse)', async () => {
      const { authorizationUrl, transaction } = await connector.begin({
        request: AUTH_ONLY,
        redirectUri: REDIRECT_URI,
        loginHint: 'rhys-pritchard',
      });
      const res = await fetch(authorizationUrl, { redirect: 'manual' });
      const params = new URL(String(res.headers.get('location'))).searchParams;
      await connector.complete(params, transaction);
      await assert.rejects(
        connector.complete(params, transaction),
        (err: { code: string; detail: { check: string; error: string } }) =>
          err.detail.check === 'token_request' && err.detail.error === 'invalid_grant',
      );
    });
  });

  it('a P2 request for someone who reaches only P1 with ["Cl.Cm.P2","Cl.Cm.P1"] yields P1', async () => {
    const a = await run({ ...IDENTITY, vtr: ['Cl.Cm.P2', 'Cl.Cm.P1'] }, 'joseph-lowe');
    assert.equal(a.coreIdentity?.vot, 'P1');
    assert.equal(
      decodeJwt(connectorJarOf(await connector.begin({ request: IDENTITY, redirectUri: REDIRECT_URI }))).iss,
      h.client.clientId,
    );
  });
});

function connectorJarOf(result: { authorizationUrl: string }): string {
  return new URL(result.authorizationUrl).searchParams.get('request')!;
}

function asOneLogin(a: SchemeAssertion): OneLoginAssertion {
  if (a.scheme !== 'onelogin') throw new Error('expected a One Login assertion');
  return a;
}
