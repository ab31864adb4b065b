import type { Persona } from './personas.ts';
import type { SingpassProfile } from './types.ts';

/**
 * The subject as each profile writes it. FAPI: the UUID (with `sub_attributes` beside it).
 * Legacy: `s=<NRIC/FIN>,u=<uuid>`, or for a Singpass Foreign user Account
 * `s=<id>,fid=<foreign id>,coi=<country>,u=<uuid>` (identity-profiles.md; MockPass does the same).
 */
export function subjectOf(persona: Persona, profile: SingpassProfile): string {
  if (profile === 'fapi') return persona.uuid;
  if (persona.accountType === 'foreign') {
    return `s=${persona.uinfin},fid=${persona.foreignId ?? ''},coi=${persona.identityCoi},u=${persona.uuid}`;
  }
  return `s=${persona.uinfin},u=${persona.uuid}`;
}

/**
 * FAPI `sub_attributes` ("4. Parsing the ID Token"): returned when `user.identity`, `name`,
 * `email` or `mobileno` is asked. A foreign account's `identity_number` is its foreign document.
 */
export function subAttributesOf(
  persona: Persona,
  scopes: readonly string[],
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (scopes.includes('user.identity')) {
    out.account_type = persona.accountType;
    out.identity_number = persona.accountType === 'foreign' ? persona.foreignId : persona.uinfin;
    out.identity_coi = persona.identityCoi;
  }
  const name = persona.myinfo.name?.value;
  if (scopes.includes('name') && typeof name === 'string') out.name = name;
  const email = persona.myinfo.email?.value;
  if (scopes.includes('email') && typeof email === 'string') out.email = email;
  const mobile = persona.myinfo.mobileno;
  if (scopes.includes('mobileno') && mobile !== undefined) {
    const part = (k: string): string => String((mobile[k] as { value?: string } | undefined)?.value ?? '');
    out.mobileno = `${part('prefix')}${part('areacode')}${part('nbr')}`;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** Myinfo attributes whose names were asked as scopes. */
export function personInfoOf(persona: Persona, scopes: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const scope of scopes) {
    const attribute = persona.myinfo[scope];
    if (attribute !== undefined) out[scope] = attribute;
  }
  return out;
}
