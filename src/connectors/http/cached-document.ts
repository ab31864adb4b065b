import type { Clock } from '../../kernel/index.ts';
import { fetchUpstreamJson } from './fetch-upstream.ts';
import { invalidResponse, type Upstream } from './upstream.ts';

export interface CachePolicy {
  /** Used when the response has no `Cache-Control: max-age`. */
  readonly defaultTtlSeconds: number;
  /** Never keep it for less than this, whatever the header says. */
  readonly minTtlSeconds: number;
  /** Never keep it for longer than this, whatever the header says (default: no limit). */
  readonly maxTtlSeconds?: number | undefined;
  /** A forced `refresh()` (unknown `kid`) fetches at most this often. */
  readonly minRefreshIntervalSeconds: number;
  /** When a fetch after expiry fails, keep answering with the expired copy until one succeeds. */
  readonly staleOnError: boolean;
}

/**
 * A JSON document of a national identity provider (discovery, JWKS, DID document), fetched through
 * `fetchUpstream` and cached per its `Cache-Control: max-age` (RFC 9111 §5.2.2.1) within the
 * policy's bounds. Concurrent loads share one fetch. `refresh()` is for an unknown `kid` (key
 * rotation), rate-limited so that forged `kid`s cannot make us hammer the provider.
 *
 * Not jose's `createRemoteJWKSet`: that one reads `Date.now()` rather than the connector's clock, has
 * a fixed lifetime rather than `Cache-Control`, drops the cached keys when a fetch after expiry
 * fails (One Login asks us to keep them), and holds only JWKS, not discovery or DID documents.
 */
export class CachedDocument<T> {
  readonly #upstream: Upstream;
  readonly #url: () => string | Promise<string>;
  readonly #check: string;
  readonly #parse: (body: unknown) => T;
  readonly #policy: CachePolicy;
  readonly #clock: Clock;
  #value: T | undefined;
  #expiresAtMs = 0;
  #fetchedAtMs = Number.NEGATIVE_INFINITY;
  #inflight: Promise<T> | undefined;

  constructor(options: {
    upstream: Upstream;
    /** A string, or a function for a URL known only later (a JWKS URL from the discovery document). */
    url: string | (() => Promise<string>);
    check: string;
    parse: (body: unknown) => T;
    policy: CachePolicy;
    clock: Clock;
  }) {
    const url = options.url;
    this.#upstream = options.upstream;
    this.#url = typeof url === 'string' ? () => url : url;
    this.#check = options.check;
    this.#parse = options.parse;
    this.#policy = options.policy;
    this.#clock = options.clock;
  }

  async get(): Promise<T> {
    if (this.#value !== undefined && this.#now() < this.#expiresAtMs) return this.#value;
    return this.#load(this.#policy.staleOnError);
  }

  /** Fetches again unless the last fetch was very recent; returns the freshest copy. */
  async refresh(): Promise<T> {
    const sinceMs = this.#now() - this.#fetchedAtMs;
    if (this.#value !== undefined && sinceMs < this.#policy.minRefreshIntervalSeconds * 1000) {
      return this.#value;
    }
    return this.#load(false);
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  #load(staleOnError: boolean): Promise<T> {
    this.#inflight ??= this.#fetch(staleOnError).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetch(staleOnError: boolean): Promise<T> {
    try {
      const res = await fetchUpstreamJson(this.#upstream, this.#check, await this.#url());
      if (res.status !== 200) {
        throw invalidResponse(this.#upstream, this.#check, `${this.#check} answered HTTP ${res.status}`, {
          status: res.status,
        });
      }
      const value = this.#parse(res.body);
      const { minTtlSeconds, maxTtlSeconds, defaultTtlSeconds } = this.#policy;
      const ttl = Math.min(
        maxTtlSeconds ?? Number.POSITIVE_INFINITY,
        Math.max(minTtlSeconds, maxAge(res.headers.get('cache-control')) ?? defaultTtlSeconds),
      );
      const now = this.#now();
      this.#value = value;
      this.#fetchedAtMs = now;
      this.#expiresAtMs = now + ttl * 1000;
      return value;
    } catch (err) {
      if (staleOnError && this.#value !== undefined) return this.#value;
      throw err;
    }
  }
}

/**
 * The entry `find` picks from the document, fetching the document once more when it has none
 * (an unknown `kid`: the provider may have rotated its keys). Also returns the document it looked in.
 */
export async function findWithRefresh<T, E>(
  doc: CachedDocument<T>,
  find: (value: T) => E | undefined,
): Promise<{ found: E | undefined; value: T }> {
  let value = await doc.get();
  let found = find(value);
  if (found === undefined) {
    value = await doc.refresh();
    found = find(value);
  }
  return { found, value };
}

function maxAge(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/(^|,)\s*(no-store|no-cache)\s*(,|$)/i.test(header)) return 0;
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(header);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
