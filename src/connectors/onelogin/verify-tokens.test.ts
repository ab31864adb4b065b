import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import {
  CORE_IDENTITY,
  type Harness,
  IDENTITY_CLAIMS,
  jsonResponse,
  movableClock,
  REDIRECT_URI,
  recordingFetch,
  startSimulator,
} from '../../simulators/onelogin/simulator-harness.ts';
import type { OneLoginAssertion, OneLoginAuthRequest, SchemeAssertion } from '../../trust/index.ts';
import type { SchemeConnector } from '../types.ts';
import { createOneLoginConnector } from './index.ts';

const IDENTITY: OneLoginAuthRequest = {
  scheme: 'onelogin',
  vtr: ['Cl.Cm.P2'],
  scopes: ['openid'],
  userinfoClaims: IDENTITY_CLAIMS,
};

type Rewrite = (url: string, res: Response) => Promise<Response | undefined>;
type DidDoc = {
  id: string;
  controller?: string;
  assertionMethod: { id: string; controller?: string; publicKeyJwk: object }[];
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('One Login connector: tampered and forged responses', () => {
  let h: Harness;
  let connector: SchemeConnector;
  let rewrite: Rewrite | undefined;
  let recorder: ReturnType<typeof recordingFetch>;
  const clock = movableClock();
  let attacker: { privateKey: CryptoKey; publicJwk: object };

  const fresh = () =>
    createOneLoginConnector({
      issuer: h.baseUrl,
      clientId: h.client.clientId,
      keys: { signing: h.client.privateJwk },
      didUrl: `${h.baseUrl}/identity/.well-known/did.json`,
      identityIssuer: `${h.baseUrl}/identity/`,
      timeoutMs: 2_000,
      fetch: recorder.fetch,
      clock,
    });

  before(async () => {
    h = await startSimulator({ listen: true, clock });
    recorder = recordingFetch((url, res) => rewrite?.(url, res));
    const pair = await generateKeyPair('ES256');
    attacker = { privateKey: pair.privateKey, publicJwk: await exportJWK(pair.publicKey) };
  });
  after(() => h.close());
  beforeEach(() => {
    rewrite = undefined;
    connector = fresh();
  });

  async function run(request: OneLoginAuthRequest = IDENTITY, loginHint = 'callum-mackenzie') {
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
  const rejectsWith = (check: string) => (err: { code: string; detail?: { check?: string } }) => {
    assert.equal(err.code, 'upstream_invalid_response');
    assert.equal(err.detail?.check, check);
    return true;
  };

  /** Rewrites a JSON body from an endpoint ending with `suffix`. */
  const onJson =
    (suffix: string, change: (body: Record<string, unknown>) => Promise<unknown> | unknown): Rewrite =>
    async (url, res) => {
      if (!url.endsWith(suffix) || res.status !== 200) return undefined;
      return jsonResponse(await change((await res.json()) as Record<string, unknown>), res);
    };
  const onIdToken = (change: (jwt: string) => Promise<string> | string) =>
    onJson('/token', async (body) => ({ ...body, id_token: await change(body.id_token as string) }));
  const onCoreIdentity = (change: (jwt: string) => Promise<string> | string) =>
    onJson('/userinfo', async (body) => ({
      ...body,
      [CORE_IDENTITY]: await change(body[CORE_IDENTITY] as string),
    }));
  const addAttackerKeyToDid = (body: Record<string, unknown>) => {
    const doc = body as unknown as DidDoc;
    return {
      ...doc,
      assertionMethod: [
        ...doc.assertionMethod,
        { id: `${doc.id}#test-key`, controller: doc.id, publicKeyJwk: attacker.publicJwk },
      ],
    };
  };
  const signAsIdentity = (payload: JWTPayload, kid: string) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid }).sign(attacker.privateKey);
  const kidOf = (jwt: string) => String(decodeProtectedHeader(jwt).kid);
  const didOf = (jwt: string) => kidOf(jwt).split('#')[0]!;

  describe('ID token', () => {
    it('rejects a changed payload under the original signature', async () => {
      rewrite = onIdToken((jwt) => {
        const [header, , signature] = jwt.split('.');
        return `${header}.${b64({ ...decodeJwt(jwt), sub: 'urn:fdc:gov.uk:2022:someone-else' })}.${signature}`;
      });
      await assert.rejects(run(), rejectsWith('id_token_signature'));
    });

    it('rejects alg none', async () => {
      rewrite = onIdToken((jwt) => `${b64({ alg: 'none', typ: 'JWT' })}.${jwt.split('.')[1]}.`);
      await assert.rejects(run(), rejectsWith('id_token_alg'));
    });

    it('rejects HS256 (a MAC keyed with anything public)', async () => {
      rewrite = onIdToken(async (jwt) =>
        new SignJWT(decodeJwt(jwt))
          .setProtectedHeader({ alg: 'HS256' })
          .sign(new TextEncoder().encode('public-key-material!')),
      );
      await assert.rejects(run(), rejectsWith('id_token_alg'));
    });

    it('rejects a kid that is not in the JWKS, even after re-fetching it', async () => {
      rewrite = onIdToken(async (jwt) =>
        new SignJWT(decodeJwt(jwt))
          .setProtectedHeader({ alg: 'ES256', kid: 'attacker' })
          .sign(attacker.privateKey),
      );
      await assert.rejects(run(), rejectsWith('id_token_kid'));
    });

    it('re-fetches the JWKS on an unknown kid (key rotation)', async () => {
      const jwksCalls = () => recorder.calls.filter((c) => c.url.endsWith('/jwks.json')).length;
      const start = jwksCalls();
      rewrite = onJson('/jwks.json', () => ({ keys: [] }));
      await assert.rejects(run(), rejectsWith('id_token_kid'));
      rewrite = undefined;
      clock.advance(60);
      const a = await run({ ...IDENTITY, userinfoClaims: [] });
      assert.equal(a.vot, 'Cl.Cm');
      assert.equal(jwksCalls(), start + 2);
    });

    it('rejects a userinfo whose sub is not the ID token sub', async () => {
      rewrite = onJson('/userinfo', (body) => ({ ...body, sub: 'urn:fdc:gov.uk:2022:someone-else' }));
      await assert.rejects(run(), rejectsWith('userinfo_sub'));
    });
  });

  describe('core identity JWT and the pinned DID document', () => {
    it('rejects a core identity signed by a key that is not in the DID document', async () => {
      rewrite = onCoreIdentity((jwt) => signAsIdentity(decodeJwt(jwt), `${didOf(jwt)}#not-in-the-document`));
      await assert.rejects(run(), rejectsWith('did_key'));
    });

    it('rejects a core identity signed by another key under the real kid', async () => {
      rewrite = onCoreIdentity((jwt) => signAsIdentity(decodeJwt(jwt), kidOf(jwt)));
      await assert.rejects(run(), rejectsWith('core_identity_signature'));
    });

    it('rejects a DID document whose id is not the kid controller', async () => {
      rewrite = onJson('/did.json', (body) => ({ ...body, id: 'did:web:identity.attacker.example' }));
      await assert.rejects(run(), rejectsWith('did_id'));
    });

    it('rejects a DID document whose controller is someone else', async () => {
      rewrite = onJson('/did.json', (body) => ({ ...body, controller: 'did:web:identity.attacker.example' }));
      await assert.rejects(run(), rejectsWith('did_controller'));
    });

    it('rejects a kid that names another DID', async () => {
      rewrite = async (url, res) =>
        url.endsWith('/did.json')
          ? onJson('/did.json', addAttackerKeyToDid)(url, res)
          : onCoreIdentity((jwt) =>
              signAsIdentity(decodeJwt(jwt), 'did:web:identity.attacker.example#test-key'),
            )(url, res);
      await assert.rejects(run(), rejectsWith('did_id'));
    });

    it('rejects a kid without #, and an alg other than ES256', async () => {
      rewrite = onCoreIdentity((jwt) => signAsIdentity(decodeJwt(jwt), 'no-hash-here'));
      await assert.rejects(run(), rejectsWith('core_identity_kid'));
      connector = fresh();
      rewrite = onCoreIdentity((jwt) => `${b64({ alg: 'none' })}.${jwt.split('.')[1]}.`);
      await assert.rejects(run(), rejectsWith('core_identity_alg'));
    });

    const withKeyInDid =
      (change: (payload: JWTPayload) => JWTPayload): Rewrite =>
      async (url, res) =>
        url.endsWith('/did.json')
          ? onJson('/did.json', addAttackerKeyToDid)(url, res)
          : onCoreIdentity((jwt) => signAsIdentity(change(decodeJwt(jwt)), `${didOf(jwt)}#test-key`))(
              url,
              res,
            );

    it('accepts a correctly signed core identity from any assertionMethod key of the document', async () => {
      rewrite = withKeyInDid((p) => p);
      assert.equal((await run()).coreIdentity?.vot, 'P2');
    });

    for (const [claim, value, check] of [
      ['iss', 'https://identity.attacker.example/', 'core_identity_iss'],
      ['aud', 'another-client', 'core_identity_aud'],
      ['vot', 'Q2', 'core_identity_vot'],
      ['nbf', Math.floor(Date.now() / 1000) + 3600, 'core_identity_nbf'],
      ['vc', { credentialSubject: { name: 'not a list' } }, 'core_identity_vc'],
    ] as const) {
      it(`rejects a core identity with a bad ${claim}`, async () => {
        rewrite = withKeyInDid((p) => ({ ...p, [claim]: value }));
        await assert.rejects(run(), rejectsWith(check));
      });
    }

    it('an authentic core identity whose vot is below the requested P2 is unmet_authentication_requirements', async () => {
      rewrite = withKeyInDid((p) => ({ ...p, vot: 'P1' }));
      await assert.rejects(run(), (err: { code: string; detail?: Record<string, unknown> }) => {
        assert.equal(err.code, 'unmet_authentication_requirements');
        assert.deepEqual(err.detail, {
          scheme: 'onelogin',
          check: 'core_identity_vot',
          requested: 'P2',
          received: 'P1',
        });
        return true;
      });
    });

    it('re-fetches the DID document on an unknown kid (key rotation)', async () => {
      const didCalls = () => recorder.calls.filter((c) => c.url.endsWith('/did.json')).length;
      const start = didCalls();
      rewrite = onJson('/did.json', (body) => ({ ...body, assertionMethod: [] }));
      await assert.rejects(run(), rejectsWith('did_key'));
      rewrite = undefined;
      clock.advance(60);
      assert.equal((await run()).coreIdentity?.vot, 'P2');
      assert.equal(didCalls(), start + 2);
    });
  });
});

function asOneLogin(a: SchemeAssertion): OneLoginAssertion {
  if (a.scheme !== 'onelogin') throw new Error('expected a One Login assertion');
  return a;
}
