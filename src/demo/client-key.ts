import { createECDH, hkdfSync } from 'node:crypto';
import type { CryptoKey, JWK } from 'jose';
import { calculateJwkThumbprint, importJWK } from 'jose';

/**
 * A demo's client-authentication key (ES256, `private_key_jwt`), made at start and kept in memory.
 *
 * It is *derived* from the configured secret rather than drawn at random, because every hub process
 * creates the demos and registers their clients in the shared client registry: with random keys the
 * last process to start would replace the others' public keys, and their token requests would fail
 * with `invalid_client`. Derived keys are the same in every process that shares the secret (and
 * across restarts). HKDF-SHA-256 (RFC 5869) with its own label keeps this key independent of the
 * cookie key derived from the same secret.
 */
export interface ClientKey {
  readonly privateKey: CryptoKey;
  /** Public JWK with `kid` (its RFC 7638 thumbprint), `alg: ES256` and `use: sig`. */
  readonly publicJwk: JWK;
  readonly kid: string;
}

/** The order n of the P-256 group (SEC 2 §2.4.2): a private key is an integer in [1, n-1]. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

export async function deriveClientKey(secret: string, clientId: string): Promise<ClientKey> {
  const { publicPart, d } = deriveP256(secret, 'govbridge demo client key', clientId);
  const privateKey = await importJWK({ ...publicPart, d }, 'ES256');
  if (!(privateKey instanceof CryptoKey)) throw new TypeError('expected an EC private key');
  const kid = await calculateJwkThumbprint(publicPart);
  return { privateKey, kid, publicJwk: { ...publicPart, kid, alg: 'ES256', use: 'sig' } };
}

/** A P-256 key pair as JWK members: the public part (`kty`, `crv`, `x`, `y`) and the private `d`. */
export interface DerivedP256 {
  readonly publicPart: { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string };
  /** base64url private scalar. */
  readonly d: string;
}

/**
 * A P-256 key pair derived from `secret` with HKDF-SHA-256 (RFC 5869): `label` is the salt that
 * keeps each kind of key independent of the others made from the same secret, `id` (a client or
 * agency id) the info that separates the keys of one kind.
 */
export function deriveP256(secret: string, label: string, id: string): DerivedP256 {
  const d = privateScalar(secret, label, id);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey(); // uncompressed: 0x04 || x (32 bytes) || y (32 bytes)
  return {
    publicPart: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    d: d.toString('base64url'),
  };
}

/** 32 bytes from HKDF, retried with a counter in the (≈2^-32) case they are not a valid scalar. */
function privateScalar(secret: string, label: string, id: string): Buffer {
  for (let counter = 0; ; counter++) {
    const candidate = Buffer.from(hkdfSync('sha256', secret, label, `${id}#${counter}`, 32));
    const value = BigInt(`0x${candidate.toString('hex')}`);
    if (value > 0n && value < P256_ORDER) return candidate;
  }
}
