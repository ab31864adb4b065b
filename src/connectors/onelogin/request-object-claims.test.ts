import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import {
  type Harness,
  IDENTITY_CLAIMS,
  REDIRECT_URI,
  startSimulator,
} from '../../simulators/onelogin/simulator-harness.ts';
import type { OneLoginAuthRequest } from '../../trust/index.ts';
import { createOneLoginConnector } from './index.ts';
import type { OneLoginConnectorOptions } from './runtime.ts';

/**
 * `claims` in the request object: GOV.UK One Login documents a JSON object ("Authenticate your
 * user", request object example) and accepts a JSON string too; the public simulator answers HTTP
 * 500 to an object. The built-in simulator plays that strictness as scenario `claims_string_only`.
 */
const IDENTITY: OneLoginAuthRequest = {
  scheme: 'onelogin',
  vtr: ['Cl.Cm.P2'],
  scopes: ['openid', 'email'],
  userinfoClaims: IDENTITY_CLAIMS,
};
const CLAIMS_REQUEST = { userinfo: Object.fromEntries(IDENTITY_CLAIMS.map((c) => [c, null])) };

describe('One Login connector: the form of claims in the request object', () => {
  let h: Harness;
  before(async () => {
    h = await startSimulator({ listen: true });
  });
  after(() => h.close());

  function connector(requestObjectClaims?: 'object' | 'string') {
    const options: OneLoginConnectorOptions = {
      issuer: h.baseUrl,
      clientId: h.client.clientId,
      keys: { signing: h.client.privateJwk },
      didUrl: `${h.baseUrl}/identity/.well-known/did.json`,
      identityIssuer: `${h.baseUrl}/identity/`,
      timeoutMs: 5_000,
      ...(requestObjectClaims ? { requestObjectClaims } : {}),
    };
    return createOneLoginConnector(options);
  }

  async function requestObjectOf(form?: 'object' | 'string') {
    const { authorizationUrl } = await connector(form).begin({
      request: IDENTITY,
      redirectUri: REDIRECT_URI,
    });
    return decodeJwt(String(new URL(authorizationUrl).searchParams.get('request')));
  }

  async function login(form: 'object' | 'string' | undefined, loginHint: string) {
    const c = connector(form);
    const { authorizationUrl, transaction } = await c.begin({
      request: IDENTITY,
      redirectUri: REDIRECT_URI,
      loginHint,
    });
    const res = await fetch(authorizationUrl, { redirect: 'manual' });
    if (res.status !== 302) return { status: res.status, body: await res.text() };
    const assertion = await c.complete(
      new URL(String(res.headers.get('location'))).searchParams,
      transaction,
    );
    return { status: res.status, assertion };
  }

  it('sends the documented JSON object by default', async () => {
    assert.deepEqual((await requestObjectOf()).claims, CLAIMS_REQUEST);
    assert.deepEqual((await requestObjectOf('object')).claims, CLAIMS_REQUEST);
  });

  it('sends a JSON string of the same object with requestObjectClaims: string', async () => {
    const claims = (await requestObjectOf('string')).claims;
    assert.equal(typeof claims, 'string');
    assert.deepEqual(JSON.parse(String(claims)), CLAIMS_REQUEST);
  });

  it('both forms complete against the simulator playing GOV.UK One Login (accepts both)', async () => {
    for (const form of ['object', 'string'] as const) {
      const r = await login(form, 'eleanor-whitfield');
      assert.equal(r.status, 302, `${form}: ${r.body}`);
      assert.equal(r.assertion?.scheme, 'onelogin');
      if (r.assertion?.scheme === 'onelogin') assert.equal(r.assertion.coreIdentity?.vot, 'P2', form);
    }
  });

  it('the public simulator’s strictness: an object gets HTTP 500, the string form completes', async () => {
    const refused = await login(undefined, 'eleanor-whitfield:claims_string_only');
    assert.equal(refused.status, 500);
    assert.deepEqual(JSON.parse(String(refused.body)), { message: 'Internal Server Error' });

    const ok = await login('string', 'eleanor-whitfield:claims_string_only');
    assert.equal(ok.status, 302);
    assert.ok(ok.assertion?.scheme === 'onelogin' && ok.assertion.coreIdentity?.vot === 'P2');
  });

  it('refuses an unknown requestObjectClaims value', () => {
    assert.throws(() => connector('json' as 'string'), { code: 'config_invalid' });
  });
});
