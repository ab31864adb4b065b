import { compactVerify, decodeProtectedHeader } from 'jose';
import type { Clock } from '../../kernel/index.ts';
import type { ExpiringStore } from './expiring-store.ts';
import { OAuthError } from './protocol-error.ts';
import type { ClientKeyResolver } from './resolve-client-keys.ts';

/**
 * Client authentication by `private_key_jwt` (RFC 7523 §2.2, §3; OIDC Core §9), as Singpass
 * documents it ("Client Assertion JWT"):
 * - `client_assertion_type` is `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`;
 * - header `alg` is ES256, ES384 or ES512 (never `none`, HS*, RS*); `typ` is present;
 * - `iss` = `sub` = the client id (and = `client_id` when that is sent too);
 * - `aud` = the issuer of this profile's discovery document;
 * - `iat` not in the future, `exp` not passed and **at most 2 minutes after `iat`**;
 * - `jti` present and never seen before (replay).
 */
const ALGS = ['ES256', 'ES384', 'ES512'];
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SKEW_SECONDS = 10;

export interface ClientAssertionContext {
  readonly issuer: string;
  readonly keys: ClientKeyResolver;
  readonly clock: Clock;
  readonly seenJtis: ExpiringStore<true>;
}

export async function verifyClientAssertion(
  body: URLSearchParams,
  ctx: ClientAssertionContext,
): Promise<string> {
  const fail = (why: string): never => {
    throw new OAuthError('invalid_client', why, 401);
  };
  if (body.get('client_assertion_type') !== JWT_BEARER) fail('client_assertion_type must be jwt-bearer');
  const assertion = body.get('client_assertion') ?? fail('client_assertion is missing');

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    return fail('client_assertion is not a JWS');
  }
  if (typeof header.alg !== 'string' || !ALGS.includes(header.alg)) fail('client_assertion alg not allowed');
  if (header.typ === undefined) fail('client_assertion header must carry typ');

  const payloadPart = assertion.split('.')[1] ?? '';
  let unverified: Record<string, unknown>;
  try {
    unverified = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return fail('client_assertion payload is not JSON');
  }
  const clientId = typeof unverified.iss === 'string' ? unverified.iss : fail('client_assertion iss missing');

  try {
    const key = await ctx.keys.verificationKey(clientId, {
      ...(header.kid === undefined ? {} : { kid: header.kid }),
      alg: header.alg as string,
    });
    await compactVerify(assertion, key, { algorithms: ALGS });
  } catch (err) {
    if (err instanceof OAuthError) throw err;
    fail('client_assertion signature is invalid');
  }

  const c = unverified;
  const now = ctx.clock.epochSeconds();
  if (c.sub !== clientId) fail('client_assertion sub must equal iss (the client id)');
  const sentClientId = body.get('client_id');
  if (sentClientId !== null && sentClientId !== clientId) fail('client_id does not match the assertion');
  const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (!aud.includes(ctx.issuer)) fail('client_assertion aud must be the issuer');
  if (typeof c.iat !== 'number' || typeof c.exp !== 'number') fail('client_assertion needs iat and exp');
  const iat = c.iat as number;
  const exp = c.exp as number;
  if (iat > now + SKEW_SECONDS) fail('client_assertion iat is in the future');
  if (exp <= now - SKEW_SECONDS) fail('client_assertion has expired');
  if (exp - iat > 120) fail('client_assertion exp must be at most 2 minutes after iat');
  if (typeof c.jti !== 'string' || c.jti === '') fail('client_assertion jti missing');
  const jtiKey = `${clientId}:${c.jti as string}`;
  if (ctx.seenJtis.peek(jtiKey) !== undefined) fail('client_assertion jti was already used');
  ctx.seenJtis.set(jtiKey, true, 180);
  return clientId;
}
