import { createServer } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { randomId, sha256b64u } from '../../kernel/index.ts';
import { oneLoginSimulator } from './simulator-plugin.ts';
import type { OneLoginSimulatorOptions, SimulatorClient } from './types.ts';

/**
 * Test support: a Fastify app with the simulator mounted at /simulators/onelogin, and a client
 * that signs request objects and client assertions the way a relying party does. Used by the
 * simulator's own tests and the connector's; never by production code.
 */
export const PREFIX = '/simulators/onelogin';
export const CLIENT_ID = 'govbridge-test-client';
export const REDIRECT_URI = 'https://hub.govbridge.example/callback/onelogin';

export interface TestClient {
  readonly clientId: string;
  readonly privateKey: CryptoKey;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
  readonly kid: string;
}

export async function createTestClient(
  clientId = CLIENT_ID,
  kid = 'rp-key-1',
  alg: 'RS256' | 'PS256' = 'RS256',
): Promise<TestClient> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg };
  return { clientId, privateKey, privateJwk, publicJwk, kid };
}

export interface Harness {
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  readonly client: TestClient;
  close(): Promise<void>;
}

/**
 * Builds the app. With `listen` it listens on 127.0.0.1:0 and `baseUrl` is the real URL; otherwise
 * use `app.inject()` and the nominal `http://localhost` base.
 */
export async function startSimulator(
  options: {
    listen?: boolean;
    client?: TestClient;
    clients?: (client: TestClient) => SimulatorClient[];
  } & Partial<Omit<OneLoginSimulatorOptions, 'baseUrl' | 'clients'>> = {},
): Promise<Harness> {
  const client = options.client ?? (await createTestClient());
  const { listen = false, clients, client: _c, ...rest } = options;
  const app = Fastify();
  let baseUrl = `http://localhost${PREFIX}`;
  const registered = clients?.(client) ?? [
    {
      clientId: client.clientId,
      jwks: { keys: [client.publicJwk] },
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: ['https://hub.govbridge.example/signed-out'],
    },
  ];
  if (listen) {
    // The issuer URL must be known before the plugin registers, so reserve a free port first.
    baseUrl = `http://127.0.0.1:${await freePort()}${PREFIX}`;
  }
  await app.register(oneLoginSimulator, { prefix: PREFIX, baseUrl, clients: registered, ...rest });
  if (listen) await app.listen({ host: '127.0.0.1', port: Number(new URL(baseUrl).port) });
  else await app.ready();
  return { app, baseUrl, client, close: () => app.close() };
}

export interface JarOptions {
  readonly aud?: string;
  readonly iss?: string;
  readonly exp?: number;
  readonly key?: CryptoKey;
  readonly kid?: string;
}

export async function signJar(
  client: TestClient,
  payload: JWTPayload,
  options: JarOptions & { baseUrl: string },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...payload })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? client.kid })
    .setIssuer(options.iss ?? client.clientId)
    .setAudience(options.aud ?? `${options.baseUrl}/authorize`)
    .setIssuedAt(now)
    .setExpirationTime(options.exp ?? now + 300)
    .setJti(randomId(16))
    .sign(options.key ?? client.privateKey);
}

export async function clientAssertion(
  client: TestClient,
  options: {
    baseUrl: string;
    aud?: string;
    jti?: string | null;
    exp?: number;
    alg?: 'RS256' | 'PS256';
    key?: CryptoKey;
    sub?: string;
  },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: client.kid })
    .setIssuer(client.clientId)
    .setSubject(options.sub ?? client.clientId)
    .setAudience(options.aud ?? `${options.baseUrl}/token`)
    .setIssuedAt(now)
    .setExpirationTime(options.exp ?? now + 300);
  if (options.jti !== null) jwt.setJti(options.jti ?? randomId(16));
  return jwt.sign(options.key ?? client.privateKey);
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomId();
  return { verifier, challenge: sha256b64u(verifier) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = address && typeof address === 'object' ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const CORE_IDENTITY = 'https://vocab.account.gov.uk/v1/coreIdentityJWT';
export const IDENTITY_CLAIMS = [
  CORE_IDENTITY,
  'https://vocab.account.gov.uk/v1/address',
  'https://vocab.account.gov.uk/v1/passport',
  'https://vocab.account.gov.uk/v1/drivingPermit',
  'https://vocab.account.gov.uk/v1/returnCode',
];

export interface LoginParams {
  readonly loginHint?: string;
  readonly vtr?: string;
  readonly scope?: string;
  readonly claims?: readonly string[];
  readonly nonce?: string;
  readonly state?: string;
  readonly codeChallenge?: string;
  readonly extra?: Record<string, string>;
}

/** Query-parameter authorization request (no JAR). */
export function authorizeQuery(h: Harness, p: LoginParams = {}): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: h.client.clientId,
    redirect_uri: REDIRECT_URI,
    scope: p.scope ?? 'openid email phone',
    state: p.state ?? 'state-1',
    nonce: p.nonce ?? 'nonce-1',
    vtr: p.vtr ?? '["Cl.Cm"]',
  });
  if (p.loginHint !== undefined) q.set('login_hint', p.loginHint);
  if (p.claims)
    q.set('claims', JSON.stringify({ userinfo: Object.fromEntries(p.claims.map((c) => [c, null])) }));
  if (p.codeChallenge !== undefined) {
    q.set('code_challenge', p.codeChallenge);
    q.set('code_challenge_method', 'S256');
  }
  for (const [k, v] of Object.entries(p.extra ?? {})) q.set(k, v);
  return `${PREFIX}/authorize?${q}`;
}

/** Logs in headlessly and returns the redirect's query parameters. */
export async function login(h: Harness, p: LoginParams = {}): Promise<URLSearchParams> {
  const res = await h.app.inject({ url: authorizeQuery(h, { loginHint: 'eleanor-whitfield', ...p }) });
  if (res.statusCode !== 302) throw new Error(`authorize answered ${res.statusCode}: ${res.body}`);
  return new URL(String(res.headers.location)).searchParams;
}

export async function redeem(
  h: Harness,
  code: string,
  options: { assertion?: string; redirectUri?: string; codeVerifier?: string } = {},
) {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: options.redirectUri ?? REDIRECT_URI,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: options.assertion ?? (await clientAssertion(h.client, { baseUrl: h.baseUrl })),
  });
  if (options.codeVerifier !== undefined) body.set('code_verifier', options.codeVerifier);
  return h.app.inject({
    method: 'POST',
    url: `${PREFIX}/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: body.toString(),
  });
}

export interface RecordedCall {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
}

/**
 * A `fetch` that records every call and lets a test rewrite responses (to tamper with tokens or
 * documents the way an attacker or a misconfigured upstream would).
 */
export function recordingFetch(
  rewrite?: (url: string, res: Response) => Promise<Response | undefined> | Response | undefined,
): { fetch: typeof fetch; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    calls.push({ url, method: init?.method ?? 'GET', headers: new Headers(init?.headers) });
    const res = await fetch(input, init);
    return (await rewrite?.(url, res)) ?? res;
  };
  return { fetch: wrapped, calls };
}

/** A clock both the simulator and a client can share, moved forward by tests. */
export function movableClock(): { now(): Date; epochSeconds(): number; advance(seconds: number): void } {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    epochSeconds: () => Math.floor((Date.now() + offsetMs) / 1000),
    advance: (seconds) => {
      offsetMs += seconds * 1000;
    },
  };
}

export function jsonResponse(body: unknown, res: Response): Response {
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(body), { status: res.status, headers });
}
