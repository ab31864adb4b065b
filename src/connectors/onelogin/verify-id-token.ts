import { createHash } from 'node:crypto';
import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';
import { GovbridgeError } from '../../kernel/index.ts';
import { findWithRefresh, importPublicKey } from '../http/index.ts';
import { invalidResponse } from './connector-error.ts';
import type { ConnectorRuntime } from './runtime.ts';

/** ID tokens are ES256 by default, RS256 if registered ("Understand your ID token"); nothing else. */
const ID_TOKEN_ALGORITHMS = ['ES256', 'RS256'];
/** Tolerance for clock differences on `exp`, `iat` and `nbf`. */
export const CLOCK_TOLERANCE_SECONDS = 30;

export interface VerifiedIdToken {
  readonly sub: string;
  readonly vot: string;
  readonly vtm: string;
  readonly authTime?: number | undefined;
}

/**
 * Validates the ID token as "Validate your ID token" requires, every step:
 * - `alg` is ES256 or RS256 (so `none` and HS* are refused) and equals the JWKS key's `alg`;
 * - the key is found by `kid` in the JWKS from `jwks_uri`, re-fetched once if the `kid` is unknown
 *   (key rotation, "Use the kid to see which public key signed the ID token");
 * - the signature verifies; `iss` equals the discovery issuer exactly; `aud` contains our client id;
 * - now < `exp` and `iat` ≤ now (± 30 s); `nonce` equals ours;
 * - `vot` equals the credential part we asked for (`Cl.Cm` for `Cl.Cm.P2`); `vtm` present;
 * - `at_hash`, when present, matches the access token (OIDC Core §3.1.3.8).
 */
export async function verifyIdToken(
  rt: ConnectorRuntime,
  idToken: string,
  expected: { nonce: string; vots: readonly string[]; accessToken: string },
): Promise<VerifiedIdToken> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(idToken);
  } catch {
    throw invalidResponse('id_token_format', 'the ID token is not a compact JWS');
  }
  if (typeof header.alg !== 'string' || !ID_TOKEN_ALGORITHMS.includes(header.alg)) {
    throw invalidResponse('id_token_alg', `the ID token alg ${String(header.alg)} is not ES256 or RS256`);
  }
  const discovery = await rt.discovery();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, (h) => keyFor(rt, h.kid, h.alg), {
      algorithms: ID_TOKEN_ALGORITHMS,
      issuer: discovery.issuer,
      audience: rt.clientId,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: rt.clock.now(),
      requiredClaims: ['sub', 'iat', 'exp', 'nonce'],
    }));
  } catch (err) {
    throw mapJoseError(err, 'id_token');
  }
  if (typeof payload.iat === 'number' && payload.iat > rt.clock.epochSeconds() + CLOCK_TOLERANCE_SECONDS) {
    throw invalidResponse('id_token_iat', 'the ID token iat is in the future');
  }
  if (payload.nonce !== expected.nonce) {
    throw invalidResponse(
      'nonce',
      'the ID token nonce does not match the one sent in the authorization request',
    );
  }
  if (typeof payload.vot === 'string' && isBelowRequested(payload.vot, expected.vots)) {
    // An authentic answer at a lower credential level than asked: the level was not met (the relying
    // party can ask for less or try again), not a broken response.
    throw new GovbridgeError(
      'unmet_authentication_requirements',
      `GOV.UK One Login: the sign-in reached credential trust ${payload.vot}, below the ${expected.vots.join(' or ')} requested`,
      { detail: { scheme: 'onelogin', check: 'vot', requested: [...expected.vots], received: payload.vot } },
    );
  }
  if (typeof payload.vot !== 'string' || !expected.vots.includes(payload.vot)) {
    throw invalidResponse(
      'vot',
      `the ID token vot is not the credential trust requested (${expected.vots.join(' or ')})`,
      {
        vot: typeof payload.vot === 'string' ? payload.vot : undefined,
      },
    );
  }
  if (typeof payload.vtm !== 'string' || payload.vtm === '')
    throw invalidResponse('vtm', 'the ID token has no vtm');
  if (payload.at_hash !== undefined && payload.at_hash !== atHash(expected.accessToken)) {
    throw invalidResponse('at_hash', 'the ID token at_hash does not match the access token');
  }
  return {
    sub: payload.sub as string,
    vot: payload.vot,
    vtm: payload.vtm,
    authTime: typeof payload.auth_time === 'number' ? payload.auth_time : undefined,
  };
}

async function keyFor(
  rt: ConnectorRuntime,
  kid: string | undefined,
  alg: string | undefined,
): Promise<CryptoKey> {
  if (kid === undefined) throw invalidResponse('id_token_kid', 'the ID token header has no kid');
  const { found: jwk } = await findWithRefresh(rt.jwks, (jwks) => jwks.keys.find((k) => k.kid === kid));
  if (!jwk)
    throw invalidResponse('id_token_kid', "the ID token kid is not in One Login's JWKS (do not trust it)");
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    throw invalidResponse('id_token_alg', 'the ID token alg does not match the alg of its JWKS key');
  }
  const key = await importPublicKey(jwk, alg);
  if (key instanceof Uint8Array) throw invalidResponse('id_token_alg', 'symmetric keys are not accepted');
  return key;
}

function atHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/**
 * jose's errors → our checks, prefixed with the token (`id_token_…`, `core_identity_…`). Only
 * jose's `code` and the claim name travel; its `payload` (which may hold personal data) never does.
 */
export function mapJoseError(err: unknown, prefix: string): GovbridgeError {
  if (err instanceof GovbridgeError) return err;
  const what = prefix === 'id_token' ? 'the ID token' : 'the core identity JWT';
  if (err instanceof errors.JWTExpired) return invalidResponse(`${prefix}_exp`, `${what} has expired`);
  if (err instanceof errors.JWTClaimValidationFailed) {
    return invalidResponse(`${prefix}_${err.claim}`, `${what} failed the ${err.claim} check (${err.reason})`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return invalidResponse(`${prefix}_signature`, `${what} signature does not verify`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return invalidResponse(`${prefix}_alg`, `${what} uses an algorithm that is not accepted`);
  }
  if (err instanceof errors.JOSEError)
    return invalidResponse(`${prefix}_format`, `${what} is malformed (${err.code})`);
  return invalidResponse(`${prefix}_format`, `${what} could not be verified`);
}

/** Credential trust levels, lowest first ("Choose the level of authentication", One Login docs). */
const CREDENTIAL_LEVELS = ['Cl', 'Cl.Cm'];

function isBelowRequested(vot: string, requested: readonly string[]): boolean {
  const rank = CREDENTIAL_LEVELS.indexOf(vot);
  const asked = requested.map((v) => CREDENTIAL_LEVELS.indexOf(v)).filter((r) => r >= 0);
  return rank >= 0 && asked.length > 0 && rank < Math.min(...asked);
}
