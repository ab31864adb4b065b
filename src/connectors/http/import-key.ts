import { importJWK, type JWK } from 'jose';

/**
 * Public keys imported once per JWK object: key sets and DID documents are cached (and replaced by
 * new objects when fetched again), so every login would otherwise import the same key anew — an
 * import costs about as much as the signature check it serves.
 */
const imported = new WeakMap<JWK, Map<string, Promise<CryptoKey | Uint8Array>>>();

/** `alg` as jose's importJWK takes it (undefined: the JWK's own `alg`). */
export function importPublicKey(jwk: JWK, alg: string | undefined): Promise<CryptoKey | Uint8Array> {
  let byAlg = imported.get(jwk);
  if (byAlg === undefined) {
    byAlg = new Map();
    imported.set(jwk, byAlg);
  }
  let key = byAlg.get(alg ?? '');
  if (key === undefined) {
    key = importJWK(jwk, alg);
    byAlg.set(alg ?? '', key);
  }
  return key;
}
