import { errors, type JWTPayload, jwtVerify } from 'jose';
import { AuthorizeError } from './authorize-error.ts';
import type { ClientKeys } from './client-keys.ts';
import type { SimulatorContext } from './context.ts';
import { parseVtr } from './parse-vtr.ts';
import type { AuthRequest, SimulatorClient } from './types.ts';

/** Scopes in GOV.UK One Login's discovery document / "Choose which user attributes". */
export const SUPPORTED_SCOPES = ['openid', 'email', 'phone', 'wallet-subject-id'] as const;

/** Identity claims a service can ask for through `claims.userinfo` ("Prove your user's identity"). */
export const CORE_IDENTITY_CLAIM = 'https://vocab.account.gov.uk/v1/coreIdentityJWT';
export const ADDRESS_CLAIM = 'https://vocab.account.gov.uk/v1/address';
export const PASSPORT_CLAIM = 'https://vocab.account.gov.uk/v1/passport';
export const DRIVING_PERMIT_CLAIM = 'https://vocab.account.gov.uk/v1/drivingPermit';
export const RETURN_CODE_CLAIM = 'https://vocab.account.gov.uk/v1/returnCode';
export const SUPPORTED_USERINFO_CLAIMS = [
  CORE_IDENTITY_CLAIM,
  ADDRESS_CLAIM,
  PASSPORT_CLAIM,
  DRIVING_PERMIT_CLAIM,
  RETURN_CODE_CLAIM,
] as const;

type Query = Record<string, string | string[] | undefined>;

/**
 * Validates an authorization request ("Authenticate your user", "Make a request to the /authorize
 * endpoint" and "Secure your authorisation request parameters with JWT"). Rules, in order:
 * - `client_id` present and registered, else 400;
 * - with `request` (JAR): RS256-signed by a registered client key, `exp` present and not passed
 *   (60 s skew) else 400; its `redirect_uri` registered else 400; then, redirected to the client:
 *   `iss` = client_id and `client_id` equal to the query's (`unauthorized_client`), `aud` = this
 *   authorize URL (`access_denied`, as GOV.UK One Login and its public simulator answer),
 *   `response_type` and `scope` identical to the query's, no nested `request`/`request_uri`;
 * - without JAR: `redirect_uri` present and registered, else 400;
 * - `state` required; `response_type=code`; `scope` includes `openid` and only supported scopes
 *   (`invalid_scope`); `nonce` required; `vtr` valid (see parse-vtr.ts); `claims` a JSON object or
 *   a JSON string of one, naming only supported userinfo claims; `code_challenge_method=S256` when a
 *   `code_challenge` is sent; `login_hint` at most 256 characters.
 */
export async function validateAuthRequest(
  query: Query,
  ctx: SimulatorContext,
  keys: ClientKeys,
): Promise<AuthRequest> {
  const q = singleValued(query);
  const clientId = q.client_id;
  if (!clientId) throw new AuthorizeError('invalid_request', 'Request is missing the client_id parameter');
  const client = ctx.findClient(clientId);
  if (!client) throw new AuthorizeError('invalid_request', 'No client is registered with this client_id');

  let params: Record<string, unknown> = q;
  let redirectUri: string;
  if (q.request !== undefined) {
    if (q.request_uri !== undefined)
      throw new AuthorizeError('invalid_request', 'request and request_uri are mutually exclusive');
    const payload = await verifyRequestObject(q.request, client, ctx, keys);
    redirectUri = registeredRedirectUri(payload.redirect_uri, client);
    const state = typeof payload.state === 'string' ? payload.state : undefined;
    const back = { redirectUri, state };
    if (payload.iss !== clientId || payload.client_id !== clientId) {
      throw new AuthorizeError(
        'unauthorized_client',
        'Request object iss and client_id must equal the client_id',
        back,
      );
    }
    const aud = payload.aud;
    if (aud !== ctx.urls.authorize && !(Array.isArray(aud) && aud.includes(ctx.urls.authorize))) {
      throw new AuthorizeError(
        'access_denied',
        'Request object aud is not this authorization endpoint',
        back,
      );
    }
    if (payload.response_type !== q.response_type || payload.scope !== q.scope) {
      throw new AuthorizeError(
        'invalid_request',
        'response_type and scope must be identical in the query and the request object',
        back,
      );
    }
    if (payload.request !== undefined || payload.request_uri !== undefined) {
      throw new AuthorizeError(
        'invalid_request',
        'A request object must not contain request or request_uri',
        back,
      );
    }
    params = { ...payload, login_hint: payload.login_hint ?? q.login_hint };
    const request = validateParams(params, clientId, redirectUri);
    if (payload.claims === undefined || payload.claims === null) return request;
    return { ...request, requestObjectClaims: typeof payload.claims === 'string' ? 'string' : 'object' };
  }
  redirectUri = registeredRedirectUri(q.redirect_uri, client);
  return validateParams(params, clientId, redirectUri);
}

function validateParams(p: Record<string, unknown>, clientId: string, redirectUri: string): AuthRequest {
  const state = typeof p.state === 'string' && p.state !== '' ? p.state : undefined;
  const fail = (error: string, description: string): never => {
    throw new AuthorizeError(error, description, { redirectUri, state });
  };
  if (state === undefined) fail('invalid_request', 'Request is missing state parameter');
  if (p.response_type !== 'code') fail('unsupported_response_type', 'Unsupported response type');
  const scopes = typeof p.scope === 'string' ? p.scope.split(' ').filter((s) => s !== '') : [];
  if (
    !scopes.includes('openid') ||
    !scopes.every((s) => (SUPPORTED_SCOPES as readonly string[]).includes(s))
  ) {
    fail('invalid_scope', 'Invalid, unknown or malformed scope');
  }
  if (typeof p.nonce !== 'string' || p.nonce === '')
    fail('invalid_request', 'Request is missing nonce parameter');
  const vtr = parseVtr(p.vtr);
  if (!vtr) fail('invalid_request', 'Request vtr not valid');
  const claims = parseClaims(p.claims);
  if (!claims) fail('invalid_request', 'Request contains invalid claims');
  const challenge = p.code_challenge;
  if (challenge !== undefined && (typeof challenge !== 'string' || p.code_challenge_method !== 'S256')) {
    fail('invalid_request', 'code_challenge_method must be S256');
  }
  const loginHint = p.login_hint;
  if (loginHint !== undefined && (typeof loginHint !== 'string' || loginHint.length > 256)) {
    fail('invalid_request', 'login_hint parameter is invalid');
  }
  return {
    clientId,
    redirectUri,
    scopes,
    state: state as string,
    nonce: p.nonce as string,
    vtr: vtr ?? [],
    claims: claims ?? [],
    uiLocales: typeof p.ui_locales === 'string' ? p.ui_locales : undefined,
    loginHint: loginHint as string | undefined,
    codeChallenge: challenge as string | undefined,
  };
}

/** `claims` as a JSON object (the docs' request object example) or a JSON string (query form). */
function parseClaims(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null || raw === '') return [];
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const userinfo = (value as { userinfo?: unknown }).userinfo;
  if (userinfo === undefined || userinfo === null) return [];
  if (typeof userinfo !== 'object' || Array.isArray(userinfo)) return undefined;
  const names = Object.keys(userinfo);
  return names.every((n) => (SUPPORTED_USERINFO_CLAIMS as readonly string[]).includes(n)) ? names : undefined;
}

async function verifyRequestObject(
  jwt: string,
  client: SimulatorClient,
  ctx: SimulatorContext,
  keys: ClientKeys,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(jwt, (header) => keys.keyFor(client, header), {
      algorithms: ['RS256'],
      currentDate: ctx.clock.now(),
      clockTolerance: 60,
      requiredClaims: ['exp'],
    });
    return payload;
  } catch (err) {
    if (err instanceof errors.JWTExpired)
      throw new AuthorizeError('invalid_request', 'Request object has expired');
    throw new AuthorizeError(
      'invalid_request',
      'Request object signature could not be verified with a registered key',
    );
  }
}

function registeredRedirectUri(value: unknown, client: SimulatorClient): string {
  if (typeof value !== 'string' || !client.redirectUris.includes(value)) {
    throw new AuthorizeError('invalid_request', 'redirect_uri is missing or not registered for this client');
  }
  return value;
}

function singleValued(query: Query): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value))
      throw new AuthorizeError('invalid_request', `Parameter ${key} must not be repeated`);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
