import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CompactEncrypt,
  CompactSign,
  compactDecrypt,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { GovbridgeError } from '../../kernel/index.ts';
import { startSingpassSimulatorServer } from '../../simulators/singpass/index.ts';
import type { SingpassAssertion, SingpassAuthRequest } from '../../trust/index.ts';
import type { SchemeConnector } from '../types.ts';
import { createSingpassConnector } from './index.ts';

/**
 * The FAPI connector against what Singpass and its reference mock are known to send, each played by
 * the simulator (a scenario per login, or a setting for what discovery says): a lower acr than asked,
 * A256GCM while discovery lists A256CBC-HS512, fractional NumericDates, no `iss` on the callback when
 * discovery does not announce it, no `expires_in`, no userinfo endpoint (name, email and mobile then
 * come only in `sub_attributes`), and a short `scopes_supported`.
 */
const REDIRECT = 'https://hub.example/callback/singpass';
const CLIENT_ID = 'govbridgeHubClient0000000000002';
const LOA1 = 'urn:singpass:authentication:loa:1';
const REQUEST: SingpassAuthRequest = {
  scheme: 'singpass',
  acrValues: ['urn:singpass:authentication:loa:2'],
  scopes: ['openid', 'user.identity', 'name', 'email', 'mobileno', 'dob'],
};

async function privateKey(alg: string, kid: string): Promise<JWK> {
  const { privateKey: key } = await generateKeyPair(alg, { extractable: true, crv: 'P-256' });
  return { ...(await exportJWK(key)), kid };
}

async function expectError(promise: Promise<unknown>, code: string, check?: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof GovbridgeError, `expected a GovbridgeError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (check !== undefined) assert.equal(err.detail?.check, check, err.message);
    return true;
  });
}

describe('Singpass connector (FAPI) against Singpass as it really behaves', () => {
  type Sim = Awaited<ReturnType<typeof startSingpassSimulatorServer>>;
  let signing: JWK;
  let encryption: JWK;
  const clientJwks: { keys: JWK[] } = { keys: [] };
  let singpass: Sim; // as Singpass: userinfo, iss announced, the full scope list
  let loginApp: Sim; // as MockPass's FAPI mode / a Login app: no userinfo, no iss, few scopes
  let rewrite: ((idToken: string) => Promise<string>) | undefined;
  // For a changed claim the test signs the token itself and serves its own key as the provider's.
  let forger: { privateKey: CryptoKey; jwks: { keys: JWK[] } } | undefined;

  const rewritingFetch: typeof fetch = async (input, init) => {
    if (forger !== undefined && String(input).endsWith('/.well-known/keys')) {
      return new Response(JSON.stringify(forger.jwks), { headers: { 'content-type': 'application/json' } });
    }
    const response = await fetch(input, init);
    if (rewrite === undefined || !String(input).endsWith('/token') || response.status !== 200)
      return response;
    const json = (await response.json()) as Record<string, unknown>;
    json.id_token = await rewrite(String(json.id_token));
    return new Response(JSON.stringify(json), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  const connectorFor = (sim: Sim): SchemeConnector =>
    createSingpassConnector({
      issuer: `${sim.baseUrl}/fapi`,
      clientId: CLIENT_ID,
      profile: 'fapi',
      keys: { signing, encryption: [encryption] },
      timeoutMs: 3000,
      fetch: rewritingFetch,
    });
  const login = async (c: SchemeConnector, hint: string, request = REQUEST) => {
    const begun = await c.begin({ request, redirectUri: REDIRECT, loginHint: hint });
    const res = await fetch(begun.authorizationUrl, { redirect: 'manual' });
    assert.equal(res.status, 302, await res.text());
    return { ...begun, params: new URL(String(res.headers.get('location'))).searchParams };
  };
  const run = async (c: SchemeConnector, hint: string, request = REQUEST): Promise<SingpassAssertion> => {
    const { params, transaction } = await login(c, hint, request);
    const assertion = await c.complete(params, transaction);
    assert.equal(assertion.scheme, 'singpass');
    return assertion as SingpassAssertion;
  };

  before(async () => {
    signing = await privateKey('ES256', 'hub-sig-rw');
    encryption = await privateKey('ECDH-ES+A256KW', 'hub-enc-rw');
    const clients = [{ clientId: CLIENT_ID, jwks: clientJwks, redirectUris: [REDIRECT] }];
    singpass = await startSingpassSimulatorServer({ clients });
    loginApp = await startSingpassSimulatorServer({
      clients,
      userinfoEndpoint: false,
      issParameter: false,
      // MockPass 4.6.x FAPI's list.
      scopesSupported: ['openid', 'uinfin', 'user.identity', 'name'],
    });
    clientJwks.keys.push(...connectorFor(singpass).publicJwks().keys);
  });
  after(async () => {
    await singpass.close();
    await loginApp.close();
  });

  it('passes on a loa:1 token when loa:2 was asked: the level is the trust framework’s decision', async () => {
    const assertion = await run(connectorFor(singpass), 'sg-citizen-mid:lower_assurance');
    assert.equal(assertion.acr, LOA1);
    assert.deepEqual(assertion.amr, ['pwd']);
  });

  it('still refuses an acr outside the Singpass vocabulary', async () => {
    const c = connectorFor(singpass);
    const pair = await generateKeyPair('ES256', { extractable: true });
    forger = {
      privateKey: pair.privateKey,
      jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'forged-sig', use: 'sig', alg: 'ES256' }] },
    };
    try {
      // First, unchanged claims re-signed by the test's key pass: the refusal below is the acr's.
      // No userinfo: the simulator's userinfo is signed with its own key, not the test's.
      const request = { ...REQUEST, scopes: ['openid', 'user.identity'] };
      rewrite = async (jwe) => reseal(jwe, {});
      const fine = await login(c, 'sg-pr', request);
      await c.complete(fine.params, fine.transaction);
      rewrite = async (jwe) => reseal(jwe, { acr: 'urn:singpass:authentication:loa:two' });
      const { params, transaction } = await login(c, 'sg-pr', request);
      await expectError(c.complete(params, transaction), 'upstream_invalid_response', 'acr');
    } finally {
      rewrite = undefined;
      forger = undefined;
    }
  });

  it('with userinfo, takes Myinfo and also keeps name, email and mobile from sub_attributes', async () => {
    const assertion = await run(connectorFor(singpass), 'sg-citizen-mid');
    assert.equal(assertion.person.name?.value, 'TEO KAI MING DANIEL');
    assert.deepEqual(assertion.subAttributes, {
      name: 'TEO KAI MING DANIEL',
      email: 'daniel.teo.test@example.com',
      mobileno: '+6591234502',
    });
  });

  it('without a userinfo endpoint (Login app), the contact attributes come from sub_attributes only', async () => {
    const c = connectorFor(loginApp);
    const request = { ...REQUEST, scopes: ['openid', 'user.identity', 'name'] };
    const assertion = await run(c, 'sg-citizen-mid', request);
    assert.deepEqual(assertion.person, {});
    assert.deepEqual(assertion.subAttributes, { name: 'TEO KAI MING DANIEL' });
    assert.equal(assertion.identityNumber, 'S7912345E');
  });

  it('asks only for scopes in scopes_supported and reports the others as unsupported', async () => {
    const c = connectorFor(loginApp);
    const { transaction, unsupportedScopes, params } = await login(c, 'sg-citizen-mid');
    assert.deepEqual(unsupportedScopes, ['email', 'mobileno', 'dob']);
    assert.deepEqual(transaction.unsupportedScopes, ['email', 'mobileno', 'dob']);
    const assertion = await c.complete(params, transaction);
    if (assertion.scheme !== 'singpass') return assert.fail();
    assert.deepEqual(assertion.subAttributes, { name: 'TEO KAI MING DANIEL' });
    // Against the full list nothing is dropped.
    assert.deepEqual(
      (await connectorFor(singpass).begin({ request: REQUEST, redirectUri: REDIRECT })).unsupportedScopes,
      [],
    );
  });

  it('does not call userinfo when every Myinfo scope wanted was dropped as unsupported', async () => {
    const narrow = await startSingpassSimulatorServer({
      clients: [{ clientId: CLIENT_ID, jwks: clientJwks, redirectUris: [REDIRECT] }],
      scopesSupported: ['openid', 'user.identity'],
    });
    const calls: string[] = [];
    try {
      const c = createSingpassConnector({
        issuer: `${narrow.baseUrl}/fapi`,
        clientId: CLIENT_ID,
        profile: 'fapi',
        keys: { signing, encryption: [encryption] },
        timeoutMs: 3000,
        fetch: (input, init) => {
          calls.push(new URL(String(input)).pathname);
          return fetch(input, init);
        },
      });
      const assertion = await run(c, 'sg-pr');
      assert.deepEqual(assertion.person, {});
      assert.ok(!calls.some((p) => p.endsWith('/userinfo')), calls.join(' '));
    } finally {
      await narrow.close();
    }
  });

  it('legacy profile: the same filter; user.identity is left out there but is not "unsupported"', async () => {
    const legacy = createSingpassConnector({
      issuer: loginApp.baseUrl,
      clientId: CLIENT_ID,
      profile: 'legacy',
      keys: { signing, encryption: [encryption] },
      timeoutMs: 3000,
    });
    const { authorizationUrl, unsupportedScopes } = await legacy.begin({
      request: REQUEST,
      redirectUri: REDIRECT,
    });
    assert.deepEqual(unsupportedScopes, ['email', 'mobileno', 'dob']);
    assert.equal(new URL(authorizationUrl).searchParams.get('scope'), 'openid name');
  });

  it('A256GCM while discovery lists A256CBC-HS512 is accepted; any other enc is refused', async () => {
    const c = connectorFor(singpass);
    const assertion = await run(c, 'sg-pr:enc_a256gcm');
    assert.equal(assertion.identityNumber, 'S3012345Z');
    assert.ok(assertion.person.name, 'the A256GCM userinfo opened too');
    rewrite = async (jwe) => reseal(jwe, {}, 'A128GCM');
    try {
      const { params, transaction } = await login(c, 'sg-pr');
      await expectError(c.complete(params, transaction), 'upstream_invalid_response', 'encryption_alg');
    } finally {
      rewrite = undefined;
    }
  });

  it('accepts fractional iat, exp and auth_time; auth_time is passed on in whole seconds', async () => {
    const assertion = await run(connectorFor(singpass), 'sg-pr:float_times');
    assert.equal(typeof assertion.authTime, 'number');
    assert.ok(Number.isInteger(assertion.authTime));
  });

  it('accepts a token response without expires_in', async () => {
    const assertion = await run(connectorFor(singpass), 'sg-pr:no_expires_in');
    assert.ok(assertion.person.name);
  });

  it('callback iss: required when discovery announces it (RFC 9207), optional when it does not', async () => {
    const announced = connectorFor(singpass);
    const { params, transaction } = await login(announced, 'sg-pr:no_iss');
    assert.equal(params.get('iss'), null);
    await expectError(announced.complete(params, transaction), 'upstream_invalid_response', 'iss_parameter');

    const silent = connectorFor(loginApp);
    const request = { ...REQUEST, scopes: ['openid', 'user.identity'] };
    const ok = await login(silent, 'sg-pr', request);
    assert.equal(ok.params.get('iss'), null);
    await silent.complete(ok.params, ok.transaction);
    // Not announced but present: it must still be the issuer.
    const wrong = await login(silent, 'sg-pr', request);
    wrong.params.set('iss', 'https://elsewhere.example');
    await expectError(
      silent.complete(wrong.params, wrong.transaction),
      'upstream_invalid_response',
      'iss_parameter',
    );
  });

  it('mockpass_fapi against a Login-app deployment: everything MockPass FAPI sends, in one login', async () => {
    const c = connectorFor(loginApp);
    const request = { ...REQUEST, scopes: ['openid', 'user.identity', 'name'] };
    const assertion = await run(c, 'sg-citizen-senior:mockpass_fapi', request);
    assert.equal(assertion.acr, LOA1);
    assert.deepEqual(assertion.amr, ['pwd']);
    assert.equal(assertion.accountType, 'standard');
    assert.ok(assertion.subAttributes?.name);
    assert.deepEqual(assertion.person, {});
  });

  /**
   * Opens the simulator's JWE with our key and seals it again with `enc`; with `forger` set, the inner
   * token is re-signed by the test's key with `claims` merged in.
   */
  async function reseal(
    jwe: string,
    claims: Record<string, unknown>,
    enc = 'A256CBC-HS512',
  ): Promise<string> {
    const { plaintext } = await compactDecrypt(jwe, await importJWK(encryption, 'ECDH-ES+A256KW'));
    let inner = new TextDecoder().decode(plaintext);
    if (forger !== undefined) {
      inner = await new CompactSign(
        new TextEncoder().encode(JSON.stringify({ ...decodeJwt(inner), ...claims })),
      )
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'forged-sig' })
        .sign(forger.privateKey);
    }
    const { kty, crv, x, y } = encryption;
    return new CompactEncrypt(new TextEncoder().encode(inner))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc, cty: 'JWT', kid: encryption.kid! })
      .encrypt(await importJWK({ kty, crv, x, y }, 'ECDH-ES+A256KW'));
  }
});
