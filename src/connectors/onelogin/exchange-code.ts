import { SignJWT } from 'jose';
import { randomId, redactUpstreamText } from '../../kernel/index.ts';
import type { ConnectorTransaction } from '../types.ts';
import { invalidResponse } from './connector-error.ts';
import { requestJson } from './http-client.ts';
import type { ConnectorRuntime } from './runtime.ts';
import { parseWith, tokenResponseSchema } from './schemas.ts';

const ASSERTION_TTL_SECONDS = 300;

export interface TokenSet {
  readonly accessToken: string;
  readonly idToken: string;
}

/**
 * Redeems the code ("Make a token request"): `private_key_jwt` with an RS256 assertion whose
 * `iss` = `sub` = client_id, `aud` = the token endpoint, `exp` in 5 minutes, a fresh `jti` and
 * `iat`; plus the PKCE `code_verifier`. A 4xx answer is an `upstream_invalid_response` carrying
 * One Login's OAuth `error` code (never its description, which may echo input).
 */
export async function exchangeCode(
  rt: ConnectorRuntime,
  code: string,
  tx: ConnectorTransaction,
): Promise<TokenSet> {
  const discovery = await rt.discovery();
  const now = rt.clock.epochSeconds();
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: rt.signingKid, typ: 'JWT' })
    .setIssuer(rt.clientId)
    .setSubject(rt.clientId)
    .setAudience(discovery.token_endpoint)
    .setIssuedAt(now)
    .setExpirationTime(now + ASSERTION_TTL_SECONDS)
    .setJti(randomId())
    .sign(await rt.signingKey());
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: tx.redirectUri,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    code_verifier: tx.codeVerifier,
  });
  const res = await requestJson(rt.http, 'token_request', discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
  if (res.status !== 200) {
    const error = oauthError(res.body);
    throw invalidResponse(
      'token_request',
      `the token request was refused (HTTP ${res.status}, error ${error})`,
      {
        status: res.status,
        error,
        description: redactUpstreamText(
          typeof res.body === 'object' && res.body !== null
            ? (res.body as { error_description?: unknown }).error_description
            : undefined,
        ),
      },
    );
  }
  const tokens = parseWith(tokenResponseSchema, res.body, 'token_response', 'The token response');
  return { accessToken: tokens.access_token, idToken: tokens.id_token };
}

/** The OAuth `error` code if it is a plain token (RFC 6749 §5.2 limits it to printable ASCII). */
export function oauthError(body: unknown): string {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  return typeof error === 'string' && /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(error) ? error : 'unknown';
}
