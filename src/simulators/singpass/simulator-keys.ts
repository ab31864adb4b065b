import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { randomId } from '../../kernel/index.ts';

export interface SimulatorKeys {
  readonly kid: string;
  readonly signingKey: CryptoKey;
  /** A key that is not published; `bad_signature` signs with it under the real `kid`. */
  readonly rogueKey: CryptoKey;
  readonly publicJwks: { keys: JWK[] };
}

/** Fresh ES256 keys per simulator instance: Singpass signs ID tokens and userinfo with ES256. */
export async function createSimulatorKeys(): Promise<SimulatorKeys> {
  const real = await generateKeyPair('ES256', { extractable: true });
  const rogue = await generateKeyPair('ES256');
  const kid = `sim-sig-${randomId(6)}`;
  const publicJwk = { ...(await exportJWK(real.publicKey)), kid, use: 'sig', alg: 'ES256' };
  return {
    kid,
    signingKey: real.privateKey,
    rogueKey: rogue.privateKey,
    publicJwks: { keys: [publicJwk] },
  };
}
