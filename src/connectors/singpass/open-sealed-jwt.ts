import { compactDecrypt, compactVerify, decodeProtectedHeader } from 'jose';
import { invalidResponse } from './fail.ts';
import type { LocalKeys } from './local-keys.ts';
import type { ProviderKeys } from './provider-keys.ts';

/**
 * Opens what Singpass sends as ID token and userinfo: a JWE for one of our keys around an ES256 JWS.
 * - JWE `alg`: ECDH-ES, ECDH-ES+A128KW/A192KW/A256KW only; `enc`: A256CBC-HS512 (Singpass) or
 *   A256GCM (Singpass's demo, MockPass FAPI); `cty`, when present, `JWT` (RFC 7519 §5.2).
 * - The key is chosen by the JWE `kid` among ours (several during rotation); without a `kid` each is tried.
 * - JWS `alg` is pinned to ES256 *before* any key is used: `none`, HS*, RS*, PS* and the rest are
 *   refused (RFC 8725 §3.1, §2.1 on algorithm confusion); the key comes from Singpass's JWKS by `kid`.
 */
const KEY_MANAGEMENT = ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW'];
const CONTENT_ENCRYPTION = ['A256CBC-HS512', 'A256GCM'];

export async function openSealedJwt(
  token: string,
  what: 'id_token' | 'userinfo',
  local: LocalKeys,
  providerKeys: ProviderKeys,
): Promise<Record<string, unknown>> {
  if (token.split('.').length !== 5) {
    throw invalidResponse('encryption', `the ${what} is not a JWE; Singpass always encrypts it.`);
  }
  let jweHeader: ReturnType<typeof decodeProtectedHeader>;
  try {
    jweHeader = decodeProtectedHeader(token);
  } catch {
    throw invalidResponse('encryption', `the ${what} JWE header cannot be read.`);
  }
  const alg = String(jweHeader.alg);
  const enc = String(jweHeader.enc);
  if (!KEY_MANAGEMENT.includes(alg) || !CONTENT_ENCRYPTION.includes(enc)) {
    throw invalidResponse(
      'encryption_alg',
      `the ${what} uses JWE alg ${alg} / enc ${enc}, which is not accepted.`,
    );
  }
  if (jweHeader.cty !== undefined && String(jweHeader.cty).toUpperCase() !== 'JWT') {
    throw invalidResponse('cty', `the ${what} JWE cty must be JWT.`);
  }
  const kid = typeof jweHeader.kid === 'string' ? jweHeader.kid : undefined;
  const keys = await local.decryptionKeys(kid, alg);
  if (keys.length === 0) {
    throw invalidResponse(
      'decryption_key',
      `the ${what} is encrypted to a kid we do not hold; check the JWKS registered with Singpass.`,
    );
  }
  let inner: string | undefined;
  for (const key of keys) {
    try {
      const { plaintext } = await compactDecrypt(token, key, {
        keyManagementAlgorithms: KEY_MANAGEMENT,
        contentEncryptionAlgorithms: CONTENT_ENCRYPTION,
      });
      inner = new TextDecoder().decode(plaintext);
      break;
    } catch {
      // try the next key (rotation); all failing is reported below
    }
  }
  if (inner === undefined)
    throw invalidResponse('decryption', `the ${what} could not be decrypted (tampered or wrong key).`);

  let jwsHeader: ReturnType<typeof decodeProtectedHeader>;
  try {
    jwsHeader = decodeProtectedHeader(inner);
  } catch {
    throw invalidResponse('signature', `the decrypted ${what} is not a JWS.`);
  }
  if (jwsHeader.alg !== 'ES256') {
    throw invalidResponse('alg', `the ${what} must be signed with ES256, not ${String(jwsHeader.alg)}.`);
  }
  const key = await providerKeys(typeof jwsHeader.kid === 'string' ? jwsHeader.kid : undefined);
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(inner, key, { algorithms: ['ES256'] }));
  } catch {
    throw invalidResponse(
      'signature',
      `the ${what} signature does not verify with Singpass's published key.`,
    );
  }
  try {
    const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
    if (typeof claims === 'object' && claims !== null && !Array.isArray(claims))
      return claims as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw invalidResponse('claims', `the ${what} payload is not a JSON object.`);
}
