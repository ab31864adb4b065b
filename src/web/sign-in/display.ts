/** Turn a released claim value into text for a page (always rendered through `text`, escaped). */
/** Country names for ISO 3166-1 codes the hub shows most; other codes are shown as they are. */
const COUNTRY_BY_CODE: Record<string, string> = {
  GB: 'United Kingdom',
  SG: 'Singapore',
  MY: 'Malaysia',
  CN: 'China',
  IN: 'India',
  US: 'United States',
  AU: 'Australia',
  TH: 'Thailand',
};

/** A claim value as text; `claim` lets a value be named in words (a country code, say). */
export function displayClaim(value: unknown, claim?: string): string {
  if (claim === 'nationalities' && Array.isArray(value)) {
    return value.map((c) => COUNTRY_BY_CODE[String(c)] ?? String(c)).join(', ');
  }
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map((v) => displayClaim(v)).join(', ');
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o['formatted'] === 'string') return o['formatted'];
    return Object.values(o)
      .map((v) => displayClaim(v))
      .filter(Boolean)
      .join(', ');
  }
  return '';
}

export const COUNTRY_NAMES: Record<string, string> = { GB: 'the United Kingdom', SG: 'Singapore' };
export const SCHEME_NAMES: Record<string, string> = { singpass: 'Singpass', onelogin: 'GOV.UK One Login' };
export const SCHEME_COUNTRY: Record<string, string> = { singpass: 'SG', onelogin: 'GB' };

/** How each common claim is named to a person (presentation only; meanings live in the trust framework). */
const CLAIM_LABELS: Record<string, string> = {
  name: 'Full name',
  given_name: 'Given name',
  family_name: 'Family name',
  birthdate: 'Date of birth',
  gender: 'Sex',
  nationalities: 'Nationality',
  address: 'Address',
  email: 'Email address',
  email_verified: 'Email address checked',
  phone_number: 'Phone number',
  phone_number_verified: 'Phone number checked',
};

export function claimLabel(claim: string, description?: string): string {
  return CLAIM_LABELS[claim] ?? description ?? claim;
}
