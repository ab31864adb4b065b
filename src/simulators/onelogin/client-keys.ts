import { importJWK, type JWK, type JWSHeaderParameters } from 'jose';
import type { Clock } from '../../kernel/index.ts';
import type { SimulatorClient } from './types.ts';

/**
 * Finds the public key a client signed with (request objects and private_key_jwt assertions). Keys
 * come from the registration: an inline JWKS, or the client's `jwksUri`, fetched and kept for five
 * minutes, re-fetched at once when a `kid` is not in the cached set (key rotation).
 */
export class ClientKeys {
  readonly #cache = new Map<string, { keys: JWK[]; fetchedAt: number }>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  async keyFor(client: SimulatorClient, header: JWSHeaderParameters): Promise<CryptoKey> {
    let jwk = pick(await this.#keys(client, false), header);
    if (!jwk && client.jwksUri) jwk = pick(await this.#keys(client, true), header);
    if (!jwk) throw new Error('no registered client key matches the JWS header');
    const key = await importJWK(jwk, header.alg);
    if (key instanceof Uint8Array) throw new Error('client keys must be asymmetric');
    return key;
  }

  async #keys(client: SimulatorClient, refresh: boolean): Promise<JWK[]> {
    if (client.jwks) return client.jwks.keys;
    if (!client.jwksUri) return [];
    const cached = this.#cache.get(client.clientId);
    if (cached && !refresh && this.#clock.epochSeconds() - cached.fetchedAt < 300) return cached.keys;
    const res = await fetch(client.jwksUri, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`client jwks_uri answered HTTP ${res.status}`);
    const body = (await res.json()) as { keys?: JWK[] };
    const keys = Array.isArray(body.keys) ? body.keys : [];
    this.#cache.set(client.clientId, { keys, fetchedAt: this.#clock.epochSeconds() });
    return keys;
  }
}

function pick(keys: JWK[], header: JWSHeaderParameters): JWK | undefined {
  const candidates = keys.filter(
    (k) =>
      k.kty === 'RSA' &&
      (k.use === undefined || k.use === 'sig') &&
      (k.alg === undefined || k.alg === header.alg),
  );
  if (header.kid !== undefined) return candidates.find((k) => k.kid === header.kid);
  return candidates.length === 1 ? candidates[0] : undefined;
}
