import { invalidResponse } from './fail.ts';
import type { LocalKeys } from './local-keys.ts';
import { openSealedJwt } from './open-sealed-jwt.ts';
import { type LegacySubject, parseLegacySubject } from './parse-legacy-subject.ts';
import type { ProviderKeys } from './provider-keys.ts';
import type { ConnectorDeps } from './types.ts';

/**
 * ID token validation (OIDC Core §3.1.3.7; Singpass "4. Parsing the ID Token"), after decryption and
 * the pinned ES256 signature check (open-sealed-jwt.ts):
 * - `iss` equals the discovery issuer; `aud` is our client id (alone, or with `azp` = us);
 * - `exp` in the future and `iat` not in the future, with a small clock tolerance;
 * - `nonce` equals the one we sent; `sub` present (`sub_type`, when sent, is `user`); under the
 *   legacy profile `sub` parses as `s=…,u=…` (parse-legacy-subject.ts);
 * - `acr`, when present, a string in the Singpass vocabulary (`urn:singpass:authentication:loa:N`).
 *   Whether the level is ENOUGH is not judged here: a lower level than the `acr_values` asked is an
 *   authentic answer (OIDC Core §3.1.2.1 leaves honouring acr_values to the OP; MockPass's FAPI mode
 *   answers loa:1 to every request), and the trust framework (`evaluateAssertion`) decides achieved
 *   against the relying party's requirement, in one place. An absent `acr` is passed on as absent:
 *   Singpass's published claim lists for the ID token do not all include it, and MockPass's legacy
 *   tokens carry none; the trust framework reads it as the LOWEST Singpass level, exactly like loa:1;
 * - `amr`, when present, a list of strings;
 * - times (`exp`, `iat`, `auth_time`) are JSON numbers, not necessarily integers (RFC 7519 §2
 *   NumericDate allows fractions; MockPass's FAPI `iat` has them); `auth_time` is passed on in whole
 *   seconds.
 */
const TOLERANCE_SECONDS = 30;
const ACR = /^urn:singpass:authentication:loa:(\d+)$/;

export interface VerifiedIdToken {
  readonly claims: Record<string, unknown>;
  readonly sub: string;
  readonly acr: string | undefined;
  readonly amr: readonly string[];
  readonly authTime: number | undefined;
  /** Legacy profile only: the parsed `s=…,u=…` subject. */
  readonly legacy: LegacySubject | undefined;
}

export async function verifyIdToken(
  deps: ConnectorDeps,
  idToken: string,
  expected: { issuer: string; nonce: string },
  local: LocalKeys,
  providerKeys: ProviderKeys,
): Promise<VerifiedIdToken> {
  const c = await openSealedJwt(idToken, 'id_token', local, providerKeys);
  const now = deps.clock.epochSeconds();
  const { clientId } = deps.options;

  if (c.iss !== expected.issuer)
    throw invalidResponse('iss', 'the ID token iss is not the configured issuer.');
  const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (!aud.includes(clientId) || (aud.length > 1 && c.azp !== clientId)) {
    throw invalidResponse('aud', 'the ID token was issued for another client (aud).');
  }
  if (typeof c.exp !== 'number' || c.exp <= now - TOLERANCE_SECONDS) {
    throw invalidResponse('exp', 'the ID token has expired; check the hub clock if this repeats.');
  }
  if (typeof c.iat !== 'number' || c.iat > now + TOLERANCE_SECONDS) {
    throw invalidResponse('iat', 'the ID token iat is missing or in the future; check the hub clock.');
  }
  if (typeof c.nonce !== 'string' || c.nonce !== expected.nonce) {
    throw invalidResponse('nonce', 'the ID token nonce does not match this login.');
  }
  if (typeof c.sub !== 'string' || c.sub === '') throw invalidResponse('sub', 'the ID token has no sub.');
  if (c.sub_type !== undefined && c.sub_type !== 'user')
    throw invalidResponse('sub_type', 'the ID token sub_type is not user.');
  const legacy = deps.options.profile === 'legacy' ? parseLegacySubject(c.sub) : undefined;
  if (c.amr !== undefined && !(Array.isArray(c.amr) && c.amr.every((m) => typeof m === 'string'))) {
    throw invalidResponse('amr', 'the ID token amr is not a list of strings.');
  }
  if (c.acr !== undefined && typeof c.acr !== 'string')
    throw invalidResponse('acr', 'the ID token acr is not a string.');
  const acr = typeof c.acr === 'string' ? ACR.exec(c.acr) : undefined;
  if (acr === null)
    throw invalidResponse(
      'acr',
      'the ID token acr is not a Singpass level (urn:singpass:authentication:loa:N).',
    );
  return {
    claims: c,
    sub: c.sub,
    acr: typeof c.acr === 'string' ? c.acr : undefined,
    amr: (c.amr as string[] | undefined) ?? [],
    authTime:
      typeof c.auth_time === 'number' && Number.isFinite(c.auth_time) ? Math.floor(c.auth_time) : undefined,
    legacy,
  };
}
