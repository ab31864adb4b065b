import { importJWK, type JWK } from 'jose';
import { OAuthError } from './protocol-error.ts';
import type { SimulatorClient } from './types.ts';

/** The key management algorithms the simulator will encrypt with (Singpass: ECDH-ES+A*KW). */
const ENCRYPTION_ALGS = ['ECDH-ES+A256KW', 'ECDH-ES+A192KW', 'ECDH-ES+A128KW'] as const;
const CACHE_MS = 5 * 60 * 1000;
const REFETCH_COOLDOWN_MS = 2000;

export interface EncryptionTarget {
  readonly key: CryptoKey | Uint8Array;
  readonly kid: string | undefined;
  readonly alg: string;
}

export interface ClientKeyResolver {
  client(clientId: string): SimulatorClient | undefined;
  /** A verification key of `clientId` for a JWS header; re-fetches its JWKS once on an unknown kid. */
  verificationKey(clientId: string, header: { kid?: string; alg?: string }): Promise<CryptoKey | Uint8Array>;
  /** The client's `use: enc` EC key, which ID tokens and userinfo are encrypted to. */
  encryptionKey(clientId: string): Promise<EncryptionTarget>;
}

export function createClientKeyResolver(
  clients: readonly SimulatorClient[],
  fetchImpl: typeof fetch,
): ClientKeyResolver {
  const cache = new Map<string, { keys: readonly JWK[]; fetchedAt: number }>();

  const load = async (client: SimulatorClient, force: boolean): Promise<readonly JWK[]> => {
    if (client.jwks !== undefined) return client.jwks.keys;
    if (client.jwksUri === undefined) throw new OAuthError('invalid_client', 'client has no keys', 401);
    const cached = cache.get(client.clientId);
    const now = Date.now();
    if (cached !== undefined) {
      const fresh = now - cached.fetchedAt < CACHE_MS;
      const coolingDown = now - cached.fetchedAt < REFETCH_COOLDOWN_MS;
      if ((fresh && !force) || coolingDown) return cached.keys;
    }
    try {
      const res = await fetchImpl(client.jwksUri, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { keys?: JWK[] };
      const keys = Array.isArray(body.keys) ? body.keys : [];
      cache.set(client.clientId, { keys, fetchedAt: now });
      return keys;
    } catch (cause) {
      throw new OAuthError('invalid_client', `could not fetch the client's JWKS: ${String(cause)}`, 401);
    }
  };

  const byId = (clientId: string): SimulatorClient => {
    const client = clients.find((c) => c.clientId === clientId);
    if (client === undefined) throw new OAuthError('invalid_client', 'unknown client_id', 401);
    return client;
  };

  const pickSigning = (keys: readonly JWK[], header: { kid?: string; alg?: string }): JWK | undefined =>
    keys.find(
      (k) =>
        k.kty === 'EC' &&
        (k.use === undefined || k.use === 'sig') &&
        (header.kid === undefined || k.kid === header.kid) &&
        (k.alg === undefined || k.alg === header.alg),
    );

  return {
    client: (clientId) => clients.find((c) => c.clientId === clientId),
    async verificationKey(clientId, header) {
      const client = byId(clientId);
      let jwk = pickSigning(await load(client, false), header);
      if (jwk === undefined) jwk = pickSigning(await load(client, true), header);
      if (jwk === undefined) throw new OAuthError('invalid_client', 'no client key matches the kid', 401);
      return importJWK(jwk, header.alg);
    },
    async encryptionKey(clientId) {
      const keys = await load(byId(clientId), false);
      const jwk = keys.find(
        (k) =>
          k.use === 'enc' &&
          k.kty === 'EC' &&
          (k.alg === undefined || (ENCRYPTION_ALGS as readonly string[]).includes(k.alg)),
      );
      if (jwk === undefined)
        throw new OAuthError('invalid_client', 'client JWKS has no EC `use: enc` key', 400);
      const alg = jwk.alg ?? 'ECDH-ES+A256KW';
      return { key: await importJWK(jwk, alg), kid: jwk.kid, alg };
    },
  };
}
