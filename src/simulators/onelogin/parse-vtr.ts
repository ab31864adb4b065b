import type { CredentialTrust, LevelOfConfidence, VectorOfTrust } from './types.ts';

/**
 * Parses the `vtr` request parameter (RFC 8485 vectors of trust) the way GOV.UK One Login reads it
 * ("Authenticate your user", `vtr`; "Choose the level of identity confidence"):
 * - a JSON array of strings such as `["Cl.Cm"]`, `["Cl.Cm.P2"]`, `["Cl"]`; absent or empty = `Cl.Cm`;
 * - components in any order; credential trust `Cl` or `Cl.Cm`; at most one of `P0`, `P1`, `P2`
 *   (P3 is not offered to services);
 * - P1/P2 need `Cl.Cm` ("if you ask for P2 you must also request Cl.Cm", else
 *   `invalid_request - Request vtr not valid`);
 * - identity and non-identity vectors cannot be mixed in one request.
 * Returns undefined when the value is not valid.
 */
export function parseVtr(raw: unknown): readonly VectorOfTrust[] | undefined {
  if (raw === undefined || raw === null || raw === '') return [DEFAULT_VECTOR];
  let list: unknown = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) return undefined;
  if (list.length === 0) return [DEFAULT_VECTOR];
  const vectors: VectorOfTrust[] = [];
  for (const item of list as string[]) {
    const vector = parseVector(item);
    if (!vector) return undefined;
    vectors.push(vector);
  }
  const identity = vectors.filter((v) => isIdentity(v.levelOfConfidence));
  if (identity.length > 0 && identity.length < vectors.length) return undefined;
  return vectors;
}

const DEFAULT_VECTOR: VectorOfTrust = { credentialTrust: 'Cl.Cm', levelOfConfidence: null };

function parseVector(value: string): VectorOfTrust | undefined {
  const parts = value.split('.');
  const credential = parts
    .filter((p) => p.startsWith('C'))
    .sort()
    .join('.');
  const confidence = parts.filter((p) => p.startsWith('P'));
  if (parts.some((p) => !p.startsWith('C') && !p.startsWith('P'))) return undefined;
  if (credential !== 'Cl' && credential !== 'Cl.Cm') return undefined;
  if (confidence.length > 1) return undefined;
  const level = confidence[0];
  if (level !== undefined && level !== 'P0' && level !== 'P1' && level !== 'P2') return undefined;
  if (isIdentity(level ?? null) && credential !== 'Cl.Cm') return undefined;
  return {
    credentialTrust: credential as CredentialTrust,
    levelOfConfidence: (level as LevelOfConfidence) ?? null,
  };
}

export function isIdentity(level: LevelOfConfidence | null): boolean {
  return level === 'P1' || level === 'P2';
}

export function confidenceRank(level: LevelOfConfidence | null): number {
  return level === 'P2' ? 2 : level === 'P1' ? 1 : 0;
}
