import type { CryptoKey, JWK, JWTVerifyGetKey } from 'jose';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { CookieBrowser, findForm } from './browser.ts';

/**
 * The load generator's relying party: a FAPI 2.0 confidential client on openid-client v6, as the
 * demo services are (src/demo/hub-client.ts): PAR with private_key_jwt (ES256), PKCE S256, a DPoP
 * key per login (PAR, token and userinfo all bound to it), the ID token verified against the
 * provider's JWKS. The browser part is a fresh cookie jar per login.
 */
export interface RpKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly kid: string;
}

export async function createRpKey(kid: string): Promise<RpKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }, kid };
}

/** Client metadata for a FAPI 2.0 relying party with this key and callback. */
export function rpMetadata(key: RpKey, redirectUri: string): Record<string, unknown> {
  return {
    application_type: 'web',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    jwks: { keys: [key.publicJwk] },
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    id_token_signed_response_alg: 'ES256',
    dpop_bound_access_tokens: true,
    require_pushed_authorization_requests: true,
  };
}

export interface LoginRequest {
  readonly scope: string;
  readonly acr: string;
  readonly idpHint?: string | undefined;
  readonly loginHint?: string | undefined;
}

export interface LoginOutcome {
  /** The consent page was shown (and agreed to). */
  readonly consented: boolean;
  readonly sub: string;
  readonly acr: string | undefined;
}

export class RelyingParty {
  readonly #config: oidc.Configuration;
  readonly #jwks: JWTVerifyGetKey;
  readonly #issuer: string;
  readonly #clientId: string;
  readonly #redirectUri: string;

  private constructor(
    config: oidc.Configuration,
    jwks: JWTVerifyGetKey,
    issuer: string,
    clientId: string,
    redirectUri: string,
  ) {
    this.#config = config;
    this.#jwks = jwks;
    this.#issuer = issuer;
    this.#clientId = clientId;
    this.#redirectUri = redirectUri;
  }

  /** Discovery and the provider's JWKS, once; every login reuses them. */
  static async connect(issuer: string, clientId: string, key: RpKey, redirectUri: string) {
    const config = await oidc.discovery(
      new URL(issuer),
      clientId,
      { id_token_signed_response_alg: 'ES256', token_endpoint_auth_signing_alg: 'ES256' },
      oidc.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }),
      { execute: [oidc.allowInsecureRequests], timeout: 10 },
    );
    const jwksUri = config.serverMetadata().jwks_uri;
    if (!jwksUri) throw new Error(`${issuer} publishes no jwks_uri`);
    const res = await fetch(jwksUri);
    if (!res.ok) throw new Error(`${jwksUri}: HTTP ${res.status}`);
    const jwks = createLocalJWKSet((await res.json()) as { keys: JWK[] });
    return new RelyingParty(config, jwks, issuer, clientId, redirectUri);
  }

  /** One complete login: PAR → browser (redirects, consent) → code → token → userinfo. */
  async login(request: LoginRequest): Promise<LoginOutcome> {
    const config = this.#config;
    const dpop = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const parameters: Record<string, string> = {
      response_type: 'code',
      redirect_uri: this.#redirectUri,
      scope: request.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      acr_values: request.acr,
    };
    if (request.idpHint) parameters['idp_hint'] = request.idpHint;
    if (request.loginHint) parameters['login_hint'] = request.loginHint;
    const authorizationUrl = await oidc.buildAuthorizationUrlWithPAR(config, parameters, { DPoP: dpop });

    const browser = new CookieBrowser();
    const atCallback = (u: URL): boolean => u.href.startsWith(`${this.#redirectUri}?`);
    let step = await browser.follow(authorizationUrl, atCallback);
    let consented = false;
    if (
      step.kind === 'page' &&
      step.status === 200 &&
      /\/interaction\/[^/]+\/consent$/.test(step.url.pathname)
    ) {
      const form = findForm(step.body, '/consent');
      const body = new URLSearchParams({ ...form.fields, decision: 'agree' });
      step = await browser.follow(new URL(form.action, step.url), atCallback, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      consented = true;
    }
    if (step.kind !== 'stopped') {
      throw new Error(
        `login stopped on ${step.url.pathname} (HTTP ${step.status}) for ${request.loginHint ?? '-'}:\n${browser.trail.join('\n')}`,
      );
    }

    const tokens = await oidc.authorizationCodeGrant(
      config,
      step.url,
      { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true },
      undefined,
      { DPoP: dpop },
    );
    if (!tokens.id_token) throw new Error('no ID token');
    const { payload } = await jwtVerify(tokens.id_token, this.#jwks, {
      issuer: this.#issuer,
      audience: this.#clientId,
      algorithms: ['ES256'],
    });
    if (payload['nonce'] !== nonce) throw new Error('ID token nonce mismatch');
    if (typeof payload.sub !== 'string') throw new Error('ID token without sub');
    if (tokens.token_type.toLowerCase() !== 'dpop')
      throw new Error(`token_type ${tokens.token_type}, not DPoP`);
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, payload.sub, { DPoP: dpop });
    if (userinfo.sub !== payload.sub) throw new Error('userinfo sub mismatch');
    return {
      consented,
      sub: payload.sub,
      acr: typeof payload['acr'] === 'string' ? payload['acr'] : undefined,
    };
  }
}
