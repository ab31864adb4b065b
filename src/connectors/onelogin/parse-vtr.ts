/**
 * Splits requested vectors of trust into what the ID token's `vot` must then be (the credential
 * part: "The vot claim will only contain the credential trust level … if you set vtr to Cl.Cm.P2,
 * you must ensure the vot claim is equal to Cl.Cm" — "Validate your ID token") and the level of
 * identity confidence asked for, if any (P1 or P2).
 */
export function credentialParts(vtr: readonly string[]): string[] {
  const list = vtr.length === 0 ? ['Cl.Cm'] : vtr;
  return [
    ...new Set(
      list.map((v) =>
        v
          .split('.')
          .filter((c) => c.startsWith('C'))
          .sort()
          .join('.'),
      ),
    ),
  ];
}

export type Confidence = 'P0' | 'P1' | 'P2' | 'P3';

/** The lowest identity level among the requested vectors (any of them satisfies the request). */
export function requestedConfidence(vtr: readonly string[]): Confidence | undefined {
  const levels = vtr
    .map((v) => v.split('.').find((c) => c.startsWith('P')))
    .filter((p): p is Confidence => p === 'P1' || p === 'P2' || p === 'P3');
  if (levels.length === 0) return undefined;
  return levels.sort((a, b) => confidenceRank(a) - confidenceRank(b))[0];
}

export function confidenceRank(level: string): number {
  const match = /^P([0-3])$/.exec(level);
  return match?.[1] === undefined ? -1 : Number(match[1]);
}
