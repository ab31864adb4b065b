import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { type Clock, sha256b64u } from '../../kernel/index.ts';
import type { ExpiringStore } from './expiring-store.ts';
import { OAuthError } from './protocol-error.ts';

/**
 * Checks a DPoP proof (RFC 9449 §4.3) and returns the thumbprint of its key (RFC 7638):
 * one `DPoP` header; `typ: dpop+jwt`; `alg` ES256 (Singpass's `dpop_signing_alg_values_supported`);
 * a public `jwk` header that verifies the signature; `htm` and `htu` equal to this request;
 * `iat` within the last 2 minutes (Singpass) and not in the future; `jti` never seen before;
 * `ath` = base64url(SHA-256(access token)) at a resource (§4.3 point 12); the server nonce when one
 * is required (§8, §9).
 */
const MAX_AGE_SECONDS = 120;
const FUTURE_SKEW_SECONDS = 5;

export interface DpopCheck {
  readonly proof: string | string[] | undefined;
  readonly htm: string;
  readonly htu: string;
  readonly accessToken?: string | undefined;
  readonly nonce?: string | undefined;
  /** `invalid_dpop_proof` at AS endpoints; at a resource the error goes in WWW-Authenticate. */
  readonly atResource?: boolean | undefined;
}

export async function verifyDpopProof(
  check: DpopCheck,
  clock: Clock,
  seenJtis: ExpiringStore<true>,
): Promise<string> {
  const fail = (why: string): never => {
    if (check.atResource === true) {
      throw new OAuthError('invalid_dpop_proof', why, 401, {
        'www-authenticate': `DPoP error="invalid_dpop_proof", algs="ES256"`,
      });
    }
    throw new OAuthError('invalid_dpop_proof', why, 400);
  };
  if (check.proof === undefined) fail('DPoP proof is missing');
  if (Array.isArray(check.proof)) fail('exactly one DPoP header is allowed');
  const proof = check.proof as string;

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    return fail('DPoP proof is not a JWS');
  }
  if (header.typ !== 'dpop+jwt') fail('DPoP proof typ must be dpop+jwt');
  if (header.alg !== 'ES256') fail('DPoP proof alg must be ES256');
  const jwk = header.jwk as JWK | undefined;
  if (jwk === undefined || typeof jwk !== 'object') fail('DPoP proof needs a jwk header');
  if ((jwk as JWK).d !== undefined) fail('DPoP jwk must be a public key');

  let claims: Record<string, unknown>;
  try {
    const key = await importJWK(jwk as JWK, 'ES256');
    const { payload } = await compactVerify(proof, key, { algorithms: ['ES256'] });
    claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  } catch {
    return fail('DPoP proof signature is invalid');
  }
  if (claims.htm !== check.htm) fail('DPoP htm does not match');
  if (typeof claims.htu !== 'string' || stripQuery(claims.htu) !== check.htu) fail('DPoP htu does not match');
  const now = clock.epochSeconds();
  if (typeof claims.iat !== 'number') fail('DPoP iat missing');
  const iat = claims.iat as number;
  if (iat > now + FUTURE_SKEW_SECONDS || iat < now - MAX_AGE_SECONDS) fail('DPoP proof iat is stale');
  if (typeof claims.jti !== 'string' || claims.jti === '') fail('DPoP jti missing');
  if (check.accessToken !== undefined && claims.ath !== sha256b64u(check.accessToken)) {
    fail('DPoP ath does not match the access token');
  }
  if (check.nonce !== undefined && claims.nonce !== check.nonce) {
    const headers: Record<string, string> = { 'dpop-nonce': check.nonce };
    if (check.atResource === true) headers['www-authenticate'] = 'DPoP error="use_dpop_nonce"';
    throw new OAuthError(
      'use_dpop_nonce',
      'a server-provided DPoP nonce is required',
      check.atResource ? 401 : 400,
      headers,
    );
  }
  const jti = claims.jti as string;
  if (seenJtis.peek(jti) !== undefined) fail('DPoP jti was already used');
  seenJtis.set(jti, true, MAX_AGE_SECONDS + FUTURE_SKEW_SECONDS);
  return calculateJwkThumbprint(jwk as JWK, 'sha256');
}

/** RFC 9449 §4.3 point 9: compare `htu` without query and fragment. */
function stripQuery(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url;
  }
}
