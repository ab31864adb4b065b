import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CompactEncrypt,
  compactDecrypt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  SignJWT,
} from 'jose';
import { GovbridgeError } from '../../kernel/index.ts';
import { startSingpassSimulatorServer } from '../../simulators/singpass/index.ts';
import type { SingpassAuthRequest } from '../../trust/index.ts';
import type { SchemeConnector } from '../types.ts';
import { createSingpassConnector } from './index.ts';

const REDIRECT = 'https://hub.example/callback/singpass';
const CLIENT_ID = 'govbridgeHubClient0000000000001';
const REQUEST: SingpassAuthRequest = {
  scheme: 'singpass',
  acrValues: ['urn:singpass:authentication:loa:2'],
  scopes: ['openid', 'user.identity', 'name', 'uinfin', 'dob', 'nationality', 'regadd'],
};

async function privateKey(alg: string, kid: string): Promise<JWK> {
  const { privateKey: key } = await generateKeyPair(alg, { extractable: true, crv: 'P-256' });
  return { ...(await exportJWK(key)), kid };
}

async function expectError(promise: Promise<unknown>, code: string, check?: string): Promise<GovbridgeError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof GovbridgeError, `expected a GovbridgeError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (check !== undefined) assert.equal(caught.detail?.check, check, caught.message);
  return caught;
}

/** Flips one base64url character in the middle of a segment. */
function flip(segment: string): string {
  const at = Math.floor(segment.length / 2);
  return `${segment.slice(0, at)}${segment[at] === 'A' ? 'B' : 'A'}${segment.slice(at + 1)}`;
}

describe('Singpass connector, FAPI 2.0 profile, against the simulator', () => {
  let sim: Awaited<ReturnType<typeof startSingpassSimulatorServer>>;
  let connector: SchemeConnector;
  let signing: JWK;
  let encryption: JWK;
  const clientJwks: { keys: JWK[] } = { keys: [] };
  let tamper: ((idToken: string) => Promise<string>) | undefined;

  // Passes every call through, but lets a test rewrite the ID token in the token response.
  const interceptingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (tamper === undefined || !String(input).endsWith('/token') || response.status !== 200) return response;
    const json = (await response.json()) as Record<string, unknown>;
    json.id_token = await tamper(String(json.id_token));
    return new Response(JSON.stringify(json), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };

  const makeConnector = (issuer: string, timeoutMs = 2000): SchemeConnector =>
    createSingpassConnector({
      issuer,
      clientId: CLIENT_ID,
      profile: 'fapi',
      keys: { signing, encryption: [encryption] },
      timeoutMs,
      fetch: interceptingFetch,
    });

  const login = async (c: SchemeConnector, hint: string, request: SingpassAuthRequest = REQUEST) => {
    const { authorizationUrl, transaction } = await c.begin({
      request,
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
    signing = await privateKey('ES256', 'hub-sig-2026');
    encryption = await privateKey('ECDH-ES+A256KW', 'hub-enc-2026');
    sim = await startSingpassSimulatorServer({
      clients: [{ clientId: CLIENT_ID, jwks: clientJwks, redirectUris: [REDIRECT] }],
      slowMs: 1500,
    });
    connector = makeConnector(`${sim.baseUrl}/fapi`);
    clientJwks.keys.push(...connector.publicJwks().keys);
  });
  after(() => sim.close());

  it('publishes only public keys, signing and encryption, with kids', () => {
    const { keys } = connector.publicJwks();
    assert.deepEqual(
      keys.map((k) => [k.kid, k.use, k.alg, k.d]),
      [
        ['hub-sig-2026', 'sig', 'ES256', undefined],
        ['hub-enc-2026', 'enc', 'ECDH-ES+A256KW', undefined],
      ],
    );
  });

  it('pushes the request and sends the browser with only client_id and request_uri', async () => {
    const { authorizationUrl, transaction } = await login(connector, 'sg-pr');
    const url = new URL(authorizationUrl);
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    assert.equal(transaction.dpopKey?.kty, 'EC');
    assert.ok(transaction.dpopKey?.d, 'the per-login DPoP key is kept as a private JWK');
    assert.ok(transaction.codeVerifier.length >= 43);
  });

  it('logs a citizen in and maps ID token and Myinfo into the assertion', async () => {
    const assertion = await run('sg-citizen-mid');
    assert.equal(assertion.scheme, 'singpass');
    if (assertion.scheme !== 'singpass') return;
    assert.equal(assertion.profile, 'fapi');
    assert.match(assertion.subject, /^[0-9a-f-]{36}$/);
    assert.equal(assertion.acr, 'urn:singpass:authentication:loa:2');
    assert.deepEqual(assertion.amr, ['pwd', 'sms']);
    assert.equal(assertion.accountType, 'standard');
    assert.equal(assertion.identityNumber, 'S7912345E');
    assert.equal(assertion.identityCoi, 'SG');
    assert.equal(assertion.person.name?.value, 'TEO KAI MING DANIEL');
    assert.equal(assertion.person.nationality?.code, 'SG');
    assert.equal(assertion.person.regadd?.type, 'SG');
    assert.equal(assertion.person.email, undefined, 'only the scopes asked');
  });

  it('maps a foreign account', async () => {
    const assertion = await run('gb-foreign-account');
    if (assertion.scheme !== 'singpass') return assert.fail();
    assert.equal(assertion.accountType, 'foreign');
    assert.equal(assertion.identityCoi, 'GB');
  });

  it('skips userinfo when only openid is asked', async () => {
    const { params, transaction } = await login(connector, 'sg-pr', { ...REQUEST, scopes: ['openid'] });
    const assertion = await connector.complete(params, transaction);
    if (assertion.scheme !== 'singpass') return assert.fail();
    assert.deepEqual(assertion.person, {});
    assert.equal(assertion.identityNumber, undefined);
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
  for (const [scenario, code, check] of scenarios) {
    it(`scenario ${scenario} → ${code}${check ? ` (${check})` : ''}`, async () => {
      const err = await expectError(run(`sg-citizen-mid:${scenario}`), code, check);
      assert.ok(
        !err.message.includes('S7912345E') && !err.message.includes('TEO'),
        'no personal data in messages',
      );
    });
  }

  it('scenario slow → upstream_timeout', async () => {
    const quick = makeConnector(`${sim.baseUrl}/fapi`, 400);
    await expectError(run('sg-pr:slow', quick), 'upstream_timeout');
  });

  // Whether a level is enough is the trust framework's decision (evaluateAssertion), not the connector's.
  it('passes on a loa:1 token when loa:2 was asked (lower_assurance, password-only persona)', async () => {
    for (const hint of ['sg-citizen-mid:lower_assurance', 'sg-citizen-password-only']) {
      const assertion = await run(hint);
      if (assertion.scheme !== 'singpass') return assert.fail();
      assert.equal(assertion.acr, 'urn:singpass:authentication:loa:1', hint);
    }
  });

  it('rejects a wrong state', async () => {
    const { params, transaction } = await login(connector, 'sg-pr');
    params.set('state', 'not-ours');
    await expectError(connector.complete(params, transaction), 'upstream_invalid_response', 'state');
  });

  it('rejects a callback iss that is not the issuer (RFC 9207)', async () => {
    const { params, transaction } = await login(connector, 'sg-pr');
    params.set('iss', 'https://evil.example');
    await expectError(connector.complete(params, transaction), 'upstream_invalid_response', 'iss_parameter');
  });

  describe('tampered ID tokens', () => {
    const open = async (jwe: string): Promise<string> => {
      const { plaintext } = await compactDecrypt(jwe, await importJWK(encryption, 'ECDH-ES+A256KW'));
      return new TextDecoder().decode(plaintext);
    };
    const reseal = async (jws: string): Promise<string> => {
      const { kty, crv, x, y } = encryption;
      return new CompactEncrypt(new TextEncoder().encode(jws))
        .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256CBC-HS512', cty: 'JWT', kid: encryption.kid! })
        .encrypt(await importJWK({ kty, crv, x, y }, 'ECDH-ES+A256KW'));
    };
    const withTamper = async (fn: (idToken: string) => Promise<string>, code: string, check: string) => {
      tamper = fn;
      try {
        await expectError(run('sg-pr'), code, check);
      } finally {
        tamper = undefined;
      }
    };

    it('a flipped byte in the JWE ciphertext fails decryption', async () => {
      await withTamper(
        async (t) => {
          const p = t.split('.');
          p[3] = flip(p[3]!);
          return p.join('.');
        },
        'upstream_invalid_response',
        'decryption',
      );
    });

    it('a flipped byte in the inner signature fails verification', async () => {
      await withTamper(
        async (t) => {
          const p = (await open(t)).split('.');
          p[2] = flip(p[2]!);
          return reseal(p.join('.'));
        },
        'upstream_invalid_response',
        'signature',
      );
    });

    it('a changed claim under the original signature fails verification', async () => {
      await withTamper(
        async (t) => {
          const p = (await open(t)).split('.');
          const claims = JSON.parse(Buffer.from(p[1]!, 'base64url').toString()) as Record<string, unknown>;
          claims.acr = 'urn:singpass:authentication:loa:3';
          p[1] = Buffer.from(JSON.stringify(claims)).toString('base64url');
          return reseal(p.join('.'));
        },
        'upstream_invalid_response',
        'signature',
      );
    });

    it('alg none is refused', async () => {
      await withTamper(
        async (t) => {
          const p = (await open(t)).split('.');
          const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
          return reseal(`${header}.${p[1]}.`);
        },
        'upstream_invalid_response',
        'alg',
      );
    });

    it('HS256 (algorithm confusion) is refused', async () => {
      await withTamper(
        async (t) => {
          const claims = JSON.parse(Buffer.from((await open(t)).split('.')[1]!, 'base64url').toString());
          const forged = await new SignJWT(claims)
            .setProtectedHeader({ alg: 'HS256' })
            .sign(new TextEncoder().encode('x'.repeat(32)));
          return reseal(forged);
        },
        'upstream_invalid_response',
        'alg',
      );
    });

    it('an unencrypted ID token is refused', async () => {
      await withTamper(open, 'upstream_invalid_response', 'encryption');
    });

    it('a JWE for a kid we do not hold is refused', async () => {
      await withTamper(
        async (t) => {
          const jws = await open(t);
          const other = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256' });
          return new CompactEncrypt(new TextEncoder().encode(jws))
            .setProtectedHeader({
              alg: 'ECDH-ES+A256KW',
              enc: 'A256CBC-HS512',
              cty: 'JWT',
              kid: 'someone-else',
            })
            .encrypt(other.publicKey);
        },
        'upstream_invalid_response',
        'decryption_key',
      );
    });
  });

  it('decrypts A256GCM and uses a rotated encryption key chosen by kid', async () => {
    const next = await privateKey('ECDH-ES+A256KW', 'hub-enc-2027');
    const rotating = createSingpassConnector({
      issuer: '',
      clientId: CLIENT_ID,
      profile: 'fapi',
      keys: { signing, encryption: [encryption, next] },
      timeoutMs: 2000,
    });
    // This simulator only knows the new key, so it encrypts to it.
    const publicKeys = rotating.publicJwks().keys.filter((k) => k.kid !== 'hub-enc-2026');
    const gcm = await startSingpassSimulatorServer({
      clients: [{ clientId: CLIENT_ID, jwks: { keys: publicKeys }, redirectUris: [REDIRECT] }],
      contentEncryption: 'A256GCM',
    });
    try {
      const c = createSingpassConnector({
        issuer: `${gcm.baseUrl}/fapi`,
        clientId: CLIENT_ID,
        profile: 'fapi',
        keys: { signing, encryption: [encryption, next] },
        timeoutMs: 2000,
      });
      const assertion = await run('sg-pr', c);
      if (assertion.scheme !== 'singpass') return assert.fail();
      assert.equal(assertion.identityNumber, 'S3012345Z');
    } finally {
      await gcm.close();
    }
  });

  it('answers a DPoP nonce challenge at PAR, token and userinfo', async () => {
    const strict = await startSingpassSimulatorServer({
      clients: [{ clientId: CLIENT_ID, jwks: clientJwks, redirectUris: [REDIRECT] }],
      requireDpopNonce: true,
    });
    try {
      const assertion = await run('sg-citizen-young', makeConnector(`${strict.baseUrl}/fapi`));
      if (assertion.scheme !== 'singpass') return assert.fail();
      assert.equal(assertion.person.name?.value, 'NG JIA HUI PEARL');
    } finally {
      await strict.close();
    }
  });

  it('refuses a discovery document whose issuer differs from the configured one', async () => {
    const c = makeConnector(`${sim.baseUrl}/fapi/`);
    await expectError(
      c.begin({ request: REQUEST, redirectUri: REDIRECT }),
      'upstream_invalid_response',
      'discovery_issuer',
    );
  });

  it('reports an unreachable Singpass as upstream_unavailable', async () => {
    const c = makeConnector('http://127.0.0.1:9/fapi');
    await expectError(c.begin({ request: REQUEST, redirectUri: REDIRECT }), 'upstream_unavailable');
  });

  it('refuses keys without kid or of the wrong type at construction', () => {
    assert.throws(
      () =>
        createSingpassConnector({
          issuer: 'https://x',
          clientId: CLIENT_ID,
          profile: 'fapi',
          keys: { signing: { ...signing, kid: undefined }, encryption: [encryption] },
          timeoutMs: 1000,
        }),
      (err: unknown) => err instanceof GovbridgeError && err.code === 'key_error',
    );
  });
});
