import { invalidResponse } from './fail.ts';

/**
 * The legacy `sub`: comma-separated `key=value` pairs, `s=<NRIC/FIN>,u=<uuid>`, and for a Singpass
 * Foreign user Account `s=…,fid=<foreign id>,coi=<country>,u=<uuid>` (identity-profiles.md).
 * The stable subject is `u`; `s` is personal data and only travels as `identityNumber`.
 */
export interface LegacySubject {
  readonly uuid: string;
  readonly identityNumber: string;
  readonly foreignId: string | undefined;
  readonly coi: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseLegacySubject(sub: string): LegacySubject {
  const parts = new Map<string, string>();
  for (const pair of sub.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) throw invalidResponse('sub', 'the legacy sub is not a list of key=value pairs.');
    const key = pair.slice(0, at).trim();
    if (parts.has(key)) throw invalidResponse('sub', `the legacy sub repeats "${key}".`);
    parts.set(key, pair.slice(at + 1).trim());
  }
  const uuid = parts.get('u');
  const identityNumber = parts.get('s');
  if (uuid === undefined || !UUID.test(uuid))
    throw invalidResponse('sub', 'the legacy sub has no valid u= UUID.');
  if (identityNumber === undefined || identityNumber === '')
    throw invalidResponse('sub', 'the legacy sub has no s= value.');
  return {
    uuid,
    identityNumber,
    foreignId: parts.get('fid') || undefined,
    coi: parts.get('coi') || undefined,
  };
}
