import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createDpopKey,
  createFlow,
  createTestClient,
  dpopProof,
  movableClock,
  openForTest,
  type TestClient,
} from './simulator-test-client.ts';
import { startSingpassSimulatorServer } from './start-simulator-server.ts';

describe('Singpass simulator: token and userinfo endpoints', () => {
  let sim: Awaited<ReturnType<typeof startSingpassSimulatorServer>>;
  let client: TestClient;
  let flow: ReturnType<typeof createFlow>;
  let jwksServer: ReturnType<typeof createServer>;
  let jwksHits = 0;
  const clock = movableClock();

  before(async () => {
    client = await createTestClient();
    // Serve the client's keys over HTTP, as a real relying party does (jwksUri).
    jwksServer = createServer((_req, res) => {
      jwksHits++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(client.publicJwks));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
    sim = await startSingpassSimulatorServer({
      clock,
      clients: [{ clientId: client.clientId, jwksUri, redirectUris: [client.redirectUri] }],
    });
    flow = createFlow(sim.app, sim.baseUrl, client);
  });
  after(async () => {
    await sim.close();
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
  });

  it('completes a FAPI login: DPoP token, sealed ID token, sealed userinfo', async () => {
    const login = await flow.fapiLogin('sg-citizen-mid');
    const res = await flow.token('fapi', login.callback.get('code')!, {
      verifier: login.verifier,
      dpop: login.dpop,
    });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.token_type, 'DPoP');
    const { claims, header } = await openForTest(client, String(res.json.id_token));
    assert.equal(header.alg, 'ECDH-ES+A256KW');
    assert.equal(header.enc, 'A256CBC-HS512');
    assert.equal(header.cty, 'JWT');
    assert.equal(header.kid, 'rp-enc-1');
    assert.equal(claims.iss, flow.fapi);
    assert.equal(claims.aud, client.clientId);
    assert.equal(claims.nonce, login.nonce);
    assert.match(String(claims.sub), /^[0-9a-f-]{36}$/);
    assert.equal(claims.sub_type, 'user');
    assert.equal(claims.acr, 'urn:singpass:authentication:loa:2');
    assert.deepEqual(claims.amr, ['pwd', 'sms']);
    assert.deepEqual(claims.sub_attributes, {
      account_type: 'standard',
      identity_number: 'S7912345E',
      identity_coi: 'SG',
      name: 'TEO KAI MING DANIEL',
    });
    assert.ok(jwksHits >= 1);

    const accessToken = String(res.json.access_token);
    const userinfo = await flow.call('GET', `${flow.fapi}/userinfo`, {
      authorization: `DPoP ${accessToken}`,
      dpop: await dpopProof(login.dpop!, 'GET', `${flow.fapi}/userinfo`, { accessToken }),
    });
    assert.equal(userinfo.status, 200, userinfo.body);
    assert.match(String(userinfo.headers['content-type']), /application\/jwt/);
    const info = await openForTest(client, userinfo.body);
    assert.equal(info.claims.sub, claims.sub);
    const person = info.claims.person_info as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(person).sort(), ['dob', 'name', 'regadd', 'uinfin']);
    assert.equal(person.regadd?.type, 'SG');
  });

  it('refuses userinfo without ath, with Bearer, or from another DPoP key', async () => {
    const login = await flow.fapiLogin();
    const res = await flow.token('fapi', login.callback.get('code')!, {
      verifier: login.verifier,
      dpop: login.dpop,
    });
    const at = String(res.json.access_token);
    const url = `${flow.fapi}/userinfo`;
    const noAth = await flow.call('GET', url, {
      authorization: `DPoP ${at}`,
      dpop: await dpopProof(login.dpop!, 'GET', url),
    });
    assert.equal(noAth.status, 401);
    const bearer = await flow.call('GET', url, { authorization: `Bearer ${at}` });
    assert.equal(bearer.status, 401);
    const other = await createDpopKey();
    const stolen = await flow.call('GET', url, {
      authorization: `DPoP ${at}`,
      dpop: await dpopProof(other, 'GET', url, { accessToken: at }),
    });
    assert.equal(stolen.status, 401);
  });

  it('requires the DPoP proof at the token endpoint, from the key bound at PAR', async () => {
    const login = await flow.fapiLogin();
    const code = login.callback.get('code')!;
    const missing = await flow.token('fapi', code, { verifier: login.verifier, dpop: null });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error, 'invalid_dpop_proof');
    const other = await flow.token('fapi', code, { verifier: login.verifier, dpop: await createDpopKey() });
    assert.equal(other.json.error, 'invalid_dpop_proof');
  });

  it('rejects a wrong PKCE verifier', async () => {
    const login = await flow.fapiLogin();
    const res = await flow.token('fapi', login.callback.get('code')!, {
      verifier: 'x'.repeat(43),
      dpop: login.dpop,
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.error, 'invalid_grant');
    assert.match(String(res.json.error_description), /PKCE/);
  });

  it('uses a code once and revokes the tokens of the first use', async () => {
    const login = await flow.fapiLogin();
    const code = login.callback.get('code')!;
    const first = await flow.token('fapi', code, { verifier: login.verifier, dpop: login.dpop });
    assert.equal(first.status, 200);
    const second = await flow.token('fapi', code, { verifier: login.verifier, dpop: login.dpop });
    assert.equal(second.json.error, 'invalid_grant');
    const at = String(first.json.access_token);
    const url = `${flow.fapi}/userinfo`;
    const userinfo = await flow.call('GET', url, {
      authorization: `DPoP ${at}`,
      dpop: await dpopProof(login.dpop!, 'GET', url, { accessToken: at }),
    });
    assert.equal(userinfo.status, 401);
  });

  it('lets a code expire after 60 s', async () => {
    const login = await flow.fapiLogin();
    clock.advance(61);
    try {
      const res = await flow.token('fapi', login.callback.get('code')!, {
        verifier: login.verifier,
        dpop: login.dpop,
      });
      assert.equal(res.json.error, 'invalid_grant');
    } finally {
      clock.advance(-61);
    }
  });

  it('rejects a redirect_uri other than the request one', async () => {
    const login = await flow.fapiLogin();
    const res = await flow.token('fapi', login.callback.get('code')!, {
      verifier: login.verifier,
      dpop: login.dpop,
      redirectUri: 'https://rp.example/other',
    });
    assert.equal(res.json.error, 'invalid_grant');
  });

  it('does not accept a FAPI code at the legacy token endpoint', async () => {
    const login = await flow.fapiLogin();
    const res = await flow.token('legacy', login.callback.get('code')!, { verifier: login.verifier });
    assert.equal(res.json.error, 'invalid_grant');
  });

  it('completes a legacy login: Bearer token, s=/u= subject, top-level userinfo', async () => {
    const login = await flow.legacyLogin('sg-citizen-london');
    assert.equal(login.auth.status, 302);
    assert.equal(login.callback.get('iss'), null);
    const res = await flow.token('legacy', login.callback.get('code')!, { verifier: login.verifier });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.token_type, 'Bearer');
    const { claims } = await openForTest(client, String(res.json.id_token));
    assert.equal(claims.iss, sim.baseUrl);
    assert.match(String(claims.sub), /^s=S8812345Z,u=[0-9a-f-]{36}$/);
    assert.equal(claims.sub_attributes, undefined);
    const userinfo = await flow.call('GET', `${sim.baseUrl}/userinfo`, {
      authorization: `Bearer ${res.json.access_token}`,
    });
    assert.equal(userinfo.status, 200, userinfo.body);
    const info = await openForTest(client, userinfo.body);
    assert.equal(info.claims.sub, claims.sub);
    assert.equal((info.claims.regadd as Record<string, unknown>).type, 'UNFORMATTED');
    assert.equal(info.claims.person_info, undefined);
  });

  it('writes a foreign account legacy subject with fid and coi', async () => {
    const login = await flow.legacyLogin('gb-foreign-account');
    const res = await flow.token('legacy', login.callback.get('code')!, { verifier: login.verifier });
    const { claims } = await openForTest(client, String(res.json.id_token));
    assert.match(String(claims.sub), /^s=Y1012345Q,fid=912345678,coi=GB,u=[0-9a-f-]{36}$/);
  });

  it('refuses an unregistered redirect_uri on the legacy authorization endpoint', async () => {
    const login = await flow.legacyLogin('sg-citizen-mid', { redirect_uri: 'https://evil.example/cb' });
    assert.equal(login.auth.status, 400);
    assert.equal(login.auth.headers.location, undefined);
  });
});
