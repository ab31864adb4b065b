import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { GovbridgeError } from '../../kernel/index.ts';
import { startSingpassSimulatorServer } from '../../simulators/singpass/index.ts';
import type { SingpassAuthRequest } from '../../trust/index.ts';
import type { SchemeConnector } from '../types.ts';
import { createSingpassConnector } from './index.ts';

const REDIRECT = 'https://hub.example/callback/singpass-legacy';
const CLIENT_ID = 'govbridgeHubLegacy000000000001';
const REQUEST: SingpassAuthRequest = {
  scheme: 'singpass',
  acrValues: ['urn:singpass:authentication:loa:2'],
  scopes: [
    'openid',
    'uinfin',
    'name',
    'sex',
    'dob',
    'nationality',
    'residentialstatus',
    'regadd',
    'mobileno',
  ],
};

async function privateKey(alg: string, kid: string): Promise<JWK> {
  const { privateKey: key } = await generateKeyPair(alg, { extractable: true, crv: 'P-256' });
  return { ...(await exportJWK(key)), kid };
}

async function expectError(promise: Promise<unknown>, code: string, check?: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof GovbridgeError, `expected a GovbridgeError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (check !== undefined) assert.equal(caught.detail?.check, check, caught.message);
}

describe('Singpass connector, legacy profile, against the simulator', () => {
  let sim: Awaited<ReturnType<typeof startSingpassSimulatorServer>>;
  let connector: SchemeConnector;
  let quick: SchemeConnector;
  const clientJwks: { keys: JWK[] } = { keys: [] };

  const login = async (c: SchemeConnector, hint: string) => {
    const { authorizationUrl, transaction } = await c.begin({
      request: REQUEST,
      redirectUri: REDIRECT,
      loginHint: hint,
    });
    const res = await fetch(authorizationUrl, { redirect: 'manual' });
    assert.equal(res.status, 302);
    return {
      params: new URL(String(res.headers.get('location'))).searchParams,
      transaction,
      authorizationUrl,
    };
  };
  const run = async (hint: string, c: SchemeConnector = connector) => {
    const { params, transaction } = await login(c, hint);
    return c.complete(params, transaction);
  };

  before(async () => {
    const keys = {
      signing: await privateKey('ES256', 'hub-sig-1'),
      encryption: [await privateKey('ECDH-ES+A256KW', 'hub-enc-1')],
    };
    sim = await startSingpassSimulatorServer({
      clients: [{ clientId: CLIENT_ID, jwks: clientJwks, redirectUris: [REDIRECT] }],
      slowMs: 1500,
    });
    const make = (timeoutMs: number) =>
      createSingpassConnector({
        issuer: sim.baseUrl,
        clientId: CLIENT_ID,
        profile: 'legacy',
        keys,
        timeoutMs,
      });
    connector = make(2000);
    quick = make(400);
    clientJwks.keys.push(...connector.publicJwks().keys);
  });
  after(() => sim.close());

  it('sends the whole request in the query, with PKCE, nonce, state and acr_values', async () => {
    const { authorizationUrl, transaction } = await login(connector, 'sg-pr');
    const q = new URL(authorizationUrl).searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), CLIENT_ID);
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.equal(q.get('state'), transaction.state);
    assert.equal(q.get('nonce'), transaction.nonce);
    assert.equal(q.get('acr_values'), 'urn:singpass:authentication:loa:2');
    assert.equal(transaction.dpopKey, undefined);
  });

  it('never sends ui_locales (Singpass documents no such parameter), whatever the relying party asked', async () => {
    // The parameters are built once for both profiles, before the PAR or the query is made.
    const { authorizationUrl } = await connector.begin({
      request: REQUEST,
      redirectUri: REDIRECT,
      loginHint: 'sg-pr',
      uiLocales: 'zh-SG ms en',
    });
    const q = new URL(authorizationUrl).searchParams;
    assert.equal(q.get('login_hint'), 'sg-pr');
    assert.equal(q.has('ui_locales'), false);
  });

  it('logs in and keeps the NRIC out of the subject', async () => {
    const assertion = await run('sg-citizen-london');
    if (assertion.scheme !== 'singpass') return assert.fail();
    assert.equal(assertion.profile, 'legacy');
    assert.match(assertion.subject, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.ok(!assertion.subject.includes('S8812345Z'));
    assert.equal(assertion.identityNumber, 'S8812345Z');
    assert.equal(assertion.accountType, 'standard');
    assert.equal(assertion.person.regadd?.type, 'UNFORMATTED');
    assert.equal(assertion.person.residentialstatus?.code, 'C');
    assert.equal(assertion.person.sub, undefined, 'JWT claims are not Myinfo attributes');
    assert.equal(assertion.person.iss, undefined);
  });

  it('parses a foreign account subject (fid, coi)', async () => {
    const assertion = await run('gb-foreign-account');
    if (assertion.scheme !== 'singpass') return assert.fail();
    assert.equal(assertion.accountType, 'foreign');
    assert.equal(assertion.identityCoi, 'GB');
    assert.equal(assertion.identityNumber, 'Y1012345Q');
    assert.match(assertion.subject, /^[0-9a-f-]{36}$/);
  });

  const scenarios: Array<[string, string, string | undefined]> = [
    ['access_denied', 'access_denied', 'authorization_error'],
    ['temporarily_unavailable', 'temporarily_unavailable', 'authorization_error'],
    ['bad_signature', 'upstream_invalid_response', 'signature'],
    ['expired_token', 'upstream_invalid_response', 'exp'],
    ['wrong_nonce', 'upstream_invalid_response', 'nonce'],
    ['wrong_audience', 'upstream_invalid_response', 'aud'],
    ['down', 'upstream_unavailable', undefined],
  ];
  it('passes on a loa:1 token when loa:2 was asked: the trust framework judges the level', async () => {
    const assertion = await run('sg-citizen-mid:lower_assurance');
    if (assertion.scheme !== 'singpass') return assert.fail();
    assert.equal(assertion.acr, 'urn:singpass:authentication:loa:1');
  });
  for (const [scenario, code, check] of scenarios) {
    it(`scenario ${scenario} → ${code}${check ? ` (${check})` : ''}`, async () => {
      await expectError(run(`sg-citizen-mid:${scenario}`), code, check);
    });
  }

  it('scenario slow → upstream_timeout', async () => {
    await expectError(run('sg-pr:slow', quick), 'upstream_timeout');
  });

  it('rejects a wrong state, even on an error response', async () => {
    const { params, transaction } = await login(connector, 'sg-pr:access_denied');
    params.set('state', 'forged');
    await expectError(connector.complete(params, transaction), 'upstream_invalid_response', 'state');
  });

  it('rejects a callback without code or error', async () => {
    const { params, transaction } = await login(connector, 'sg-pr');
    params.delete('code');
    await expectError(connector.complete(params, transaction), 'upstream_invalid_response', 'code');
  });

  it('reports a reused code as a refused token request', async () => {
    const { params, transaction } = await login(connector, 'sg-pr');
    await connector.complete(params, transaction);
    await expectError(connector.complete(params, transaction), 'upstream_invalid_response', 'token');
  });
});
