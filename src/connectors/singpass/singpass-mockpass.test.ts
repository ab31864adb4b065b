import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { GovbridgeError } from '../../kernel/index.ts';
import { createSingpassConnector } from './index.ts';

/**
 * The legacy connector against MockPass 4.3.4 (npm `@opengovsg/mockpass`), Singpass "v2" flow at
 * /singpass/v2. MockPass is started from code on loopback; it fetches our JWKS from
 * SP_RP_JWKS_ENDPOINT (served here) to verify our client assertion and to pick the key it encrypts
 * the ID token to.
 *
 * MockPass 4.3.4 differs from Singpass: its v2 authorize endpoint accepts exactly `scope=openid`
 * (anything else is `invalid_scope`; its discovery says `scopes_supported: ["openid"]`, so the
 * connector asks for nothing else and reports the rest as unsupported) and ignores `acr_values`, and
 * its ID token has no `acr` claim, which the connector passes on as absent (the trust framework then
 * reads the login at the lowest Singpass level, like loa:1; see README). Later MockPass releases (4.6)
 * accept any scope list containing `openid` in v2 and add FAPI (singpass-mockpass-fapi.test.ts).
 */
const listen = (server: Server): Promise<number> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe('Singpass connector, legacy profile, against MockPass 4.3.4', () => {
  let jwksServer: Server;
  let mockpass: Server;
  let issuer: string;
  let keys: { signing: JWK; encryption: JWK[] };
  const quiet = { debug: console.debug, warn: console.warn, log: console.log, error: console.error };

  before(async () => {
    const sig = await generateKeyPair('ES256', { extractable: true });
    const enc = await generateKeyPair('ECDH-ES+A256KW', { extractable: true, crv: 'P-256' });
    keys = {
      signing: { ...(await exportJWK(sig.privateKey)), kid: 'hub-sig-mp' },
      encryption: [{ ...(await exportJWK(enc.privateKey)), kid: 'hub-enc-mp' }],
    };
    const publicJwks = createSingpassConnector({
      issuer: 'x',
      clientId: 'x',
      profile: 'legacy',
      keys,
      timeoutMs: 1,
    }).publicJwks();
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(publicJwks));
    });
    const jwksPort = await listen(jwksServer);

    process.env.SP_RP_JWKS_ENDPOINT = `http://127.0.0.1:${jwksPort}/jwks`;
    process.env.SHOW_LOGIN_PAGE = 'false';
    process.env.MOCKPASS_NRIC = 'S8979373D';
    // MockPass logs every request and token; keep the test output readable.
    console.debug = () => {};
    console.warn = () => {};
    console.log = () => {};
    const require = createRequire(import.meta.url);
    const { app } = require('@opengovsg/mockpass/app') as {
      app: { listen(port: number, host: string, cb: () => void): Server };
    };
    mockpass = await new Promise<Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
    issuer = `http://127.0.0.1:${(mockpass.address() as AddressInfo).port}/singpass/v2`;
  });

  after(async () => {
    Object.assign(console, quiet);
    mockpass.closeAllConnections();
    await close(mockpass);
    await close(jwksServer);
  });

  it('completes a legacy login; MockPass sends no acr, which is passed on as absent', async () => {
    const redirectUri = 'http://127.0.0.1/callback';
    const connector = createSingpassConnector({
      issuer,
      clientId: 'govbridge-mockpass-test',
      profile: 'legacy',
      keys,
      timeoutMs: 5000,
    });
    const { authorizationUrl, transaction } = await connector.begin({
      request: { scheme: 'singpass', acrValues: [], scopes: ['openid', 'user.identity'] },
      redirectUri,
    });
    assert.ok(authorizationUrl.startsWith(`${issuer}/authorize?`));
    const res = await fetch(authorizationUrl, { redirect: 'manual' });
    assert.equal(res.status, 302);
    const callback = new URL(String(res.headers.get('location')));
    assert.equal(callback.origin + callback.pathname, redirectUri);

    assert.equal(new URL(authorizationUrl).searchParams.get('scope'), 'openid', 'legacy drops user.identity');

    const assertion = await connector.complete(callback.searchParams, transaction);
    assert.equal(assertion.scheme, 'singpass');
    assert.equal(assertion.profile, 'legacy');
    assert.equal(assertion.acr, undefined);
    assert.equal(assertion.accountType, 'standard');
    assert.equal(assertion.identityNumber, 'S8979373D');
    assert.match(assertion.subject, /^[0-9a-f-]{36}$/i, 'subject is the u= UUID, never the NRIC');
  });

  it('asks only for openid (its scopes_supported) when more is wanted, reports the rest, and completes', async () => {
    const connector = createSingpassConnector({
      issuer,
      clientId: 'govbridge-mockpass-test',
      profile: 'legacy',
      keys,
      timeoutMs: 5000,
    });
    const { authorizationUrl, transaction, unsupportedScopes } = await connector.begin({
      request: { scheme: 'singpass', acrValues: [], scopes: ['openid', 'user.identity', 'name', 'dob'] },
      redirectUri: 'http://127.0.0.1/callback',
    });
    assert.equal(new URL(authorizationUrl).searchParams.get('scope'), 'openid');
    assert.deepEqual(unsupportedScopes, ['name', 'dob']);
    const res = await fetch(authorizationUrl, { redirect: 'manual' });
    assert.equal(res.status, 302, 'MockPass 4.3.4 would answer 400 invalid_scope to "openid name dob"');
    const callback = new URL(String(res.headers.get('location')));
    const assertion = await connector.complete(callback.searchParams, transaction);
    assert.equal(assertion.scheme, 'singpass');
  });

  it('refuses a MockPass response whose state is not this login', async () => {
    const connector = createSingpassConnector({
      issuer,
      clientId: 'govbridge-mockpass-test',
      profile: 'legacy',
      keys,
      timeoutMs: 5000,
    });
    const { authorizationUrl, transaction } = await connector.begin({
      request: { scheme: 'singpass', acrValues: [], scopes: ['openid'] },
      redirectUri: 'http://127.0.0.1/callback',
    });
    const res = await fetch(authorizationUrl, { redirect: 'manual' });
    const callback = new URL(String(res.headers.get('location')));
    callback.searchParams.set('state', 'not-the-state');
    await assert.rejects(connector.complete(callback.searchParams, transaction), (err: unknown) => {
      assert.ok(err instanceof GovbridgeError);
      assert.equal(err.code, 'upstream_invalid_response');
      return true;
    });
  });
});
