import { importJWK, type JWK } from 'jose';
import { GovbridgeError } from '../../kernel/index.ts';

/**
 * Our own keys, checked once at construction so that a misconfiguration fails at start rather than
 * at the first login. Singpass wants an ES256 signing key and ECDH-ES encryption keys, each with a
 * `kid` (its JWKS is how Singpass finds them).
 */
export interface LocalKeys {
  readonly signingKid: string;
  signingKey(): Promise<CryptoKey | Uint8Array>;
  /** Private decryption keys with their kid, imported for the JWE header's `alg`. */
  decryptionKeys(kid: string | undefined, alg: string): Promise<Array<CryptoKey | Uint8Array>>;
  publicJwks(): { keys: JWK[] };
}

const keyError = (message: string): GovbridgeError =>
  new GovbridgeError('key_error', `Singpass connector keys: ${message}`, { detail: { scheme: 'singpass' } });

const publicPart = (jwk: JWK): JWK => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });

export function createLocalKeys(signing: JWK, encryption: readonly JWK[]): LocalKeys {
  if (signing.kty !== 'EC' || signing.crv !== 'P-256' || signing.d === undefined || !signing.kid) {
    throw keyError('the signing key must be a private P-256 (ES256) JWK with a kid.');
  }
  if (encryption.length === 0) throw keyError('at least one encryption key is needed.');
  for (const key of encryption) {
    if (
      key.kty !== 'EC' ||
      key.d === undefined ||
      !key.kid ||
      !['P-256', 'P-384', 'P-521'].includes(key.crv ?? '')
    ) {
      throw keyError('each encryption key must be a private EC (ECDH-ES) JWK with a kid.');
    }
  }
  const signingKid = signing.kid;
  let signingKey: Promise<CryptoKey | Uint8Array> | undefined;
  const imported = new Map<string, Promise<CryptoKey | Uint8Array>>();
  const importFor = (jwk: JWK, alg: string): Promise<CryptoKey | Uint8Array> => {
    const id = `${jwk.kid}|${alg}`;
    let key = imported.get(id);
    if (key === undefined) {
      key = importJWK({ ...jwk, alg: undefined }, alg);
      imported.set(id, key);
    }
    return key;
  };
  return {
    signingKid,
    signingKey: () => {
      signingKey ??= importJWK({ ...signing, alg: 'ES256' }, 'ES256');
      return signingKey;
    },
    decryptionKeys: (kid, alg) =>
      Promise.all(encryption.filter((k) => kid === undefined || k.kid === kid).map((k) => importFor(k, alg))),
    publicJwks: () => ({
      keys: [
        { ...publicPart(signing), kid: signingKid, use: 'sig', alg: 'ES256' },
        ...encryption.map((k) => ({
          ...publicPart(k),
          kid: k.kid,
          use: 'enc',
          alg: k.alg ?? 'ECDH-ES+A256KW',
        })),
      ],
    }),
  };
}
