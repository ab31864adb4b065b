import type { CryptoKey, JWK } from 'jose';
import { exportJWK, importJWK } from 'jose';
import * as oidc from 'openid-client';
import { type Clock, systemClock } from '../kernel/index.ts';
import type { GovbridgeAcr } from './types.ts';

/**
 * A demo's relying-party side of the hub, on openid-client v6, as a FAPI 2.0 client: pushed
 * authorization requests (RFC 9126), PKCE S256 (RFC 7636), DPoP-bound tokens (RFC 9449) with a key
 * per session, `private_key_jwt` with ES256 (RFC 7523), ES256 ID tokens, and the `iss` response
 * parameter (RFC 9207) checked whenever the hub advertises it.
 *
 * Discovery is fetched lazily, on the first sign-in, because the demos start in the same process as
 * the hub — before it listens. It is cached for an hour; a failed discovery is not cached.
 */
export interface HubClientOptions {
  readonly issuer: URL;
  readonly clientId: string;
  /** The demo's client-authentication key (ES256) and its `kid`. */
  readonly clientKey: { readonly key: CryptoKey; readonly kid: string };
  readonly redirectUri: string;
  readonly fetch?: typeof fetch | undefined;
  /** Allow `http://` to the hub: only ever true for a loopback issuer (see `allowsInsecureRequests`). */
  readonly allowInsecureRequests: boolean;
  readonly clock?: Clock;
}

export interface SignInRequest {
  readonly scopes: readonly string[];
  readonly acr: GovbridgeAcr;
  readonly idpHint: string;
  readonly loginHint?: string | undefined;
}

/** A private EC P-256 key as a JWK: the session's DPoP key. */
export interface PrivateEcJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly d: string;
}

/** What the callback must be checked against, kept (encrypted) in the browser between the two. */
export interface PendingSignIn {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly dpopKey: PrivateEcJwk;
}

export interface CompletedSignIn {
  readonly idToken: string;
  readonly acr: string | undefined;
  readonly amr: readonly string[];
  /** Userinfo, falling back to the ID token's claims for anything userinfo left out. */
  readonly claims: Readonly<Record<string, unknown>>;
}

export interface HubClient {
  /** Pushes the authorization request; returns where to send the browser and what to remember. */
  beginSignIn(request: SignInRequest): Promise<{ authorizationUrl: URL; pending: PendingSignIn }>;
  /** Checks the authorization response in `callbackUrl`, redeems the code and fetches userinfo. */
  completeSignIn(callbackUrl: URL, pending: PendingSignIn): Promise<CompletedSignIn>;
  /** The hub's RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0 §2), if it has one. */
  endSessionUrl(idToken: string, postLogoutRedirectUri: string): Promise<URL | undefined>;
}

const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * openid-client refuses plain-HTTP endpoints, as FAPI 2.0 requires TLS. The development hub listens
 * on the loopback interface without TLS (`http://127.0.0.1:3000`), where the traffic never leaves
 * the machine, so only there are plain-HTTP requests allowed; any other `http://` issuer is refused
 * when the demos are created.
 */
export function allowsInsecureRequests(issuer: URL): boolean {
  return issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname);
}

export function createHubClient(options: HubClientOptions): HubClient {
  const now = () => (options.clock ?? systemClock).now().getTime();
  let cached: { readonly config: Promise<oidc.Configuration>; readonly at: number } | undefined;

  const configuration = (): Promise<oidc.Configuration> => {
    if (cached === undefined || now() - cached.at > DISCOVERY_TTL_MS) {
      const config = discover(options);
      const entry = { config, at: now() };
      cached = entry;
      config.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.config;
  };

  return {
    async beginSignIn(request) {
      const config = await configuration();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const dpopKeys = await oidc.randomDPoPKeyPair('ES256', { extractable: true });
      const parameters: Record<string, string> = {
        response_type: 'code',
        redirect_uri: options.redirectUri,
        scope: request.scopes.join(' '),
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        acr_values: request.acr,
        idp_hint: request.idpHint,
      };
      if (request.loginHint !== undefined) parameters['login_hint'] = request.loginHint;
      const authorizationUrl = await oidc.buildAuthorizationUrlWithPAR(config, parameters, {
        DPoP: oidc.getDPoPHandle(config, dpopKeys),
      });
      return {
        authorizationUrl,
        pending: { state, nonce, codeVerifier, dpopKey: privateEcJwk(await exportJWK(dpopKeys.privateKey)) },
      };
    },

    async completeSignIn(callbackUrl, pending) {
      const config = await configuration();
      const DPoP = oidc.getDPoPHandle(config, await dpopKeyPair(pending.dpopKey));
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callbackUrl,
        {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        },
        undefined,
        { DPoP },
      );
      const idClaims = tokens.claims();
      // `expectedNonce` makes openid-client require and verify an ID token, so both are present.
      if (idClaims === undefined || tokens.id_token === undefined) throw new Error('ID token missing');
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub, { DPoP });
      return {
        idToken: tokens.id_token,
        acr: typeof idClaims.acr === 'string' ? idClaims.acr : undefined,
        amr: Array.isArray(idClaims.amr)
          ? idClaims.amr.filter((x): x is string => typeof x === 'string')
          : [],
        claims: { ...pickPersonClaims(idClaims), ...userinfo },
      };
    },

    async endSessionUrl(idToken, postLogoutRedirectUri) {
      const config = await configuration();
      if (config.serverMetadata().end_session_endpoint === undefined) return undefined;
      return oidc.buildEndSessionUrl(config, {
        id_token_hint: idToken,
        post_logout_redirect_uri: postLogoutRedirectUri,
      });
    },
  };
}

async function discover(options: HubClientOptions): Promise<oidc.Configuration> {
  const execute: Array<(config: oidc.Configuration) => void> = [];
  if (options.allowInsecureRequests) execute.push(oidc.allowInsecureRequests);
  const discoveryOptions: oidc.DiscoveryRequestOptions = { execute, timeout: 10 };
  const customFetch = options.fetch;
  if (customFetch !== undefined) {
    discoveryOptions[oidc.customFetch] = (url, init) => customFetch(url, init as RequestInit);
  }
  return oidc.discovery(
    options.issuer,
    options.clientId,
    { id_token_signed_response_alg: 'ES256', token_endpoint_auth_signing_alg: 'ES256' },
    oidc.PrivateKeyJwt({ key: options.clientKey.key, kid: options.clientKey.kid }),
    discoveryOptions,
  );
}

function privateEcJwk(jwk: JWK): PrivateEcJwk {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y || !jwk.d) {
    throw new TypeError('DPoP key must be a private EC P-256 JWK');
  }
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d };
}

/** Rebuilds the session's DPoP key pair from its private JWK (the public key is its x/y part). */
async function dpopKeyPair(jwk: PrivateEcJwk): Promise<CryptoKeyPair> {
  const { kty, crv, x, y } = jwk;
  const [privateKey, publicKey] = await Promise.all([
    importJWK({ ...jwk }, 'ES256', { extractable: false }),
    importJWK({ kty, crv, x, y }, 'ES256', { extractable: true }),
  ]);
  if (!(privateKey instanceof CryptoKey) || !(publicKey instanceof CryptoKey)) {
    throw new TypeError('DPoP key is not an EC key');
  }
  return { privateKey, publicKey };
}

/** ID token claims that describe the person (the protocol ones are left out). */
function pickPersonClaims(claims: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const protocol = new Set([
    'iss',
    'aud',
    'exp',
    'iat',
    'nbf',
    'nonce',
    'acr',
    'amr',
    'azp',
    'auth_time',
    'at_hash',
    'c_hash',
    'sid',
    'jti',
  ]);
  return Object.fromEntries(Object.entries(claims).filter(([k]) => !protocol.has(k)));
}
