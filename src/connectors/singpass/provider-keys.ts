import { importJWK, type JWK } from 'jose';
import { invalidResponse } from './fail.ts';
import { fetchUpstream, parseJsonObject } from './fetch-upstream.ts';
import type { ConnectorDeps, ProviderMetadata } from './types.ts';

/**
 * Singpass's signing keys from `jwks_uri`, kept for an hour and fetched again as soon as a token
 * names a `kid` we do not hold (key rotation), at most once every 10 seconds so that forged `kid`s
 * cannot make us hammer Singpass. Only P-256 keys usable for ES256 are considered (the algorithm is
 * pinned, see open-sealed-jwt.ts).
 */
const TTL_MS = 60 * 60 * 1000;
const COOLDOWN_MS = 10_000;

export type ProviderKeys = (kid: string | undefined) => Promise<CryptoKey | Uint8Array>;

export function createProviderKeys(
  deps: ConnectorDeps,
  metadata: () => Promise<ProviderMetadata>,
): ProviderKeys {
  let cached: { keys: JWK[]; fetchedAt: number } | undefined;
  // Imported once per fetched key (a refresh brings new objects, imported afresh).
  const imported = new WeakMap<JWK, Promise<CryptoKey | Uint8Array>>();

  const refresh = async (): Promise<JWK[]> => {
    const { jwks_uri } = await metadata();
    const { response, body } = await fetchUpstream(deps, 'jwks', jwks_uri, {
      headers: { accept: 'application/json' },
    });
    const keys = parseJsonObject(body)?.keys;
    if (response.status !== 200 || !Array.isArray(keys))
      throw invalidResponse('jwks', 'the JWKS could not be read.');
    cached = { keys: keys as JWK[], fetchedAt: deps.clock.now().getTime() };
    return cached.keys;
  };

  const usable = (keys: readonly JWK[], kid: string | undefined): JWK | undefined =>
    keys.find(
      (k) =>
        k.kty === 'EC' &&
        k.crv === 'P-256' &&
        (k.use === undefined || k.use === 'sig') &&
        (k.alg === undefined || k.alg === 'ES256') &&
        (kid === undefined || k.kid === kid),
    );

  return async (kid) => {
    const fresh = cached !== undefined && deps.clock.now().getTime() - cached.fetchedAt < TTL_MS;
    let jwk = fresh ? usable(cached!.keys, kid) : undefined;
    if (
      jwk === undefined &&
      (cached === undefined || deps.clock.now().getTime() - cached.fetchedAt > COOLDOWN_MS || !fresh)
    ) {
      jwk = usable(await refresh(), kid);
    }
    if (jwk === undefined)
      throw invalidResponse('signing_key', 'no Singpass ES256 key matches the token kid.');
    let key = imported.get(jwk);
    if (key === undefined) {
      key = importJWK(jwk, 'ES256');
      imported.set(jwk, key);
    }
    return key;
  };
}
