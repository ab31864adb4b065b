import type { Clock } from '../../kernel/index.ts';
import { invalidResponse } from './connector-error.ts';
import { type HttpClient, requestJson } from './http-client.ts';

export interface CachePolicy {
  /** Used when the response has no `Cache-Control: max-age`. */
  readonly defaultTtlSeconds: number;
  /** Never keep it for less than this, whatever the header says. */
  readonly minTtlSeconds: number;
  /** A forced refresh (unknown `kid`) happens at most this often. */
  readonly minRefreshIntervalSeconds: number;
}

/**
 * A JSON document fetched from One Login and cached per its `Cache-Control: max-age` (RFC 9111
 * §5.2.2.1). Following the docs ("Cache the discovery document", "Caching the JWKS document",
 * "Cache the DID document"): when a refresh fails, the cached copy stays trusted until a refresh
 * succeeds; `refresh()` is for an unknown `kid`, rate-limited so forged `kid`s cannot make us
 * hammer the endpoint.
 */
export class CachedDocument<T> {
  readonly #http: HttpClient;
  readonly #url: string;
  readonly #check: string;
  readonly #parse: (body: unknown) => T;
  readonly #policy: CachePolicy;
  readonly #clock: Clock;
  #value: T | undefined;
  #expiresAt = 0;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<T> | undefined;

  constructor(options: {
    http: HttpClient;
    url: string;
    check: string;
    parse: (body: unknown) => T;
    policy: CachePolicy;
    clock: Clock;
  }) {
    this.#http = options.http;
    this.#url = options.url;
    this.#check = options.check;
    this.#parse = options.parse;
    this.#policy = options.policy;
    this.#clock = options.clock;
  }

  async get(): Promise<T> {
    if (this.#value !== undefined && this.#clock.epochSeconds() < this.#expiresAt) return this.#value;
    return this.#load(true);
  }

  /** Fetches again unless the last fetch was very recent; returns the freshest copy. */
  async refresh(): Promise<T> {
    const now = this.#clock.epochSeconds();
    if (this.#value !== undefined && now - this.#fetchedAt < this.#policy.minRefreshIntervalSeconds)
      return this.#value;
    return this.#load(false);
  }

  #load(staleOnError: boolean): Promise<T> {
    this.#inflight ??= this.#fetch(staleOnError).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetch(staleOnError: boolean): Promise<T> {
    try {
      const res = await requestJson(this.#http, this.#check, this.#url);
      if (res.status !== 200) {
        throw invalidResponse(this.#check, `${this.#check} answered HTTP ${res.status}`, {
          status: res.status,
        });
      }
      const value = this.#parse(res.body);
      const now = this.#clock.epochSeconds();
      const ttl = Math.max(
        this.#policy.minTtlSeconds,
        maxAge(res.headers.get('cache-control')) ?? this.#policy.defaultTtlSeconds,
      );
      this.#value = value;
      this.#fetchedAt = now;
      this.#expiresAt = now + ttl;
      return value;
    } catch (err) {
      if (staleOnError && this.#value !== undefined) return this.#value;
      throw err;
    }
  }
}

function maxAge(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/(^|,)\s*(no-store|no-cache)\s*(,|$)/i.test(header)) return 0;
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(header);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
