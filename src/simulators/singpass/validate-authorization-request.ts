import { findPersona } from './personas.ts';
import { OAuthError } from './protocol-error.ts';
import { parseLoginHint } from './scenarios.ts';
import type { PendingAuthorization, SimulatorClient, SingpassProfile } from './types.ts';

/**
 * The authorization request parameters both profiles share (OIDC Core §3.1.2.1; RFC 7636 §4.3;
 * Singpass "1. Authorization Request"): `response_type=code`, `scope` containing `openid` and
 * nothing outside discovery's `scopes_supported` (RFC 6749 §4.1.2.1 `invalid_scope`), a
 * registered `redirect_uri` (exact match), `state` and `nonce`, PKCE with `S256` (mandatory under
 * FAPI, checked when sent under legacy), `acr_values` from the Singpass vocabulary.
 */
const ACR = /^urn:singpass:authentication:loa:[123]$/;

export function validateAuthorizationRequest(
  params: URLSearchParams,
  client: SimulatorClient,
  profile: SingpassProfile,
  id: string,
  dpopJkt: string | undefined,
  scopesSupported: readonly string[],
): PendingAuthorization {
  const invalid = (why: string): never => {
    throw new OAuthError('invalid_request', why);
  };
  const redirectUri = params.get('redirect_uri') ?? invalid('redirect_uri is missing');
  if (!client.redirectUris.includes(redirectUri)) invalid('redirect_uri is not registered for this client');
  if (params.get('response_type') !== 'code') {
    throw new OAuthError('unsupported_response_type', 'only response_type=code is supported');
  }
  const scopes = (params.get('scope') ?? '').split(' ').filter((s) => s !== '');
  if (!scopes.includes('openid')) throw new OAuthError('invalid_scope', 'scope must include openid');
  const unknown = scopes.filter((s) => !scopesSupported.includes(s));
  if (unknown.length > 0)
    throw new OAuthError('invalid_scope', `unsupported scope ${unknown.join(' ')} (see scopes_supported)`);
  const state = params.get('state') ?? invalid('state is missing');
  const nonce = params.get('nonce') ?? invalid('nonce is missing');
  const codeChallenge = params.get('code_challenge') ?? undefined;
  const method = params.get('code_challenge_method');
  if (codeChallenge === undefined && profile === 'fapi') invalid('code_challenge is required (PKCE)');
  if (codeChallenge !== undefined && method !== 'S256') invalid('code_challenge_method must be S256');
  if (codeChallenge !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(codeChallenge))
    invalid('code_challenge is malformed');
  const acrValues = (params.get('acr_values') ?? '').split(' ').filter((s) => s !== '');
  if (acrValues.some((a) => !ACR.test(a)))
    invalid('acr_values must be urn:singpass:authentication:loa:1|2|3');

  const hint = params.get('login_hint') ?? undefined;
  const headless = parseLoginHint(hint);
  if (hint !== undefined && headless !== null && findPersona(headless.personaId) === undefined) {
    invalid('login_hint names an unknown persona');
  }
  return {
    id,
    profile,
    clientId: client.clientId,
    redirectUri,
    scopes,
    state,
    nonce,
    codeChallenge,
    dpopJkt,
    acrValues,
    personaId: headless?.personaId,
    scenario: headless?.scenario,
  };
}
