import type { JWK } from 'jose';
import type { Clock } from '../../kernel/index.ts';

/** The two Singpass profiles the simulator serves (identity-profiles.md, "Singpass"). */
export type SingpassProfile = 'fapi' | 'legacy';

/**
 * What a login should do. `normal` is a successful login; every other value reproduces one
 * failure a relying party must handle (README.md lists them in one table).
 */
export type Scenario =
  | 'normal'
  | 'access_denied'
  | 'temporarily_unavailable'
  | 'bad_signature'
  | 'expired_token'
  | 'wrong_nonce'
  | 'wrong_audience'
  | 'lower_assurance'
  | 'slow'
  | 'down'
  | 'enc_a256gcm'
  | 'float_times'
  | 'no_expires_in'
  | 'no_iss'
  | 'mockpass_fapi';

export interface SimulatorClient {
  readonly clientId: string;
  /** Where the simulator fetches the client's public keys (cached; re-fetched on an unknown `kid`). */
  readonly jwksUri?: string | undefined;
  /** The client's public keys given inline (wins over `jwksUri`). */
  readonly jwks?: { readonly keys: readonly JWK[] } | undefined;
  /** Exact redirect URIs; anything else is refused. */
  readonly redirectUris: readonly string[];
}

export type ContentEncryption = 'A256CBC-HS512' | 'A256GCM';

export interface SingpassSimulatorOptions {
  /** Public URL of the mount point, e.g. `http://127.0.0.1:3000/simulators/singpass`. */
  readonly baseUrl: string;
  readonly clients: readonly SimulatorClient[];
  /** Scenario for logins that do not name one in `login_hint` (default `normal`). */
  readonly defaultScenario?: Scenario | undefined;
  readonly clock?: Clock | undefined;
  /** Delay of the token endpoint in the `slow` scenario, in milliseconds (default 10 000). */
  readonly slowMs?: number | undefined;
  /** JWE `enc` of ID tokens and userinfo (default `A256CBC-HS512`, as Singpass). */
  readonly contentEncryption?: ContentEncryption | undefined;
  /** Ask FAPI clients for a server-provided DPoP nonce (RFC 9449 §8, §9); default false. */
  readonly requireDpopNonce?: boolean | undefined;
  /** Lifetime of a pushed `request_uri` in seconds (default 60). */
  readonly requestUriTtlSeconds?: number | undefined;
  /** Lifetime of an authorization code in seconds (default 60). */
  readonly codeTtlSeconds?: number | undefined;
  /** Used to fetch client JWKS (tests may inject one). */
  readonly fetch?: typeof fetch | undefined;
  /**
   * Serve userinfo (default true). False: discovery has no `userinfo_endpoint` and there is no
   * userinfo route, as for a Login app (no Myinfo) or MockPass's FAPI mode; name, email and mobile
   * then come only in the ID token's `sub_attributes`.
   */
  readonly userinfoEndpoint?: boolean | undefined;
  /**
   * FAPI: announce `authorization_response_iss_parameter_supported` and put `iss` on every callback
   * (RFC 9207; default true, as Singpass). False: neither, as MockPass's FAPI mode.
   */
  readonly issParameter?: boolean | undefined;
  /**
   * Discovery `scopes_supported`; an authorization request with any other scope is refused with
   * `invalid_scope` (default: openid, user.identity and the Myinfo scopes the personas carry).
   */
  readonly scopesSupported?: readonly string[] | undefined;
}

/** A pushed (FAPI) or query (legacy) authorization request that passed validation. */
export interface PendingAuthorization {
  readonly id: string;
  readonly profile: SingpassProfile;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string;
  readonly nonce: string;
  readonly codeChallenge: string | undefined;
  /** JWK thumbprint the code is bound to (RFC 9449 §10), FAPI only. */
  readonly dpopJkt: string | undefined;
  readonly acrValues: readonly string[];
  readonly personaId: string | undefined;
  readonly scenario: Scenario | undefined;
}

export interface IssuedCode {
  readonly pending: PendingAuthorization;
  readonly personaId: string;
  readonly scenario: Scenario;
  readonly acr: string;
  readonly amr: readonly string[];
  readonly authTime: number;
}

export interface IssuedAccessToken {
  readonly profile: SingpassProfile;
  /** The login's scenario (userinfo is sealed as the scenario says). */
  readonly scenario: Scenario;
  readonly clientId: string;
  readonly personaId: string;
  readonly scopes: readonly string[];
  readonly subject: string;
  readonly dpopJkt: string | undefined;
}
