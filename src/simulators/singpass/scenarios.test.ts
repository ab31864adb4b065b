import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compactVerify, createLocalJWKSet } from 'jose';
import { parseLoginHint } from './scenarios.ts';
import {
  createFlow,
  createTestClient,
  type DpopKey,
  dpopProof,
  openForTest,
  type TestClient,
} from './simulator-test-client.ts';
import { startSingpassSimulatorServer } from './start-simulator-server.ts';
import type { SingpassSimulatorOptions } from './types.ts';

type Sim = Awaited<ReturnType<typeof startSingpassSimulatorServer>>;

async function start(client: TestClient, extra: Partial<SingpassSimulatorOptions> = {}): Promise<Sim> {
  return startSingpassSimulatorServer({
    clients: [{ clientId: client.clientId, jwks: client.publicJwks, redirectUris: [client.redirectUri] }],
    ...extra,
  });
}

describe('Singpass simulator: scenarios', () => {
  let client: TestClient;
  let sim: Sim;
  let flow: ReturnType<typeof createFlow>;
  before(async () => {
    client = await createTestClient();
    sim = await start(client, { slowMs: 300 });
    flow = createFlow(sim.app, sim.baseUrl, client);
  });
  after(() => sim.close());

  const loginAndToken = async (profile: 'fapi' | 'legacy', hint: string) => {
    const login = profile === 'fapi' ? await flow.fapiLogin(hint) : await flow.legacyLogin(hint);
    const dpop = 'dpop' in login ? (login.dpop as DpopKey | null) : undefined;
    const token = await flow.token(profile, login.callback.get('code') ?? '', {
      verifier: login.verifier,
      dpop,
    });
    return { login, token };
  };

  it('parses login_hint as persona[:scenario]', () => {
    assert.deepEqual(parseLoginHint('sg-pr'), { personaId: 'sg-pr' });
    assert.deepEqual(parseLoginHint('sg-pr:slow'), { personaId: 'sg-pr', scenario: 'slow' });
    assert.equal(parseLoginHint('sg-pr:nonsense'), null);
    assert.equal(parseLoginHint(undefined), null);
  });

  for (const profile of ['fapi', 'legacy'] as const) {
    describe(profile, () => {
      for (const error of ['access_denied', 'temporarily_unavailable'] as const) {
        it(`${error}: the callback carries the error and the state`, async () => {
          const login =
            profile === 'fapi'
              ? await flow.fapiLogin(`sg-pr:${error}`)
              : await flow.legacyLogin(`sg-pr:${error}`);
          assert.equal(login.callback.get('error'), error);
          assert.equal(login.callback.get('state'), login.state);
          assert.equal(login.callback.get('code'), null);
        });
      }

      it('bad_signature: the ID token does not verify with the published key', async () => {
        const { token } = await loginAndToken(profile, 'sg-pr:bad_signature');
        const { jws, header } = await openForTest(client, String(token.json.id_token));
        assert.equal(header.cty, 'JWT');
        const jwks = (
          await flow.call('GET', `${profile === 'fapi' ? flow.fapi : sim.baseUrl}/.well-known/keys`)
        ).json;
        await assert.rejects(compactVerify(jws, createLocalJWKSet(jwks as never)));
        const good = await loginAndToken(profile, 'sg-pr');
        await compactVerify(
          (await openForTest(client, String(good.token.json.id_token))).jws,
          createLocalJWKSet(jwks as never),
        );
      });

      it('expired_token: exp is in the past', async () => {
        const { token } = await loginAndToken(profile, 'sg-pr:expired_token');
        const { claims } = await openForTest(client, String(token.json.id_token));
        assert.ok(Number(claims.exp) < Date.now() / 1000);
      });

      it('wrong_nonce: nonce differs from the request', async () => {
        const { login, token } = await loginAndToken(profile, 'sg-pr:wrong_nonce');
        const { claims } = await openForTest(client, String(token.json.id_token));
        assert.notEqual(claims.nonce, login.nonce);
      });

      it('wrong_audience: aud is another client', async () => {
        const { token } = await loginAndToken(profile, 'sg-pr:wrong_audience');
        const { claims } = await openForTest(client, String(token.json.id_token));
        assert.notEqual(claims.aud, client.clientId);
      });

      it('slow: the token endpoint answers only after slowMs', async () => {
        const started = Date.now();
        const { token } = await loginAndToken(profile, 'sg-pr:slow');
        assert.equal(token.status, 200);
        assert.ok(Date.now() - started >= 300);
      });

      it('down: the token endpoint answers 503', async () => {
        const { token } = await loginAndToken(profile, 'sg-pr:down');
        assert.equal(token.status, 503);
      });
    });
  }

  it('lower_assurance: acr one level below the request', async () => {
    const { token } = await loginAndToken('fapi', 'sg-pr:lower_assurance');
    const { claims } = await openForTest(client, String(token.json.id_token));
    assert.equal(claims.acr, 'urn:singpass:authentication:loa:1');
    assert.deepEqual(claims.amr, ['pwd']);
  });

  it('a password-only persona reaches loa:1 whatever is asked', async () => {
    const { token } = await loginAndToken('fapi', 'sg-citizen-password-only');
    const { claims } = await openForTest(client, String(token.json.id_token));
    assert.equal(claims.acr, 'urn:singpass:authentication:loa:1');
  });

  // What the real service and MockPass are known to send, each selectable per login.
  it('enc_a256gcm: ID token and userinfo sealed with A256GCM while discovery lists A256CBC-HS512', async () => {
    const discovery = await flow.call('GET', `${flow.fapi}/.well-known/openid-configuration`);
    assert.deepEqual(discovery.json.id_token_encryption_enc_values_supported, ['A256CBC-HS512']);
    const { token } = await loginAndToken('fapi', 'sg-pr:enc_a256gcm');
    assert.equal((await openForTest(client, String(token.json.id_token))).header.enc, 'A256GCM');
    const normal = await loginAndToken('fapi', 'sg-pr');
    assert.equal((await openForTest(client, String(normal.token.json.id_token))).header.enc, 'A256CBC-HS512');
  });

  it('float_times: iat, exp and auth_time carry fractions of a second', async () => {
    const { token } = await loginAndToken('fapi', 'sg-pr:float_times');
    const { claims } = await openForTest(client, String(token.json.id_token));
    for (const k of ['iat', 'exp', 'auth_time']) {
      assert.equal(typeof claims[k], 'number', k);
      assert.ok(!Number.isInteger(claims[k]), `${k} has a fraction`);
    }
  });

  it('no_expires_in: the token response has no expires_in', async () => {
    const { token } = await loginAndToken('fapi', 'sg-pr:no_expires_in');
    assert.equal(token.status, 200);
    assert.equal('expires_in' in token.json, false);
    assert.equal((await loginAndToken('fapi', 'sg-pr')).token.json.expires_in, 1800);
  });

  it('no_iss: the FAPI callback has no iss although discovery announces it', async () => {
    const login = await flow.fapiLogin('sg-pr:no_iss');
    assert.ok(login.callback.get('code'));
    assert.equal(login.callback.get('iss'), null);
    assert.equal((await flow.fapiLogin('sg-pr')).callback.get('iss'), `${sim.baseUrl}/fapi`);
  });

  it('mockpass_fapi: loa:1 + pwd whatever asked, A256GCM, fractional iat, no expires_in, no iss', async () => {
    const { login, token } = await loginAndToken('fapi', 'sg-citizen-mid:mockpass_fapi');
    assert.equal(login.callback.get('iss'), null);
    assert.equal('expires_in' in token.json, false);
    const { header, claims } = await openForTest(client, String(token.json.id_token));
    assert.equal(header.enc, 'A256GCM');
    assert.equal(claims.acr, 'urn:singpass:authentication:loa:1');
    assert.deepEqual(claims.amr, ['pwd']);
    assert.ok(!Number.isInteger(claims.iat));
    assert.deepEqual(claims.sub_attributes, {
      account_type: 'standard',
      identity_number: 'S7912345E',
      identity_coi: 'SG',
      name: 'TEO KAI MING DANIEL',
    });
  });

  it('loa:3 gives face verification to a persona who has it', async () => {
    const login = await flow.fapiLogin('sg-citizen-young', {
      acr_values: 'urn:singpass:authentication:loa:3',
    });
    const token = await flow.token('fapi', login.callback.get('code')!, {
      verifier: login.verifier,
      dpop: login.dpop,
    });
    const { claims } = await openForTest(client, String(token.json.id_token));
    assert.equal(claims.acr, 'urn:singpass:authentication:loa:3');
    assert.deepEqual(claims.amr, ['fv']);
  });
});

describe('Singpass simulator: settings', () => {
  it('defaultScenario applies when login_hint names none', async () => {
    const client = await createTestClient();
    const sim = await start(client, { defaultScenario: 'access_denied' });
    try {
      const flow = createFlow(sim.app, sim.baseUrl, client);
      assert.equal((await flow.fapiLogin('sg-pr')).callback.get('error'), 'access_denied');
      assert.ok((await flow.fapiLogin('sg-pr:normal')).callback.get('code'));
    } finally {
      await sim.close();
    }
  });

  it('contentEncryption A256GCM seals ID tokens with A256GCM', async () => {
    const client = await createTestClient();
    const sim = await start(client, { contentEncryption: 'A256GCM' });
    try {
      const flow = createFlow(sim.app, sim.baseUrl, client);
      const login = await flow.fapiLogin();
      const token = await flow.token('fapi', login.callback.get('code')!, {
        verifier: login.verifier,
        dpop: login.dpop,
      });
      assert.equal((await openForTest(client, String(token.json.id_token))).header.enc, 'A256GCM');
    } finally {
      await sim.close();
    }
  });

  it('a Login-app deployment: no userinfo endpoint, no iss, a short scopes_supported enforced', async () => {
    const client = await createTestClient();
    const sim = await start(client, {
      userinfoEndpoint: false,
      issParameter: false,
      scopesSupported: ['openid', 'user.identity', 'name'],
    });
    try {
      const flow = createFlow(sim.app, sim.baseUrl, client);
      const d = (await flow.call('GET', `${flow.fapi}/.well-known/openid-configuration`)).json;
      assert.equal(d.userinfo_endpoint, undefined);
      assert.equal(d.authorization_response_iss_parameter_supported, undefined);
      assert.deepEqual(d.scopes_supported, ['openid', 'user.identity', 'name']);
      // The test client asks for uinfin dob regadd too: refused as a whole (RFC 6749 §4.1.2.1).
      const refused = await flow.par();
      assert.equal(refused.res.status, 400);
      assert.equal(refused.res.json.error, 'invalid_scope');
      assert.match(String(refused.res.json.error_description), /uinfin dob regadd/);
      const login = await flow.fapiLogin('sg-citizen-mid', { scope: 'openid user.identity name' });
      assert.ok(login.callback.get('code'));
      assert.equal(login.callback.get('iss'), null);
      const token = await flow.token('fapi', login.callback.get('code')!, {
        verifier: login.verifier,
        dpop: login.dpop,
      });
      const { claims } = await openForTest(client, String(token.json.id_token));
      assert.equal((claims.sub_attributes as Record<string, unknown>).name, 'TEO KAI MING DANIEL');
      const userinfo = await flow.call('GET', `${flow.fapi}/userinfo`);
      assert.equal(userinfo.status, 404);
    } finally {
      await sim.close();
    }
  });

  it('requireDpopNonce asks for a server nonce (use_dpop_nonce + DPoP-Nonce)', async () => {
    const client = await createTestClient();
    const sim = await start(client, { requireDpopNonce: true });
    try {
      const flow = createFlow(sim.app, sim.baseUrl, client);
      const first = await flow.par();
      assert.equal(first.res.status, 400);
      assert.equal(first.res.json.error, 'use_dpop_nonce');
      const nonce = String(first.res.headers['dpop-nonce']);
      assert.ok(nonce.length > 10);
      const proof = await dpopProof(first.dpop!, 'POST', `${flow.fapi}/par`, { nonce });
      assert.equal((await flow.par({ dpop: first.dpop, proof })).res.status, 201);
    } finally {
      await sim.close();
    }
  });
});
