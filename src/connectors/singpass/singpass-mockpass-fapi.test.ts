import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { evaluateAssertion, loadTrustFramework, mapClaims } from '../../trust/index.ts';
import { TRUST_FRAMEWORK_FILE } from '../../trust/test-fixtures.ts';
import { createSingpassConnector } from './index.ts';

/**
 * The FAPI connector against MockPass's FAPI 2.0 mode (`/singpass/v3/fapi`, MockPass ≥ 4.6), started
 * from code on loopback. MockPass fetches our JWKS from FAPI_CLIENT_JWKS_ENDPOINT (served here),
 * read when its module loads.
 *
 * The npm registry this project installs from serves MockPass 4.3.4, which has no FAPI routes; this
 * suite then skips, saying so. To run it against a MockPass ≥ 4.6 checkout (its dependencies
 * installed), set GOVBRIDGE_MOCKPASS_DIR to that directory.
 *
 * What MockPass FAPI sends (its lib/express/fapi): `acr` loa:1 and `amr` ["pwd"] to every request,
 * `sub_attributes` {account_type, identity_number, identity_coi, name}, the ID token sealed with
 * A256GCM while discovery lists A256CBC-HS512, a fractional `iat`, no `expires_in`, no `iss` on the
 * callback (not announced), no userinfo endpoint, `scopes_supported` openid uinfin user.identity name
 * (any other scope fails the PAR), and a login page at the authorization endpoint (a person picks a
 * profile; `auth/custom-profile?nric&uuid&request_uri` picks one directly).
 */
const require = createRequire(import.meta.url);
const MOCKPASS_DIR =
  process.env['GOVBRIDGE_MOCKPASS_DIR'] ?? dirname(require.resolve('@opengovsg/mockpass/package.json'));
const MOCKPASS_VERSION = (
  JSON.parse(readFileSync(join(MOCKPASS_DIR, 'package.json'), 'utf8')) as { version: string }
).version;
const HAS_FAPI = existsSync(join(MOCKPASS_DIR, 'lib/express/fapi'));
const NRIC = 'S8979373D';

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe(`Singpass connector, FAPI profile, against MockPass ${MOCKPASS_VERSION} FAPI`, {
  skip: HAS_FAPI
    ? false
    : `MockPass ${MOCKPASS_VERSION} has no FAPI routes (added in 4.6); set GOVBRIDGE_MOCKPASS_DIR to a MockPass >= 4.6 checkout`,
}, () => {
  let jwksServer: Server;
  let mockpass: Server;
  let issuer: string;
  let keys: { signing: JWK; encryption: JWK[] };
  const quiet = { debug: console.debug, warn: console.warn, log: console.log, error: console.error };
  const tf = loadTrustFramework(TRUST_FRAMEWORK_FILE);

  before(async () => {
    const sig = await generateKeyPair('ES256', { extractable: true });
    const enc = await generateKeyPair('ECDH-ES+A256KW', { extractable: true, crv: 'P-256' });
    keys = {
      signing: { ...(await exportJWK(sig.privateKey)), kid: 'hub-sig-mpf' },
      encryption: [{ ...(await exportJWK(enc.privateKey)), kid: 'hub-enc-mpf' }],
    };
    const publicJwks = createSingpassConnector({
      issuer: 'x',
      clientId: 'x',
      profile: 'fapi',
      keys,
      timeoutMs: 1,
    }).publicJwks();
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(publicJwks));
    });
    process.env['FAPI_CLIENT_JWKS_ENDPOINT'] = `http://127.0.0.1:${await listen(jwksServer)}/jwks`;
    // MockPass logs every request and token; keep the test output readable.
    console.debug = () => {};
    console.warn = () => {};
    console.log = () => {};
    const { app } = createRequire(join(MOCKPASS_DIR, 'app.js'))(join(MOCKPASS_DIR, 'app.js')) as {
      app: { listen(port: number, host: string, cb: () => void): Server };
    };
    mockpass = await new Promise<Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
    issuer = `http://127.0.0.1:${(mockpass.address() as AddressInfo).port}/singpass/v3/fapi`;
  });
  after(async () => {
    Object.assign(console, quiet);
    mockpass?.closeAllConnections();
    if (mockpass) await close(mockpass);
    if (jwksServer) await close(jwksServer);
  });

  it('a full login succeeds at loa:1, with the name from sub_attributes; the trust framework judges the level', async () => {
    const redirectUri = 'http://127.0.0.1/callback/singpass';
    const connector = createSingpassConnector({
      issuer,
      clientId: 'govbridge-mockpass-fapi',
      profile: 'fapi',
      keys,
      timeoutMs: 5000,
    });
    const { authorizationUrl, transaction, unsupportedScopes } = await connector.begin({
      request: {
        scheme: 'singpass',
        acrValues: ['urn:singpass:authentication:loa:2'],
        scopes: ['openid', 'user.identity', 'name', 'email', 'dob'],
      },
      redirectUri,
    });
    // MockPass refuses a PAR with any scope outside scopes_supported; the connector did not send them.
    assert.deepEqual(unsupportedScopes, ['email', 'dob']);

    // The authorization endpoint shows MockPass's login page; pick a profile as a person would.
    const page = await fetch(authorizationUrl);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /data-asserturl=/);
    const requestUri = new URL(authorizationUrl).searchParams.get('request_uri')!;
    const pick = new URL(`${issuer}/auth/custom-profile`);
    pick.search = new URLSearchParams({ nric: NRIC, uuid: randomUUID(), request_uri: requestUri }).toString();
    const res = await fetch(pick, { redirect: 'manual' });
    assert.equal(res.status, 302);
    const callback = new URL(String(res.headers.get('location')));
    assert.equal(callback.origin + callback.pathname, redirectUri);
    assert.equal(callback.searchParams.get('iss'), null, 'MockPass sends no iss and does not announce it');

    const assertion = await connector.complete(callback.searchParams, transaction);
    if (assertion.scheme !== 'singpass') return assert.fail();
    assert.equal(assertion.profile, 'fapi');
    assert.equal(assertion.acr, 'urn:singpass:authentication:loa:1');
    assert.deepEqual(assertion.amr, ['pwd']);
    assert.equal(assertion.accountType, 'standard');
    assert.equal(assertion.identityNumber, NRIC);
    assert.deepEqual(assertion.person, {}, 'no userinfo endpoint');
    assert.equal(typeof assertion.subAttributes?.name, 'string');

    const claims = mapClaims(tf, assertion, ['name']);
    assert.equal(claims.claims['name'], assertion.subAttributes?.name);
    assert.equal(claims.sources['name']?.source, 'subAttributes.name');
    assert.equal(evaluateAssertion(tf, assertion, 'urn:govbridge:loa:low').satisfied, true);
    assert.equal(evaluateAssertion(tf, assertion, 'urn:govbridge:loa:substantial').satisfied, false);
  });
});
