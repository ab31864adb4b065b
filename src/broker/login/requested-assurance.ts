/**
 * Which hub level a relying party asked for.
 *
 * Rules:
 * - `acr_values` (OIDC Core §3.1.2.1) is a space-separated list in order of preference; any listed
 *   level is acceptable, so the requirement is the LOWEST known level listed.
 * - An `acr` claim requested in the `claims` parameter (OIDC Core §5.5.1.1) with `value`/`values`
 *   counts the same way; oidc-provider itself also enforces it when it is essential.
 * - Unknown values are ignored (they are not ours to interpret); if nothing known was asked, the
 *   client's registered minimum applies.
 * - The client's registered minimum is a floor: a request below it is raised to it.
 */
export function requestedLevel(
  levels: readonly string[],
  params: { acr_values?: unknown; claims?: unknown },
  clientMinimum: string,
): { required: string; candidates: string[] } {
  const rank = (l: string) => levels.indexOf(l);
  const asked: string[] = [];
  if (typeof params.acr_values === 'string') asked.push(...params.acr_values.split(' ').filter(Boolean));
  const claims = parseClaims(params.claims);
  const acr = claims?.id_token?.acr ?? claims?.userinfo?.acr;
  if (acr?.value) asked.push(acr.value);
  if (Array.isArray(acr?.values)) asked.push(...acr.values.filter((v): v is string => typeof v === 'string'));
  const candidates = [...new Set(asked.filter((a) => rank(a) >= 0))];
  const lowest = candidates.sort((a, b) => rank(a) - rank(b))[0];
  const required = lowest === undefined || rank(lowest) < rank(clientMinimum) ? clientMinimum : lowest;
  return { required, candidates: candidates.filter((c) => rank(c) >= rank(required)) };
}

/**
 * The `acr` to put in the ID token: the highest level the login achieved among those the relying
 * party listed; with no list, the highest achieved.
 */
export function resultingAcr(
  levels: readonly string[],
  candidates: readonly string[],
  achieved: (level: string) => boolean,
): string | undefined {
  const pool = candidates.length > 0 ? candidates : levels;
  return [...pool].sort((a, b) => levels.indexOf(b) - levels.indexOf(a)).find(achieved);
}

interface ClaimRequest {
  value?: string;
  values?: unknown[];
  essential?: boolean;
}
function parseClaims(
  raw: unknown,
): { id_token?: Record<string, ClaimRequest>; userinfo?: Record<string, ClaimRequest> } | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'object') return raw as ReturnType<typeof parseClaims>;
  if (typeof raw !== 'string') return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    return typeof v === 'object' && v !== null ? (v as ReturnType<typeof parseClaims>) : undefined;
  } catch {
    return undefined;
  }
}

/** Names of claims asked for in the `claims` parameter (id_token and userinfo members). */
export function claimsParameterNames(raw: unknown): string[] {
  const c = parseClaims(raw);
  return [...Object.keys(c?.id_token ?? {}), ...Object.keys(c?.userinfo ?? {})];
}
