import type { Tier } from './assertions.ts';

/**
 * The common tiers, lowest first. The order is fixed in code (the trust-framework file must declare
 * the same list): every comparison in the hub goes through `compareTier`, so "map down, never up"
 * is decided in one place.
 */
export const TIERS: readonly Tier[] = Object.freeze(['none', 'low', 'substantial', 'high']);

export function isTier(value: unknown): value is Tier {
  return typeof value === 'string' && (TIERS as readonly string[]).includes(value);
}

/** Negative when `a` is lower than `b`, 0 when equal, positive when higher. */
export function compareTier(a: Tier, b: Tier): number {
  return TIERS.indexOf(a) - TIERS.indexOf(b);
}

/** True when `achieved` meets (is at least) `required`. */
export function meetsTier(achieved: Tier, required: Tier): boolean {
  return compareTier(achieved, required) >= 0;
}

/** The lower of two tiers: the only way two readings of one login are combined (never the higher). */
export function minTier(a: Tier, b: Tier): Tier {
  return compareTier(a, b) <= 0 ? a : b;
}
