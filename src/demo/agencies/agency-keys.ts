import { hkdfSync } from 'node:crypto';
import type { CryptoKey, JWK } from 'jose';
import { calculateJwkThumbprint, importJWK } from 'jose';
import { deriveP256 } from '../client-key.ts';

/**
 * A demo agency's keys, derived from the shared secret and the agency id (HKDF-SHA-256, RFC 5869),
 * each kind with its own label, for the same reason as the demo client keys (`client-key.ts`):
 * every hub process registers the agencies in the shared registry, and any of them may receive a
 * notification, so they must all hold the same keys — across restarts too — without storing them.
 *
 * - the P-256 key the hub encrypts notification data to (ECDH-ES+A256KW, RFC 7518 §4.6);
 * - a 32-byte AES-256-GCM key that seals what the agency keeps in its inbox.
 */
export interface AgencyKeys {
  readonly decryptionKey: CryptoKey;
  /** Public JWK: `kty`, `crv`, `x`, `y`, `kid` (RFC 7638 thumbprint), `use: enc`, `alg: ECDH-ES+A256KW`. */
  readonly encryptionJwk: JWK;
  readonly kid: string;
  readonly sealingKey: Uint8Array;
}

export const AGENCY_KEY_ALG = 'ECDH-ES+A256KW';

export async function deriveAgencyKeys(secret: string, agencyId: string): Promise<AgencyKeys> {
  const { publicPart, d } = deriveP256(secret, 'govbridge demo agency encryption key', agencyId);
  const decryptionKey = await importJWK({ ...publicPart, d }, AGENCY_KEY_ALG);
  if (!(decryptionKey instanceof CryptoKey)) throw new TypeError('expected an EC private key');
  const kid = await calculateJwkThumbprint(publicPart);
  const sealingKey = new Uint8Array(hkdfSync('sha256', secret, 'govbridge demo agency inbox', agencyId, 32));
  return {
    decryptionKey,
    kid,
    encryptionJwk: { ...publicPart, kid, use: 'enc', alg: AGENCY_KEY_ALG },
    sealingKey,
  };
}
