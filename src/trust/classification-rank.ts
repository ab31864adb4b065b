import type { Classification } from './schema.ts';

/**
 * The common classification rank (0 public … 5 top secret) derived from both native labels, after the
 * shared reference "data-security.md": keep both labels, compare on the derived rank, take the
 * stricter of the two regimes, never map down. The policy module (src/policy) decides releases on it.
 * UK: Government Security Classifications Policy (2023, rev. 2024); SG: IM8 classification ladder and
 * the Information Sensitivity Framework (sensitivity names unverified: kept in data, not logic).
 *
 * | rank | UK                          | Singapore                                   |
 * |------|-----------------------------|---------------------------------------------|
 * | 0    | (published)                 | OFFICIAL (OPEN), non-sensitive               |
 * | 1    | OFFICIAL                    | OFFICIAL (CLOSED), RESTRICTED; sensitive normal |
 * | 2    | OFFICIAL-SENSITIVE          | CONFIDENTIAL (CLOUD-ELIGIBLE); sensitive high |
 * | 3    | —                           | CONFIDENTIAL                                |
 * | 4    | SECRET                      | SECRET                                      |
 * | 5    | TOP SECRET                  | TOP SECRET                                  |
 *
 * The UK regime has no label for published information (everything government holds is at least
 * OFFICIAL), so every UK-labelled claim is at least rank 1. A descriptor (PERSONAL, COMMERCIAL,
 * LOCSEN) marks a need-to-know, so it too implies at least rank 1.
 */
export const UK_MARKING_RANK: Readonly<Record<string, number>> = {
  OFFICIAL: 1,
  'OFFICIAL-SENSITIVE': 2,
  SECRET: 4,
  'TOP SECRET': 5,
};

export const SG_CLASSIFICATION_RANK: Readonly<Record<string, number>> = {
  'OFFICIAL (OPEN)': 0,
  'OFFICIAL (CLOSED)': 1,
  RESTRICTED: 1,
  'CONFIDENTIAL (CLOUD-ELIGIBLE)': 2,
  CONFIDENTIAL: 3,
  SECRET: 4,
  'TOP SECRET': 5,
};

export const SG_SENSITIVITY_RANK: Readonly<Record<string, number>> = {
  'NON-SENSITIVE': 0,
  'SENSITIVE-NORMAL': 1,
  'SENSITIVE-HIGH': 2,
};

export const UK_DESCRIPTORS: readonly string[] = ['PERSONAL', 'COMMERCIAL', 'LOCSEN'];
/** Each descriptor names a need-to-know: at least baseline handling. */
export const UK_DESCRIPTOR_RANK: Readonly<Record<string, number>> = {
  PERSONAL: 1,
  COMMERCIAL: 1,
  LOCSEN: 1,
};

/**
 * Positions on each regime's own ladder, lowest first, for comparing a label with the highest label
 * a hosting environment may hold under the same regime. Several SG labels share a rank (OFFICIAL
 * (CLOSED) and RESTRICTED are both rank 1), so a regime's own ceiling is compared on its own ladder,
 * not on the common rank. UK level 0 (`none`) is an environment ceiling only: "no OFFICIAL
 * information except what is published".
 */
export const UK_MARKING_LEVEL: Readonly<Record<string, number>> = {
  none: 0,
  OFFICIAL: 1,
  'OFFICIAL-SENSITIVE': 2,
  SECRET: 3,
  'TOP SECRET': 4,
};

export const SG_CLASSIFICATION_LEVEL: Readonly<Record<string, number>> = {
  'OFFICIAL (OPEN)': 0,
  'OFFICIAL (CLOSED)': 1,
  RESTRICTED: 2,
  'CONFIDENTIAL (CLOUD-ELIGIBLE)': 3,
  CONFIDENTIAL: 4,
  SECRET: 5,
  'TOP SECRET': 6,
};

/** The rank each native label implies on its own; `undefined` for an unknown label. */
export function impliedRanks(c: Pick<Classification, 'uk' | 'sg'>): {
  uk: number | undefined;
  descriptor: number | undefined;
  sg: number | undefined;
  sensitivity: number | undefined;
} {
  return {
    uk: UK_MARKING_RANK[c.uk.marking],
    descriptor: c.uk.descriptor === undefined ? 0 : UK_DESCRIPTOR_RANK[c.uk.descriptor],
    sg: SG_CLASSIFICATION_RANK[c.sg.classification],
    sensitivity: SG_SENSITIVITY_RANK[c.sg.sensitivity],
  };
}

/** The stricter of the two regimes (the least rank every label allows); `undefined` for an unknown label. */
export function deriveRank(c: Pick<Classification, 'uk' | 'sg'>): number | undefined {
  const ranks = Object.values(impliedRanks(c));
  if (ranks.some((r) => r === undefined)) return undefined;
  return Math.max(...(ranks as number[]));
}
