import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair } from 'jose';
import {
  clientAssertion,
  createDpopKey,
  createFlow,
  createTestClient,
  dpopProof,
  movableClock,
  type TestClient,
} from './simulator-test-client.ts';
import { startSingpassSimulatorServer } from './start-simulator-server.ts';

describe('Singpass simulator: pushed authorization requests and the authorization endpoint', () => {
  let sim: Awaited<ReturnType<typeof startSingpassSimulatorServer>>;
  let client: TestClient;
  let flow: ReturnType<typeof createFlow>;
  const clock = movableClock();

  before(async () => {
    client = await createTestClient();
    sim = await startSingpassSimulatorServer({
      clock,
      clients: [{ clientId: client.clientId, jwks: client.publicJwks, redirectUris: [client.redirectUri] }],
    });
    flow = createFlow(sim.app, sim.baseUrl, client);
  });
  after(() => sim.close());

  it('accepts a correct push: 201 with a request_uri living 60 s', async () => {
    const { res } = await flow.par();
    assert.equal(res.status, 201);
    assert.match(String(res.json.request_uri), /^urn:ietf:params:oauth:request_uri:/);
    assert.equal(res.json.expires_in, 60);
  });

  it('accepts dpop_jkt instead of a DPoP header', async () => {
    const dpop = await createDpopKey();
    const { res } = await flow.par({ dpop: null, body: { dpop_jkt: dpop.jkt } });
    assert.equal(res.status, 201);
  });

  const rejects = (res: { status: number; json: Record<string, unknown> }, status: number, error: string) => {
    assert.equal(res.status, status, JSON.stringify(res.json));
    assert.equal(res.json.error, error);
  };

  it('rejects a client assertion signed by another key', async () => {
    const other = await generateKeyPair('ES256');
    const assertion = await clientAssertion(client, flow.fapi, { key: other.privateKey });
    rejects((await flow.par({ assertion })).res, 401, 'invalid_client');
  });

  it('rejects a client assertion whose exp is more than 2 minutes after iat', async () => {
    const iat = clock.epochSeconds();
    const assertion = await clientAssertion(client, flow.fapi, { iat, exp: iat + 121 });
    const { res } = await flow.par({ assertion });
    rejects(res, 401, 'invalid_client');
    assert.match(String(res.json.error_description), /2 minutes/);
  });

  it('rejects a client assertion for another audience', async () => {
    const assertion = await clientAssertion(client, `${sim.baseUrl}/fapi/token`);
    rejects((await flow.par({ assertion })).res, 401, 'invalid_client');
  });

  it('rejects an expired client assertion', async () => {
    const iat = clock.epochSeconds() - 300;
    rejects(
      (await flow.par({ assertion: await clientAssertion(client, flow.fapi, { iat, exp: iat + 60 }) })).res,
      401,
      'invalid_client',
    );
  });

  it('rejects a replayed client assertion jti', async () => {
    const assertion = await clientAssertion(client, flow.fapi, { jti: 'same-jti' });
    assert.equal((await flow.par({ assertion })).res.status, 201);
    rejects((await flow.par({ assertion })).res, 401, 'invalid_client');
  });

  it('rejects an unknown client', async () => {
    const assertion = await clientAssertion(client, flow.fapi, { iss: 'stranger' });
    rejects((await flow.par({ assertion, body: { client_id: 'stranger' } })).res, 401, 'invalid_client');
  });

  it('requires a DPoP proof or dpop_jkt', async () => {
    rejects((await flow.par({ dpop: null })).res, 400, 'invalid_request');
  });

  it('rejects a replayed DPoP proof (same jti)', async () => {
    const dpop = await createDpopKey();
    const proof = await dpopProof(dpop, 'POST', `${flow.fapi}/par`);
    assert.equal((await flow.par({ proof })).res.status, 201);
    rejects((await flow.par({ proof })).res, 400, 'invalid_dpop_proof');
  });

  it('rejects a stale DPoP proof (iat older than 2 minutes)', async () => {
    const proof = await dpopProof(await createDpopKey(), 'POST', `${flow.fapi}/par`, {
      iat: clock.epochSeconds() - 180,
    });
    rejects((await flow.par({ proof })).res, 400, 'invalid_dpop_proof');
  });

  it('rejects a DPoP proof with the wrong typ, htm or htu', async () => {
    const key = await createDpopKey();
    for (const proof of [
      await dpopProof(key, 'POST', `${flow.fapi}/par`, { typ: 'JWT' }),
      await dpopProof(key, 'GET', `${flow.fapi}/par`),
      await dpopProof(key, 'POST', `${flow.fapi}/token`),
    ]) {
      rejects((await flow.par({ proof })).res, 400, 'invalid_dpop_proof');
    }
  });

  it('rejects a dpop_jkt that differs from the proof key', async () => {
    const other = await createDpopKey();
    rejects((await flow.par({ body: { dpop_jkt: other.jkt } })).res, 400, 'invalid_dpop_proof');
  });

  it('rejects an unregistered redirect_uri', async () => {
    rejects(
      (await flow.par({ body: { redirect_uri: 'https://evil.example/cb' } })).res,
      400,
      'invalid_request',
    );
  });

  it('requires PKCE with S256', async () => {
    rejects((await flow.par({ body: { code_challenge: undefined } })).res, 400, 'invalid_request');
    rejects((await flow.par({ body: { code_challenge_method: 'plain' } })).res, 400, 'invalid_request');
  });

  it('requires state, nonce, openid and response_type=code', async () => {
    rejects((await flow.par({ body: { state: undefined } })).res, 400, 'invalid_request');
    rejects((await flow.par({ body: { nonce: undefined } })).res, 400, 'invalid_request');
    rejects((await flow.par({ body: { scope: 'name' } })).res, 400, 'invalid_scope');
    rejects((await flow.par({ body: { response_type: 'token' } })).res, 400, 'unsupported_response_type');
  });

  it('rejects a request_uri inside the push and unknown acr values', async () => {
    rejects((await flow.par({ body: { request_uri: 'urn:x' } })).res, 400, 'invalid_request');
    rejects((await flow.par({ body: { acr_values: 'loa2' } })).res, 400, 'invalid_request');
  });

  it('rejects a login_hint naming an unknown persona', async () => {
    rejects((await flow.par({ loginHint: 'nobody' })).res, 400, 'invalid_request');
  });

  it('uses a request_uri once', async () => {
    const { requestUri } = await flow.par();
    assert.equal((await flow.authorize(requestUri)).status, 302);
    rejects(await flow.authorize(requestUri), 400, 'invalid_request_uri');
  });

  it('lets a request_uri expire after 60 s', async () => {
    const { requestUri } = await flow.par();
    clock.advance(61);
    try {
      rejects(await flow.authorize(requestUri), 400, 'invalid_request_uri');
    } finally {
      clock.advance(-61);
    }
  });

  it('takes only client_id and request_uri at the authorization endpoint', async () => {
    const { requestUri } = await flow.par();
    rejects(await flow.authorize(requestUri, '&scope=openid'), 400, 'invalid_request');
  });

  it('refuses a request_uri presented by another client_id', async () => {
    const { requestUri } = await flow.par();
    const res = await flow.call(
      'GET',
      `${flow.fapi}/auth?client_id=other&request_uri=${encodeURIComponent(requestUri)}`,
    );
    rejects(res, 400, 'invalid_request');
  });

  it('redirects headlessly with code, state and iss', async () => {
    const { callback, state } = await flow.fapiLogin();
    assert.ok(callback.get('code'));
    assert.equal(callback.get('state'), state);
    assert.equal(callback.get('iss'), flow.fapi);
  });
});
