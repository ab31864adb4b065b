import { SignJWT } from 'jose';
import { randomId, sha256b64u } from '../../kernel/index.ts';
import type { OneLoginAuthRequest } from '../../trust/index.ts';
import type { ConnectorBeginInput, ConnectorBeginResult } from '../types.ts';
import type { ConnectorRuntime } from './runtime.ts';
import { oneLoginUiLocales } from './ui-locales.ts';

/** "Create a JWT assertion … We recommend an expiration after 5 minutes" (same for the request object). */
const REQUEST_OBJECT_TTL_SECONDS = 300;

/**
 * Starts a login ("Authenticate your user", "Secure your authorisation request parameters with
 * JWT"): every OIDC parameter goes into a request object signed RS256 with our key (`aud` = the
 * authorize endpoint, `iss` = client_id, `exp` in 5 minutes, `jti`); only `response_type`, `scope`
 * and `client_id` are repeated, identically, in the query ("you do not set any other OIDC
 * parameters using query parameters"). `vtr` is the JSON array from the request; `claims.userinfo`
 * names the identity claims asked for — as a JSON object, the documented form, or, with
 * `requestObjectClaims: 'string'`, as a JSON string (for the public simulator, which answers HTTP
 * 500 to an object; GOV.UK One Login accepts both); PKCE S256 protects the code.
 */
export async function buildAuthorizationRequest(
  rt: ConnectorRuntime,
  input: ConnectorBeginInput,
  request: OneLoginAuthRequest,
): Promise<ConnectorBeginResult> {
  const discovery = await rt.discovery();
  const state = randomId();
  const nonce = randomId();
  const codeVerifier = randomId();
  const scope = request.scopes.includes('openid')
    ? request.scopes.join(' ')
    : ['openid', ...request.scopes].join(' ');
  const now = rt.clock.epochSeconds();

  const claims: Record<string, unknown> = {
    response_type: 'code',
    client_id: rt.clientId,
    redirect_uri: input.redirectUri,
    scope,
    state,
    nonce,
    vtr: [...request.vtr],
    code_challenge: sha256b64u(codeVerifier),
    code_challenge_method: 'S256',
  };
  if (request.userinfoClaims.length > 0) {
    const claimsRequest = { userinfo: Object.fromEntries(request.userinfoClaims.map((c) => [c, null])) };
    claims.claims = rt.requestObjectClaims === 'string' ? JSON.stringify(claimsRequest) : claimsRequest;
  }
  if (input.loginHint !== undefined) claims.login_hint = input.loginHint;
  // Only what One Login accepts: `en` and `cy` (ui-locales.ts).
  const uiLocales = oneLoginUiLocales(input.uiLocales);
  if (uiLocales !== undefined) claims.ui_locales = uiLocales;
  // One Login honours prompt=login by asking the person to sign in again ("Authenticate your user").
  if (input.forceLogin) claims.prompt = 'login';

  const requestObject = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: rt.signingKid, typ: 'JWT' })
    .setIssuer(rt.clientId)
    .setAudience(discovery.authorization_endpoint)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + REQUEST_OBJECT_TTL_SECONDS)
    .setJti(randomId(16))
    .sign(await rt.signingKey());

  const url = new URL(discovery.authorization_endpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', scope);
  url.searchParams.set('client_id', rt.clientId);
  url.searchParams.set('request', requestObject);
  return {
    authorizationUrl: url.toString(),
    transaction: {
      scheme: 'onelogin',
      state,
      nonce,
      codeVerifier,
      redirectUri: input.redirectUri,
      request,
      createdAt: now,
    },
    unsupportedScopes: [],
  };
}
