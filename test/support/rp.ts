import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { TestBrowser } from './http.ts';
import type { TestHub } from './hub.ts';

/**
 * A small, honest relying party for protocol tests, written with `jose` directly so a test can send
 * a correct request or break exactly one thing in it. Every step is its own method:
 *
 *   register → pkce → par (private_key_jwt + DPoP) → authorizeUrl → browserLogin (TestBrowser,
 *   persona chosen headlessly with login_hint, consent agreed) → token (DPoP) → userinfo (DPoP + ath)
 *   → verifyIdToken (the hub's JWKS).
 */

export interface KeyPair {
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
}

export async function newKey(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { privateKey, publicJwk: { ...publicJwk, kid, alg, use: 'sig' }, kid };
}

export interface RpRegistration {
  clientId?: string;
  redirectUri?: string;
  postLogoutRedirectUri?: string;
  country?: 'GB' | 'SG';
  attributes?: string[];
  minAcr?: string;
  securityProfile?: 'fapi2' | 'oidc';
  /** Hosting environment (trust/environments.yaml); by default the country's public-cloud one. */
  environment?: string;
  /** Further RFC 7591 metadata (overrides the defaults). */
  metadata?: Record<string, unknown>;
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface ClientAssertionOptions {
  /** Sign with another key than the registered one. */
  key?: KeyPair;
  /** An unsigned assertion (`alg: none`). */
  none?: boolean;
  aud?: string;
  expiresIn?: number;
}

export interface DpopOptions {
  key?: KeyPair;
  jti?: string;
  nonce?: string;
  accessToken?: string;
  iat?: number;
}

export interface PushOptions {
  assertion?: ClientAssertionOptions | false;
  /** DPoP proof at PAR (binds the code to the key); false to send none. */
  dpop?: DpopOptions | false;
}

export interface TokenOptions {
  assertion?: ClientAssertionOptions | false;
  dpop?: DpopOptions | false;
  /** Replace the whole DPoP header (e.g. a replayed proof). */
  dpopProof?: string;
  redirectUri?: string;
  extra?: Record<string, string>;
}

export interface AuthorizationResponse {
  /** Where the hub finally sent the browser (the client's redirect_uri, or a page). */
  url: string;
  status: number;
  params: URLSearchParams;
  code: string | undefined;
  error: string | undefined;
  errorDescription: string | undefined;
  /** The HTML of the last page when the flow stopped at the hub (chooser, consent, error page). */
  html: string;
}

const ASSERTION_TTL = 60;

export class TestRp {
  readonly hub: TestHub;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  readonly key: KeyPair;
  /** The DPoP key used unless a test passes another. */
  readonly dpopKey: KeyPair;
  /** Issuer (the hub's public URL). */
  readonly issuer: string;
  /** Base URL requests are sent to (another hub process may serve the same issuer). */
  baseUrl: string;
  /** Extra headers on every direct request (e.g. x-forwarded-host when sending to another process). */
  headers: Record<string, string> = {};
  dpopNonce: string | undefined;

  constructor(hub: TestHub, clientId: string, redirectUri: string, key: KeyPair, dpopKey: KeyPair) {
    this.hub = hub;
    this.issuer = hub.url;
    this.baseUrl = hub.url;
    this.clientId = clientId;
    this.redirectUri = redirectUri;
    this.postLogoutRedirectUri = `${new URL(redirectUri).origin}/signed-out`;
    this.key = key;
    this.dpopKey = dpopKey;
  }

  /** RFC 7591 + govbridge_* metadata for this client. */
  static metadata(o: RpRegistration, key: KeyPair, clientId: string, redirectUri: string) {
    return {
      client_id: clientId,
      client_name: `Protocol test ${clientId}`,
      application_type: 'web',
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [o.postLogoutRedirectUri ?? `${new URL(redirectUri).origin}/signed-out`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      jwks: { keys: [key.publicJwk] },
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      id_token_signed_response_alg: 'ES256',
      dpop_bound_access_tokens: true,
      require_pushed_authorization_requests: true,
      govbridge_country: o.country ?? 'GB',
      govbridge_agency: 'Protocol Test Agency',
      govbridge_purpose: 'To test the hub’s protocol behaviour',
      govbridge_attributes: o.attributes ?? [
        'name',
        'given_name',
        'family_name',
        'birthdate',
        'nationalities',
        'address',
        'email',
      ],
      govbridge_min_acr: o.minAcr ?? 'urn:govbridge:loa:low',
      govbridge_security_profile: o.securityProfile ?? 'fapi2',
      govbridge_environment: o.environment ?? (o.country === 'SG' ? 'sg-gcc' : 'uk-public-cloud'),
      ...o.metadata,
    };
  }

  /** Register through the operator path (the client registry, as the CLI does). */
  static async register(hub: TestHub, o: RpRegistration = {}): Promise<TestRp> {
    const key = await newKey();
    const clientId = o.clientId ?? `rp-${randomBytes(6).toString('hex')}`;
    const redirectUri = o.redirectUri ?? `https://${clientId}.rp.example/callback`;
    await hub.ctx.clients.register(TestRp.metadata(o, key, clientId, redirectUri));
    const rp = new TestRp(hub, clientId, redirectUri, key, await newKey());
    return rp;
  }

  // ---- building blocks -------------------------------------------------------------------------

  endpoint(path: string): string {
    return `${this.issuer}${path}`;
  }

  #target(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  static pkce(): Pkce {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  }

  async clientAssertion(o: ClientAssertionOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: this.clientId,
      sub: this.clientId,
      aud: o.aud ?? this.issuer,
      jti: randomUUID(),
      iat: now,
      exp: now + (o.expiresIn ?? ASSERTION_TTL),
    };
    if (o.none) {
      const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(payload)}.`;
    }
    const key = o.key ?? this.key;
    return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(key.privateKey);
  }

  async dpopProof(htm: string, htu: string, o: DpopOptions = {}): Promise<string> {
    const key = o.key ?? this.dpopKey;
    const alg = key.publicJwk.alg === 'EdDSA' ? 'EdDSA' : 'ES256';
    const { kid: _kid, alg: _alg, use: _use, ...jwk } = key.publicJwk;
    const payload: JWTPayload = {
      jti: o.jti ?? randomUUID(),
      htm,
      htu,
      iat: o.iat ?? Math.floor(Date.now() / 1000),
    };
    const nonce = o.nonce ?? this.dpopNonce;
    if (nonce) payload['nonce'] = nonce;
    if (o.accessToken) payload['ath'] = createHash('sha256').update(o.accessToken).digest('base64url');
    return new SignJWT(payload).setProtectedHeader({ typ: 'dpop+jwt', alg, jwk }).sign(key.privateKey);
  }

  async #clientAuth(o: ClientAssertionOptions | false | undefined): Promise<Record<string, string>> {
    if (o === false) return { client_id: this.clientId };
    return {
      client_id: this.clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await this.clientAssertion(o ?? {}),
    };
  }

  /** POST a form; retries once with the server's DPoP-Nonce when asked (RFC 9449 §8). */
  async #postForm(
    path: string,
    form: Record<string, string>,
    makeHeaders: () => Promise<Record<string, string>>,
  ): Promise<HttpResult> {
    let res = await this.#send(path, form, await makeHeaders());
    const nonce = res.headers.get('dpop-nonce');
    if (nonce && res.status === 400 && res.body['error'] === 'use_dpop_nonce') {
      this.dpopNonce = nonce;
      res = await this.#send(path, form, await makeHeaders());
    }
    return res;
  }

  async #send(path: string, form: Record<string, string>, headers: Record<string, string>) {
    const res = await fetch(this.#target(path), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.headers, ...headers },
      body: new URLSearchParams(form).toString(),
    });
    return readResult(res);
  }

  /** Standard authorization parameters for this client (override or delete any in a test). */
  authorizationParams(pkce: Pkce, extra: Record<string, string | undefined> = {}): Record<string, string> {
    const params: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: this.clientId,
      redirect_uri: this.redirectUri,
      scope: 'openid profile',
      state: randomBytes(12).toString('base64url'),
      nonce: randomBytes(12).toString('base64url'),
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      ...extra,
    };
    return Object.fromEntries(
      Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
    );
  }

  /** Pushed Authorization Request (RFC 9126) with private_key_jwt and, by default, a DPoP proof. */
  async par(
    params: Record<string, string>,
    o: PushOptions = {},
  ): Promise<HttpResult & { requestUri?: string }> {
    const auth = await this.#clientAuth(o.assertion);
    const res = await this.#postForm(
      '/par',
      { ...params, ...auth },
      async (): Promise<Record<string, string>> =>
        o.dpop === false ? {} : { dpop: await this.dpopProof('POST', this.endpoint('/par'), o.dpop || {}) },
    );
    const requestUri = typeof res.body['request_uri'] === 'string' ? res.body['request_uri'] : undefined;
    return requestUri ? { ...res, requestUri } : res;
  }

  authorizeUrl(requestUri: string, extra: Record<string, string> = {}): string {
    const q = new URLSearchParams({ client_id: this.clientId, request_uri: requestUri, ...extra });
    return `${this.endpoint('/authorize')}?${q.toString()}`;
  }

  /** A plain (non-PAR) authorization URL. */
  plainAuthorizeUrl(params: Record<string, string>): string {
    return `${this.endpoint('/authorize')}?${new URLSearchParams(params).toString()}`;
  }

  /**
   * Drive the browser from the authorization URL until the hub redirects to this client (or stops
   * on a page). On the consent page, submits `decision` when given.
   */
  async browserLogin(
    browser: TestBrowser,
    url: string,
    o: { decision?: 'agree' | 'decline' } = {},
  ): Promise<AuthorizationResponse> {
    const atClient = (u: URL) => u.toString().startsWith(this.redirectUri);
    let step = await browser.follow(url, {}, atClient);
    if (!atClient(new URL(step.url)) && o.decision && /\/consent$/.test(new URL(step.url).pathname)) {
      const html = await step.res.text();
      step = await submitUntil(browser, step.url, html, '/consent', { decision: o.decision }, atClient);
    }
    return this.#toResponse(step);
  }

  /** Submit a form on a hub or simulator page and follow until this client's redirect_uri (or a page). */
  async submit(
    browser: TestBrowser,
    pageUrl: string,
    html: string,
    actionContains: string,
    fields: Record<string, string>,
  ): Promise<AuthorizationResponse> {
    const atClient = (u: URL) => u.toString().startsWith(this.redirectUri);
    return this.#toResponse(await submitUntil(browser, pageUrl, html, actionContains, fields, atClient));
  }

  async #toResponse(step: { res: Response; url: string }): Promise<AuthorizationResponse> {
    const u = new URL(step.url);
    const atClient = step.url.startsWith(this.redirectUri);
    const params = atClient ? u.searchParams : new URLSearchParams();
    const html = atClient ? '' : await step.res.text();
    return {
      url: step.url,
      status: step.res.status,
      params,
      code: params.get('code') ?? undefined,
      error: params.get('error') ?? undefined,
      errorDescription: params.get('error_description') ?? undefined,
      html,
    };
  }

  /** Token request (authorization_code) with private_key_jwt and a DPoP proof. */
  async token(code: string, verifier: string | undefined, o: TokenOptions = {}): Promise<HttpResult> {
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: o.redirectUri ?? this.redirectUri,
      ...(verifier === undefined ? {} : { code_verifier: verifier }),
      ...o.extra,
    };
    const auth = await this.#clientAuth(o.assertion);
    return this.#postForm('/token', { ...form, ...auth }, async (): Promise<Record<string, string>> => {
      if (o.dpopProof) return { dpop: o.dpopProof };
      if (o.dpop === false) return {};
      return { dpop: await this.dpopProof('POST', this.endpoint('/token'), o.dpop || {}) };
    });
  }

  /** Userinfo with a DPoP-bound access token (proof with `ath`). */
  async userinfo(
    accessToken: string,
    o: { dpop?: DpopOptions | false; dpopProof?: string; scheme?: 'DPoP' | 'Bearer' } = {},
  ): Promise<HttpResult> {
    const send = async () => {
      const headers: Record<string, string> = {
        ...this.headers,
        authorization: `${o.scheme ?? 'DPoP'} ${accessToken}`,
      };
      if (o.dpopProof) headers['dpop'] = o.dpopProof;
      else if (o.dpop !== false)
        headers['dpop'] = await this.dpopProof('GET', this.endpoint('/userinfo'), {
          ...(o.dpop || {}),
          accessToken,
        });
      return readResult(await fetch(this.#target('/userinfo'), { headers }));
    };
    let res = await send();
    const nonce = res.headers.get('dpop-nonce');
    if (nonce && res.status === 401 && /use_dpop_nonce/.test(res.headers.get('www-authenticate') ?? '')) {
      this.dpopNonce = nonce;
      res = await send();
    }
    return res;
  }

  async jwks(): Promise<JSONWebKeySet> {
    const res = await fetch(this.endpoint('/jwks'));
    return (await res.json()) as JSONWebKeySet;
  }

  /** Verify an ID token against the hub's published JWKS: signature, iss, aud, exp, nonce. */
  async verifyIdToken(idToken: string, nonce?: string): Promise<JWTPayload> {
    const { payload, protectedHeader } = await jwtVerify(idToken, createLocalJWKSet(await this.jwks()), {
      issuer: this.issuer,
      audience: this.clientId,
      algorithms: ['ES256'],
    });
    if (protectedHeader.alg !== 'ES256') throw new Error(`unexpected alg ${protectedHeader.alg}`);
    if (nonce !== undefined && payload['nonce'] !== nonce) throw new Error('nonce mismatch');
    return payload;
  }

  // ---- the whole flow --------------------------------------------------------------------------

  /**
   * PAR → browser → (consent) → redirect back. Returns what a test needs to continue or assert.
   */
  async authorize(
    o: {
      browser?: TestBrowser;
      params?: Record<string, string | undefined>;
      /** Submitted on the consent page; `stop` leaves the browser on it. */
      decision?: 'agree' | 'decline' | 'stop';
      push?: PushOptions;
    } = {},
  ): Promise<{
    browser: TestBrowser;
    pkce: Pkce;
    params: Record<string, string>;
    response: AuthorizationResponse;
  }> {
    const browser = o.browser ?? new TestBrowser();
    const pkce = TestRp.pkce();
    const params = this.authorizationParams(pkce, o.params);
    const pushed = await this.par(params, o.push);
    if (!pushed.requestUri) throw new Error(`PAR failed: ${pushed.status} ${pushed.text}`);
    const decision = o.decision ?? 'agree';
    const response = await this.browserLogin(
      browser,
      this.authorizeUrl(pushed.requestUri),
      decision === 'stop' ? {} : { decision },
    );
    return { browser, pkce, params, response };
  }

  /** A full successful login: tokens, verified ID token claims, userinfo. */
  async login(
    o: {
      browser?: TestBrowser;
      params?: Record<string, string | undefined>;
      decision?: 'agree' | 'decline';
    } = {},
  ) {
    const a = await this.authorize(o);
    if (!a.response.code) {
      throw new Error(
        `no code: ${a.response.error ?? ''} ${a.response.errorDescription ?? ''} at ${a.response.url} (${a.browser.visited.join(' | ')})`,
      );
    }
    const tokens = await this.token(a.response.code, a.pkce.verifier);
    if (tokens.status !== 200) throw new Error(`token failed: ${tokens.status} ${tokens.text}`);
    const idToken = String(tokens.body['id_token']);
    const accessToken = String(tokens.body['access_token']);
    const claims = await this.verifyIdToken(idToken, a.params['nonce']);
    return { ...a, tokens: tokens.body, idToken, accessToken, claims };
  }
}

async function submitUntil(
  browser: TestBrowser,
  pageUrl: string,
  html: string,
  actionContains: string,
  fields: Record<string, string>,
  until: (u: URL) => boolean,
): Promise<{ res: Response; url: string }> {
  const forms = [...html.matchAll(/<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
  const match = forms.find((f) => f[1]!.includes(actionContains));
  if (!match) throw new Error(`No form with action containing ${actionContains}`);
  const body = new URLSearchParams();
  for (const input of match[2]!.matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1];
    if (name) body.set(name, decode(value ?? ''));
  }
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return browser.follow(
    new URL(decode(match[1]!), pageUrl).toString(),
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    },
    until,
  );
}

function decode(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

export async function readResult(res: Response): Promise<HttpResult> {
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object') body = v as Record<string, unknown>;
  } catch {
    body = {};
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** Assert-friendly view of a hub HTML error page. */
export function pageFacts(html: string) {
  return {
    govuk: /govuk-template|govuk-width-container|govuk-heading-l/.test(html),
    stack: /\bat [\w.<>]+ \(|node:internal|\.ts:\d+:\d+|GovbridgeError|TypeError|ReferenceError/.test(html),
    title: /<title>([^<]*)<\/title>/.exec(html)?.[1]?.trim(),
  };
}
