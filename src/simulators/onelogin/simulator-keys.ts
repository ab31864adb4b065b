import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export interface SigningKey {
  readonly kid: string;
  readonly alg: 'ES256' | 'RS256';
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface SimulatorKeys {
  /** ID token keys, published at /.well-known/jwks.json ("Validate the signature of the ID token"). */
  readonly idTokenEs256: SigningKey;
  readonly idTokenRs256: SigningKey;
  /** The identity issuer's key, published only in the DID document ("Prove your user's identity"). */
  readonly identity: SigningKey;
}

/** Fresh keys per plugin instance: a simulator has no secrets worth keeping. */
export async function generateSimulatorKeys(): Promise<SimulatorKeys> {
  const [idTokenEs256, idTokenRs256, identity] = await Promise.all([
    generateSigningKey('ES256'),
    generateSigningKey('RS256'),
    generateSigningKey('ES256'),
  ]);
  return { idTokenEs256, idTokenRs256, identity };
}

async function generateSigningKey(alg: 'ES256' | 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: false });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}
