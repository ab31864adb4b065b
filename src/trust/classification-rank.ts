import type { Classification } from './schema.ts';

/**
 * The common classification rank (0 public … 5 top secret) derived from both native labels, after the
 * shared reference "data-security.md": keep both labels, compare on the derived rank, take the
 * stricter of the two regimes. A later policy module decides on it; here it is declared and checked.
 * UK: Government Security Classifications Policy (2023, rev. 2024); SG: IM8 classification ladder and
 * the Information Sensitivity Framework (sensitivity names unverified: kept in data, not logic).
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

/** The stricter of the two regimes; `undefined` when a label has no known rank. */
export function deriveRank(c: Pick<Classification, 'uk' | 'sg'>): number | undefined {
  const ranks = [
    UK_MARKING_RANK[c.uk.marking],
    SG_CLASSIFICATION_RANK[c.sg.classification],
    SG_SENSITIVITY_RANK[c.sg.sensitivity],
  ];
  if (ranks.some((r) => r === undefined)) return undefined;
  return Math.max(...(ranks as number[]));
}
