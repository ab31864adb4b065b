import type { JWK } from 'jose';
import { CachedDocument, findWithRefresh, importPublicKey } from '../http/index.ts';
import { invalidResponse } from './fail.ts';
import { singpassUpstream } from './fetch-upstream.ts';
import type { ConnectorDeps, ProviderMetadata } from './types.ts';

/**
 * Singpass's signing keys from `jwks_uri`, kept for an hour and fetched again as soon as a token
 * names a `kid` we do not hold (key rotation), at most once every 10 seconds so that forged `kid`s
 * cannot make us hammer Singpass. Only P-256 keys usable for ES256 are considered (the algorithm is
 * pinned, see open-sealed-jwt.ts).
 */
const HOUR = 3600;
const COOLDOWN_SECONDS = 10;

export type ProviderKeys = (kid: string | undefined) => Promise<CryptoKey | Uint8Array>;

export function createProviderKeys(
  deps: ConnectorDeps,
  metadata: () => Promise<ProviderMetadata>,
): ProviderKeys {
  const jwks = new CachedDocument<JWK[]>({
    upstream: singpassUpstream(deps),
    url: async () => (await metadata()).jwks_uri,
    check: 'jwks',
    clock: deps.clock,
    policy: {
      defaultTtlSeconds: HOUR,
      minTtlSeconds: HOUR,
      maxTtlSeconds: HOUR,
      minRefreshIntervalSeconds: COOLDOWN_SECONDS,
      staleOnError: false,
    },
    parse: (body) => {
      const keys = (body as { keys?: unknown } | undefined)?.keys;
      if (!Array.isArray(keys)) throw invalidResponse('jwks', 'the JWKS could not be read.');
      return keys as JWK[];
    },
  });

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
    const { found } = await findWithRefresh(jwks, (keys) => usable(keys, kid));
    if (found === undefined)
      throw invalidResponse('signing_key', 'no Singpass ES256 key matches the token kid.');
    return importPublicKey(found, 'ES256');
  };
}
