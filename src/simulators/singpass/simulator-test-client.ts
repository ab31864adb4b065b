import {
  calculateJwkThumbprint,
  compactDecrypt,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from 'jose';
import { type Clock, randomId, sha256b64u, systemClock } from '../../kernel/index.ts';

/**
 * A deliberately hand-rolled relying party for the simulator's own tests: every step is explicit so
 * that a test can break exactly one rule. Not used by the hub.
 */
export interface TestClient {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly publicJwks: { keys: JWK[] };
  readonly signingKey: CryptoKey;
  readonly encryptionKey: CryptoKey;
}

export async function createTestClient(clientId = 'test-client-0001'): Promise<TestClient> {
  const sig = await generateKeyPair('ES256', { extractable: true });
  const enc = await generateKeyPair('ECDH-ES+A256KW', { extractable: true, crv: 'P-256' });
  return {
    clientId,
    redirectUri: 'https://rp.example/callback',
    signingKey: sig.privateKey,
    encryptionKey: enc.privateKey,
    publicJwks: {
      keys: [
        { ...(await exportJWK(sig.publicKey)), kid: 'rp-sig-1', use: 'sig', alg: 'ES256' },
        { ...(await exportJWK(enc.publicKey)), kid: 'rp-enc-1', use: 'enc', alg: 'ECDH-ES+A256KW' },
      ],
    },
  };
}

export async function clientAssertion(
  client: TestClient,
  aud: string,
  overrides: { iat?: number; exp?: number; jti?: string; key?: CryptoKey; iss?: string } = {},
  clock: Clock = systemClock,
): Promise<string> {
  const iat = overrides.iat ?? clock.epochSeconds();
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'rp-sig-1' })
    .setIssuer(overrides.iss ?? client.clientId)
    .setSubject(overrides.iss ?? client.clientId)
    .setAudience(aud)
    .setIssuedAt(iat)
    .setExpirationTime(overrides.exp ?? iat + 60)
    .setJti(overrides.jti ?? randomId(16))
    .sign(overrides.key ?? client.signingKey);
}

export interface DpopKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly jkt: string;
}

export async function createDpopKey(): Promise<DpopKey> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  return { privateKey: pair.privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
}

export async function dpopProof(
  key: DpopKey,
  htm: string,
  htu: string,
  extra: { iat?: number; jti?: string; accessToken?: string; typ?: string; nonce?: string } = {},
  clock: Clock = systemClock,
): Promise<string> {
  return new SignJWT({
    htm,
    htu,
    ...(extra.accessToken === undefined ? {} : { ath: sha256b64u(extra.accessToken) }),
    ...(extra.nonce === undefined ? {} : { nonce: extra.nonce }),
  })
    .setProtectedHeader({ alg: 'ES256', typ: extra.typ ?? 'dpop+jwt', jwk: key.publicJwk })
    .setIssuedAt(extra.iat ?? clock.epochSeconds())
    .setJti(extra.jti ?? randomId(16))
    .sign(key.privateKey);
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomId(48);
  return { verifier, challenge: sha256b64u(verifier) };
}

/** Decrypts a sealed token with the client's key and returns the inner JWS's claims (unverified). */
export async function openForTest(
  client: TestClient,
  jwe: string,
): Promise<{ jws: string; claims: Record<string, unknown>; header: Record<string, unknown> }> {
  const { plaintext, protectedHeader } = await compactDecrypt(jwe, client.encryptionKey);
  const jws = new TextDecoder().decode(plaintext);
  return {
    jws,
    claims: decodeJwt(jws) as Record<string, unknown>,
    header: protectedHeader as Record<string, unknown>,
  };
}

export function form(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined) params.set(k, v);
  return params.toString();
}

/** A clock tests can move. */
export function movableClock(): Clock & { advance(seconds: number): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset * 1000),
    epochSeconds: () => Math.floor((Date.now() + offset * 1000) / 1000),
    advance: (seconds) => {
      offset += seconds;
    },
  };
}

interface Injectable {
  inject(opts: {
    method: 'GET' | 'POST';
    url: string;
    headers?: Record<string, string>;
    payload?: string;
  }): PromiseLike<{ statusCode: number; headers: Record<string, unknown>; body: string; json(): unknown }>;
}

export interface InjectResult {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
  readonly json: Record<string, unknown>;
}

/** The steps of a FAPI or legacy login, each with hooks to break one rule. */
export function createFlow(app: Injectable, baseUrl: string, client: TestClient) {
  const path = (url: string): string => new URL(url).pathname + new URL(url).search;
  const fapi = `${baseUrl}/fapi`;
  const call = async (
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string> = {},
    payload?: string,
  ): Promise<InjectResult> => {
    const res = await app.inject({
      method,
      url: path(url),
      headers:
        payload === undefined ? headers : { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      ...(payload === undefined ? {} : { payload }),
    });
    let json: Record<string, unknown> = {};
    try {
      json = res.json() as Record<string, unknown>;
    } catch {
      // not JSON
    }
    return { status: res.statusCode, headers: res.headers, body: res.body, json };
  };

  return {
    call,
    fapi,
    async par(
      opts: {
        dpop?: DpopKey | null;
        proof?: string;
        assertion?: string;
        body?: Record<string, string | undefined>;
        loginHint?: string;
        challenge?: string;
      } = {},
    ) {
      const dpop = opts.dpop === undefined ? await createDpopKey() : opts.dpop;
      const { verifier, challenge } = pkce();
      const state = randomId(16);
      const nonce = randomId(16);
      const headers: Record<string, string> = {};
      if (opts.proof !== undefined) headers.dpop = opts.proof;
      else if (dpop !== null) headers.dpop = await dpopProof(dpop, 'POST', `${fapi}/par`);
      const res = await call(
        'POST',
        `${fapi}/par`,
        headers,
        form({
          client_id: client.clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: opts.assertion ?? (await clientAssertion(client, fapi)),
          response_type: 'code',
          scope: 'openid user.identity name uinfin dob regadd',
          redirect_uri: client.redirectUri,
          state,
          nonce,
          code_challenge: opts.challenge ?? challenge,
          code_challenge_method: 'S256',
          acr_values: 'urn:singpass:authentication:loa:2',
          login_hint: opts.loginHint ?? 'sg-citizen-mid',
          ...opts.body,
        }),
      );
      return { res, dpop, verifier, state, nonce, requestUri: String(res.json.request_uri ?? '') };
    },
    async authorize(requestUri: string, extra = '') {
      return call(
        'GET',
        `${fapi}/auth?client_id=${encodeURIComponent(client.clientId)}&request_uri=${encodeURIComponent(requestUri)}${extra}`,
      );
    },
    async token(
      profile: 'fapi' | 'legacy',
      code: string,
      opts: { verifier?: string; dpop?: DpopKey | null; assertion?: string; redirectUri?: string } = {},
    ) {
      const issuer = profile === 'fapi' ? fapi : baseUrl;
      const headers: Record<string, string> = {};
      if (opts.dpop !== undefined && opts.dpop !== null) {
        headers.dpop = await dpopProof(opts.dpop, 'POST', `${issuer}/token`);
      }
      return call(
        'POST',
        `${issuer}/token`,
        headers,
        form({
          grant_type: 'authorization_code',
          code,
          client_id: client.clientId,
          redirect_uri: opts.redirectUri ?? client.redirectUri,
          code_verifier: opts.verifier,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: opts.assertion ?? (await clientAssertion(client, issuer)),
        }),
      );
    },
    /** PAR + headless authorize; returns the callback query and what the token call needs. */
    async fapiLogin(loginHint = 'sg-citizen-mid', body: Record<string, string | undefined> = {}) {
      const pushed = await this.par({ loginHint, body });
      const auth = await this.authorize(pushed.requestUri);
      const location = new URL(String(auth.headers.location));
      return { ...pushed, auth, callback: location.searchParams };
    },
    async legacyLogin(loginHint = 'sg-citizen-mid', extra: Record<string, string | undefined> = {}) {
      const { verifier, challenge } = pkce();
      const nonce = randomId(16);
      const state = randomId(16);
      const query = form({
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: client.redirectUri,
        scope: 'openid uinfin name dob regadd',
        state,
        nonce,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        login_hint: loginHint,
        ...extra,
      });
      const auth = await call('GET', `${baseUrl}/auth?${query}`);
      const location =
        auth.headers.location === undefined ? undefined : new URL(String(auth.headers.location));
      return { auth, verifier, nonce, state, callback: location?.searchParams ?? new URLSearchParams() };
    },
  };
}
