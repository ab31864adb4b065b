import { countryName, formatDate, type RenderLocale, type Translate } from '../../i18n/index.ts';

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

/**
 * A claim value as text; `claim` lets a value be named in words (a country code, a date). With `t`
 * (a translated page) countries and dates are in its language (Intl) and yes/no are its words.
 */
export function displayClaim(
  value: unknown,
  claim?: string,
  t?: { locale: RenderLocale; t: Translate },
): string {
  if (claim === 'nationalities' && Array.isArray(value)) {
    return value
      .map((c) => (t ? countryName(String(c), t.locale) : (COUNTRY_BY_CODE[String(c)] ?? String(c))))
      .join(', ');
  }
  if (claim === 'birthdate' && typeof value === 'string' && t) return formatDate(value, t.locale);
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return t ? t.t(value ? 'value.yes' : 'value.no') : value ? 'Yes' : 'No';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map((v) => displayClaim(v, undefined, t)).join(', ');
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o['formatted'] === 'string') return o['formatted'];
    return Object.values(o)
      .map((v) => displayClaim(v, undefined, t))
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

/** A claim's name for a person; with `t`, in its language for the claims the catalogues name. */
export function claimLabel(claim: string, description?: string, t?: Translate): string {
  if (t && claim in CLAIM_LABELS) return t(`claim.${claim}`);
  return CLAIM_LABELS[claim] ?? description ?? claim;
}
