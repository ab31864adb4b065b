import type { JWK } from 'jose';
import type { SchemeAssertion, SchemeAuthRequest, SchemeId } from '../trust/index.ts';

/**
 * One interface for every national scheme. Connectors are stateless: everything a login needs
 * between `begin` and `complete` is in the JSON-serialisable `ConnectorTransaction`, which the
 * broker keeps in the (shared, database-backed) interaction, so any hub process can finish a login
 * another process started.
 *
 * Errors are `GovbridgeError`s:
 * - `access_denied` — the person cancelled or the scheme refused (exposed);
 * - `temporarily_unavailable` — the scheme said so;
 * - `upstream_timeout` / `upstream_unavailable` — no answer in time, or a network/5xx failure;
 * - `upstream_invalid_response` — anything that failed verification (signature, `alg`, `iss`, `aud`,
 *   `exp`, `nonce`, `state`, vot mismatch, DID key …), with `detail.check` naming the check.
 */
export interface ConnectorBeginInput {
  readonly request: SchemeAuthRequest;
  /** The hub's callback for this scheme, registered with the scheme. */
  readonly redirectUri: string;
  /** Forwarded upstream; the simulators use it to pick a persona (and scenario) headlessly. */
  readonly loginHint?: string | undefined;
  readonly uiLocales?: string | undefined;
  /**
   * The relying party asked for a fresh authentication (`prompt=login` or `max_age`, OIDC Core
   * §3.1.2.1): ask the scheme not to reuse its own single sign-on session, where it supports that.
   */
  readonly forceLogin?: boolean | undefined;
}

export interface ConnectorTransaction {
  readonly scheme: SchemeId;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
  readonly request: SchemeAuthRequest;
  /** Private DPoP key for this login (Singpass FAPI), as a JWK. */
  readonly dpopKey?: JWK | undefined;
  /** Scopes of `request` that were not sent upstream (see `ConnectorBeginResult.unsupportedScopes`). */
  readonly unsupportedScopes?: string[] | undefined;
  readonly createdAt: number;
}

export interface ConnectorBeginResult {
  /** Where to send the browser. */
  readonly authorizationUrl: string;
  readonly transaction: ConnectorTransaction;
  /**
   * Scopes of the request that were NOT sent upstream because the scheme's discovery document does
   * not list them in `scopes_supported` (empty when all were sent, or when the scheme publishes no
   * list). The attributes that need them will not come back: report them as unavailable.
   */
  readonly unsupportedScopes: readonly string[];
}

export interface SchemeConnector {
  readonly scheme: SchemeId;
  begin(input: ConnectorBeginInput): Promise<ConnectorBeginResult>;
  /** `params` are the query parameters the scheme sent to the callback. */
  complete(params: URLSearchParams, transaction: ConnectorTransaction): Promise<SchemeAssertion>;
  /** The public keys the scheme needs from us (Singpass fetches them from our JWKS endpoint). */
  publicJwks(): { keys: JWK[] };
}
