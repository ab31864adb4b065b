import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { createLocalJWKSet, decodeJwt, generateKeyPair, jwtVerify } from 'jose';
import {
  clientAssertion,
  createTestClient,
  type Harness,
  login,
  PREFIX,
  pkcePair,
  REDIRECT_URI,
  redeem,
  startSimulator,
} from './simulator-harness.ts';

describe('One Login simulator: /token and the ID token', () => {
  let h: Harness;
  let jwks: ReturnType<typeof createLocalJWKSet>;
  before(async () => {
    h = await startSimulator({ slowDelayMs: 400 });
    jwks = createLocalJWKSet((await h.app.inject({ url: `${PREFIX}/.well-known/jwks.json` })).json());
  });
  after(() => h.close());

  const codeFor = async (hint = 'eleanor-whitfield', vtr = '["Cl.Cm.P2"]') =>
    (await login(h, { loginHint: hint, vtr, nonce: 'n-123' })).get('code')!;

  it('answers with access_token, Bearer, expires_in 180 and an ES256 ID token with the documented claims', async () => {
    const res = await redeem(h, await codeFor());
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'id_token', 'token_type']);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 180);
    const { payload, protectedHeader } = await jwtVerify(body.id_token, jwks, {
      issuer: h.baseUrl,
      audience: h.client.clientId,
      algorithms: ['ES256'],
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.match(payload.sub ?? '', /^urn:fdc:gov\.uk:2022:[\w-]{43}$/);
    assert.equal(payload.nonce, 'n-123');
    assert.equal(payload.vot, 'Cl.Cm', 'credential part only, even on a P2 request');
    assert.equal(payload.vtm, `${h.baseUrl}/trustmark`);
    for (const claim of ['sid', 'auth_time', 'at_hash', 'iat', 'exp'])
      assert.ok(payload[claim] !== undefined, claim);
  });

  it('gives the same person the same pairwise sub each time', async () => {
    const a = decodeJwt((await redeem(h, await codeFor('tan-wei-ling'))).json().id_token).sub;
    const b = decodeJwt((await redeem(h, await codeFor('tan-wei-ling'))).json().id_token).sub;
    const c = decodeJwt((await redeem(h, await codeFor('oliver-bennett'))).json().id_token).sub;
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it('vot is Cl for a ["Cl"] request', async () => {
    const res = await redeem(h, await codeFor('eleanor-whitfield', '["Cl"]'));
    assert.equal(decodeJwt(res.json().id_token).vot, 'Cl');
  });

  it('signs RS256 ID tokens for a client registered so', async () => {
    const rs = await startSimulator({
      clients: (client) => [
        {
          clientId: client.clientId,
          jwks: { keys: [client.publicJwk] },
          redirectUris: [REDIRECT_URI],
          idTokenSigningAlg: 'RS256',
        },
      ],
    });
    try {
      const code = (await login(rs)).get('code')!;
      const idToken = (await redeem(rs, code)).json().id_token;
      const set = createLocalJWKSet((await rs.app.inject({ url: `${PREFIX}/.well-known/jwks.json` })).json());
      const { protectedHeader } = await jwtVerify(idToken, set, { algorithms: ['RS256'] });
      assert.equal(protectedHeader.alg, 'RS256');
    } finally {
      await rs.close();
    }
  });

  it("fetches a client's keys from its jwksUri", async () => {
    const keysServer = Fastify();
    let served = 0;
    const keyed = await createTestClient(undefined, 'from-jwks-uri');
    keysServer.get('/jwks', async () => {
      served++;
      return { keys: [keyed.publicJwk] };
    });
    await keysServer.listen({ host: '127.0.0.1', port: 0 });
    const address = keysServer.server.address();
    const jwksUri = `http://127.0.0.1:${address && typeof address === 'object' ? address.port : 0}/jwks`;
    const viaUri = await startSimulator({
      client: keyed,
      clients: (client) => [{ clientId: client.clientId, jwksUri, redirectUris: [REDIRECT_URI] }],
    });
    try {
      const code = (await login(viaUri)).get('code')!;
      assert.equal((await redeem(viaUri, code)).statusCode, 200);
      assert.equal(served, 1, 'cached between uses');
    } finally {
      await viaUri.close();
      await keysServer.close();
    }
  });

  describe('client authentication (private_key_jwt)', () => {
    const expectInvalidClient = async (assertion: string) => {
      const res = await redeem(h, await codeFor(), { assertion });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error, 'invalid_client');
    };

    it('rejects an assertion signed by an unregistered key', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      await expectInvalidClient(await clientAssertion(h.client, { baseUrl: h.baseUrl, key: privateKey }));
    });

    it('rejects a wrong aud', async () => {
      await expectInvalidClient(
        await clientAssertion(h.client, { baseUrl: h.baseUrl, aud: `${h.baseUrl}/authorize` }),
      );
    });

    it('rejects sub different from iss', async () => {
      await expectInvalidClient(await clientAssertion(h.client, { baseUrl: h.baseUrl, sub: 'someone-else' }));
    });

    it('rejects a missing jti', async () => {
      await expectInvalidClient(await clientAssertion(h.client, { baseUrl: h.baseUrl, jti: null }));
    });

    it('rejects an expired assertion', async () => {
      await expectInvalidClient(
        await clientAssertion(h.client, { baseUrl: h.baseUrl, exp: Math.floor(Date.now() / 1000) - 600 }),
      );
    });

    it('rejects a replayed jti', async () => {
      const assertion = await clientAssertion(h.client, { baseUrl: h.baseUrl, jti: 'jti-once' });
      assert.equal((await redeem(h, await codeFor(), { assertion })).statusCode, 200);
      await expectInvalidClient(assertion);
    });

    it('accepts aud = issuer and PS256', async () => {
      const byIssuer = await clientAssertion(h.client, { baseUrl: h.baseUrl, aud: h.baseUrl });
      assert.equal((await redeem(h, await codeFor(), { assertion: byIssuer })).statusCode, 200);
      const ps = await startSimulator({ client: await createTestClient(undefined, 'ps-key', 'PS256') });
      try {
        const code = (await login(ps)).get('code')!;
        const assertion = await clientAssertion(ps.client, { baseUrl: ps.baseUrl, alg: 'PS256' });
        assert.equal((await redeem(ps, code, { assertion })).statusCode, 200);
      } finally {
        await ps.close();
      }
    });

    it('rejects a request without client_assertion', async () => {
      const res = await h.app.inject({
        method: 'POST',
        url: `${PREFIX}/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          grant_type: 'authorization_code',
          code: await codeFor(),
          redirect_uri: REDIRECT_URI,
        }).toString(),
      });
      assert.equal(res.statusCode, 401);
    });
  });

  describe('the code', () => {
    it('cannot be used twice', async () => {
      const code = await codeFor();
      assert.equal((await redeem(h, code)).statusCode, 200);
      const again = await redeem(h, code);
      assert.equal(again.statusCode, 400);
      assert.equal(again.json().error, 'invalid_grant');
    });

    it('must come with the same redirect_uri', async () => {
      const res = await redeem(h, await codeFor(), { redirectUri: 'https://hub.govbridge.example/other' });
      assert.equal(res.json().error, 'invalid_grant');
    });

    it('rejects an unknown code', async () => {
      assert.equal((await redeem(h, 'not-a-code')).json().error, 'invalid_grant');
    });

    it('checks PKCE S256: right verifier passes, wrong or missing fails', async () => {
      const { verifier, challenge } = pkcePair();
      const code = (await login(h, { codeChallenge: challenge })).get('code')!;
      assert.equal(
        (await redeem(h, code, { codeVerifier: 'wrong-verifier-wrong-verifier-wrong-verifier' })).json()
          .error,
        'invalid_grant',
      );
      const code2 = (await login(h, { codeChallenge: challenge })).get('code')!;
      assert.equal((await redeem(h, code2)).json().error, 'invalid_grant');
      const code3 = (await login(h, { codeChallenge: challenge })).get('code')!;
      assert.equal((await redeem(h, code3, { codeVerifier: verifier })).statusCode, 200);
    });
  });

  describe('ID token scenarios', () => {
    const idTokenFor = async (scenario: string) =>
      (await redeem(h, await codeFor(`eleanor-whitfield:${scenario}`))).json().id_token as string;

    it('bad_signature: the signature does not verify', async () => {
      await assert.rejects(jwtVerify(await idTokenFor('bad_signature'), jwks), {
        code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      });
    });

    it('expired_token: exp is in the past', async () => {
      const { exp = 0 } = decodeJwt(await idTokenFor('expired_token'));
      assert.ok(exp < Date.now() / 1000);
    });

    it('wrong_nonce: nonce is not ours', async () => {
      assert.notEqual(decodeJwt(await idTokenFor('wrong_nonce')).nonce, 'n-123');
    });

    it('wrong_audience: aud is not our client id', async () => {
      assert.notEqual(decodeJwt(await idTokenFor('wrong_audience')).aud, h.client.clientId);
    });

    it('invalid_iss: iss is not the issuer', async () => {
      assert.notEqual(decodeJwt(await idTokenFor('invalid_iss')).iss, h.baseUrl);
    });

    it('incorrect_vot: vot is not the requested credential trust', async () => {
      assert.equal(decodeJwt(await idTokenFor('incorrect_vot')).vot, 'Cl');
    });
  });

  describe('availability scenarios', () => {
    it('down: the token endpoint answers 503', async () => {
      const res = await redeem(h, await codeFor('eleanor-whitfield:down'));
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().error, 'temporarily_unavailable');
    });

    it('slow: the token endpoint answers after the configured delay', async () => {
      const code = await codeFor('eleanor-whitfield:slow');
      const started = performance.now();
      const res = await redeem(h, code);
      assert.equal(res.statusCode, 200);
      assert.ok(performance.now() - started >= 390, 'held for slowDelayMs');
    });

    it('a default scenario applies to logins that name none', async () => {
      const down = await startSimulator({ defaultScenario: 'down' });
      try {
        const code = (await login(down)).get('code')!;
        assert.equal((await redeem(down, code)).statusCode, 503);
      } finally {
        await down.close();
      }
    });
  });
});
