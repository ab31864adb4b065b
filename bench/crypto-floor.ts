import { diffieHellman, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';

/**
 * The cryptographic floor of a login on this machine, with node:crypto on one core: ECDSA P-256
 * (ES256, as JWS uses it) signatures and verifications, ECDH P-256 derivations (as ECDH-ES JWE
 * uses them), P-256 key generation and RSA-2048 (RS256) signatures, per second. Each is run for a fixed time, synchronously.
 */
export interface CryptoFloor {
  readonly signPerSecond: number;
  readonly verifyPerSecond: number;
  readonly ecdhPerSecond: number;
  readonly keygenPerSecond: number;
  /** RSA-2048 PKCS#1 v1.5 (RS256) signatures: the One Login connector's request objects and client assertions. */
  readonly rsaSignPerSecond: number;
}

function rate(durationMs: number, op: () => void): number {
  for (let i = 0; i < 200; i++) op();
  let n = 0;
  const start = performance.now();
  const end = start + durationMs;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 50; i++) op();
    n += 50;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

export function measureCryptoFloor(durationMs = 1000): CryptoFloor {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const peer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = randomBytes(600);
  const options = { key: privateKey, dsaEncoding: 'ieee-p1363' as const };
  const signature = sign('sha256', data, options);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    signPerSecond: rate(durationMs, () => sign('sha256', data, options)),
    verifyPerSecond: rate(durationMs, () => {
      if (!verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)) {
        throw new Error('verification failed');
      }
    }),
    ecdhPerSecond: rate(durationMs, () => diffieHellman({ privateKey, publicKey: peer.publicKey })),
    keygenPerSecond: rate(durationMs, () => generateKeyPairSync('ec', { namedCurve: 'P-256' })),
    rsaSignPerSecond: rate(durationMs, () => sign('sha256', data, rsa.privateKey)),
  };
}
