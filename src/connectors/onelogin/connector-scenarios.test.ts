import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Harness,
  IDENTITY_CLAIMS,
  REDIRECT_URI,
  startSimulator,
} from '../../simulators/onelogin/simulator-harness.ts';
import type { OneLoginAssertion, OneLoginAuthRequest, SchemeAssertion } from '../../trust/index.ts';
import type { SchemeConnector } from '../types.ts';
import { createOneLoginConnector } from './index.ts';

const IDENTITY: OneLoginAuthRequest = {
  scheme: 'onelogin',
  vtr: ['Cl.Cm.P2'],
  scopes: ['openid', 'email'],
  userinfoClaims: IDENTITY_CLAIMS.filter((c) => !c.endsWith('returnCode')),
};

/** Each simulator scenario and what the connector must make of it (code, and `detail.check`). */
const EXPECTED: [scenario: string, code: string, check: string | undefined][] = [
  ['access_denied', 'access_denied', 'authorization_response'],
  ['temporarily_unavailable', 'temporarily_unavailable', 'authorization_response'],
  ['bad_signature', 'upstream_invalid_response', 'id_token_signature'],
  ['expired_token', 'upstream_invalid_response', 'id_token_exp'],
  ['wrong_nonce', 'upstream_invalid_response', 'nonce'],
  ['wrong_audience', 'upstream_invalid_response', 'id_token_aud'],
  ['invalid_iss', 'upstream_invalid_response', 'id_token_iss'],
  // Cl when Cl.Cm was asked: an authentic answer at a lower level, so the level is unmet.
  ['incorrect_vot', 'unmet_authentication_requirements', 'vot'],
  ['core_identity_bad_signature', 'upstream_invalid_response', 'core_identity_signature'],
  ['core_identity_incorrect_sub', 'upstream_invalid_response', 'core_identity_sub'],
  ['core_identity_expired', 'upstream_invalid_response', 'core_identity_exp'],
  ['core_identity_lower_vot', 'unmet_authentication_requirements', 'core_identity_vot'],
  ['lower_assurance', 'access_denied', 'authorization_response'],
  ['slow', 'upstream_timeout', 'token_request'],
  ['down', 'upstream_unavailable', 'token_request'],
];

/** Personal data of the persona used below, which must never appear in an error. */
const PERSONAL = ['Eleanor', 'Whitfield', '1947-03-14', 'TR1 9ZX', '900000101', 'eleanor.whitfield'];

describe('One Login connector: every simulator scenario maps to the right error', () => {
  let h: Harness;
  let connector: SchemeConnector;
  before(async () => {
    // Generous timeout: under a loaded CI machine a 400 ms budget made ordinary answers time out.
    h = await startSimulator({ listen: true, slowDelayMs: 4_000 });
    connector = createOneLoginConnector({
      issuer: h.baseUrl,
      clientId: h.client.clientId,
      keys: { signing: h.client.privateJwk },
      didUrl: `${h.baseUrl}/identity/.well-known/did.json`,
      identityIssuer: `${h.baseUrl}/identity/`,
      timeoutMs: 2_000,
    });
  });
  after(() => h.close());

  async function run(request: OneLoginAuthRequest, loginHint: string) {
    const { authorizationUrl, transaction } = await connector.begin({
      request,
      redirectUri: REDIRECT_URI,
      loginHint,
    });
    const res = await fetch(authorizationUrl, { redirect: 'manual' });
    return asOneLogin(
      await connector.complete(new URL(String(res.headers.get('location'))).searchParams, transaction),
    );
  }

  for (const [scenario, code, check] of EXPECTED) {
    it(`${scenario} → ${code}${check ? ` (${check})` : ''}`, async () => {
      await assert.rejects(
        run(IDENTITY, `eleanor-whitfield:${scenario}`),
        (err: Error & { code: string; detail?: { check?: string } }) => {
          assert.equal(err.code, code);
          assert.equal(err.detail?.check, check);
          for (const value of PERSONAL) assert.ok(!err.message.includes(value), `message leaks ${value}`);
          assert.ok(!/eyJ[\w-]+\.[\w-]+/.test(err.message), 'message carries a token');
          assert.ok(!JSON.stringify(err.detail).includes('eyJ'), 'detail carries a token');
          return true;
        },
      );
    });
  }

  it('lower_assurance with returnCode asked: no core identity, return codes instead', async () => {
    const a = await run(
      { ...IDENTITY, userinfoClaims: IDENTITY_CLAIMS },
      'eleanor-whitfield:lower_assurance',
    );
    assert.equal(a.coreIdentity, undefined);
    assert.deepEqual(a.returnCode, [{ code: 'X' }]);
    assert.equal(a.vot, 'Cl.Cm');
  });

  it('a person who cannot prove identity: access_denied, or return codes when asked', async () => {
    await assert.rejects(run(IDENTITY, 'daniel-frost'), { code: 'access_denied' });
    const a = await run({ ...IDENTITY, userinfoClaims: IDENTITY_CLAIMS }, 'daniel-frost');
    assert.equal(a.coreIdentity, undefined);
    assert.deepEqual(a.returnCode, [{ code: 'X' }]);
  });

  it('an unreachable One Login is upstream_unavailable', async () => {
    const offline = createOneLoginConnector({
      issuer: 'http://127.0.0.1:9/simulators/onelogin',
      clientId: h.client.clientId,
      keys: { signing: h.client.privateJwk },
      didUrl: 'http://127.0.0.1:9/did.json',
      identityIssuer: 'http://127.0.0.1:9/identity/',
      timeoutMs: 400,
    });
    await assert.rejects(
      offline.begin({ request: IDENTITY, redirectUri: REDIRECT_URI }),
      (err: { code: string; detail: { check: string } }) =>
        err.code === 'upstream_unavailable' && err.detail.check === 'discovery',
    );
  });

  it('refuses a signing key without a kid or without its private part', () => {
    const { kid: _kid, ...noKid } = h.client.privateJwk;
    assert.throws(() => createOneLoginConnector({ ...baseOptions(h), keys: { signing: noKid } }), {
      code: 'config_invalid',
    });
    assert.throws(
      () => createOneLoginConnector({ ...baseOptions(h), keys: { signing: h.client.publicJwk } }),
      {
        code: 'config_invalid',
      },
    );
  });
});

function baseOptions(h: Harness) {
  return {
    issuer: h.baseUrl,
    clientId: h.client.clientId,
    keys: { signing: h.client.privateJwk },
    didUrl: `${h.baseUrl}/identity/.well-known/did.json`,
    identityIssuer: `${h.baseUrl}/identity/`,
    timeoutMs: 400,
  };
}

function asOneLogin(a: SchemeAssertion): OneLoginAssertion {
  if (a.scheme !== 'onelogin') throw new Error('expected a One Login assertion');
  return a;
}
