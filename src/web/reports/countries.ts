/**
 * Country names and ISO 3166-1 alpha-2 codes for report fields, from the platform's CLDR data
 * (`Intl.DisplayNames`): a country is shown by name, and a citizen may type a name or a code.
 */
const names = new Intl.DisplayNames(['en-GB'], { type: 'region' });

/** Region codes CLDR names that are not countries. */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'ZZ']);

/** Lower-cased name (or code) → code; built once. */
const BY_NAME: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  const A = 'A'.charCodeAt(0);
  for (let i = 0; i < 26; i++) {
    for (let j = 0; j < 26; j++) {
      const code = String.fromCharCode(A + i, A + j);
      // Skip regions that are not countries, and old codes CLDR maps to a current one (UK → GB).
      if (NOT_COUNTRIES.has(code) || new Intl.Locale(`und-${code}`).region !== code) continue;
      const name = names.of(code);
      if (!name || name === code) continue;
      map.set(code.toLowerCase(), code);
      map.set(name.toLowerCase(), code);
    }
  }
  for (const alias of [
    'uk',
    'great britain',
    'britain',
    'england',
    'scotland',
    'wales',
    'northern ireland',
  ]) {
    map.set(alias, 'GB');
  }
  map.set('usa', 'US');
  return map;
})();

/** "United Kingdom" for GB; an unknown code is shown as it is. */
export function countryName(code: string): string {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code) || !BY_NAME.has(code.toLowerCase())) return code;
  const name = names.of(code);
  return name && name !== code ? name : code;
}

/** What a citizen typed ("Malaysia", "my", "UK") as a country code, or undefined. */
export function countryCode(typed: string): string | undefined {
  const key = typed.trim().replace(/\s+/g, ' ').replace(/\.$/, '').toLowerCase();
  return key ? BY_NAME.get(key) : undefined;
}
