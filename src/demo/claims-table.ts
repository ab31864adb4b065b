/**
 * Turns the claims a demo received into rows for the result page: one row per claim and value, with
 * who verified it when the hub said so in `verified_claims` (OpenID Connect for Identity Assurance
 * 1.0, §5: `verified_claims` is an object or an array of objects, each with `verification` —
 * `trust_framework`, optional `assurance_level`, … — and the `claims` it covers).
 *
 * Values become display strings here, so the page only ever prints text. Pure: no I/O.
 */

export interface ClaimRow {
  /** The claim name, e.g. `birthdate`. */
  readonly claim: string;
  /** The value as text. */
  readonly value: string;
  /** e.g. `Singpass (sg_singpass, assurance level substantial)`; absent when not stated by the hub. */
  readonly verifiedBy?: string;
}

/** The hub's list of what its release policy withheld (docs/policy.md): shown apart, by `withheldRows`. */
export const WITHHELD_CLAIM = 'govbridge_withheld';

/** Claims that describe the response or the protocol, not the person. */
const NOT_SHOWN = new Set([
  'verified_claims',
  '_claim_names',
  '_claim_sources',
  'aud',
  'iss',
  'iat',
  'exp',
  WITHHELD_CLAIM,
]);

/** The order rows appear in; other claims follow alphabetically. */
const ORDER = [
  'name',
  'given_name',
  'family_name',
  'birthdate',
  'nationalities',
  'address',
  'email',
  'email_verified',
  'phone_number',
  'phone_number_verified',
  'sub',
];

const LABELS: Readonly<Record<string, string>> = {
  sub: 'Identifier at the hub',
  name: 'Full name',
  given_name: 'Given name',
  family_name: 'Family name',
  birthdate: 'Date of birth',
  nationalities: 'Nationality',
  address: 'Address',
  email: 'Email address',
  email_verified: 'Email address confirmed',
  phone_number: 'Phone number',
  phone_number_verified: 'Phone number confirmed',
};

/** A display label for a claim name (the name itself when there is no label). */
export function claimLabel(claim: string): string {
  return LABELS[claim] ?? claim;
}

/** Longest value kept, so a session cookie stays well under the 4 kB browsers accept. */
const MAX_VALUE_LENGTH = 300;

export function claimRows(received: Readonly<Record<string, unknown>>): ClaimRow[] {
  const rows: ClaimRow[] = [];
  const seen = new Set<string>();
  const add = (claim: string, raw: unknown, verifiedBy: string | undefined): void => {
    const value = displayValue(raw);
    if (value === undefined) return;
    const key = `${claim}\u0000${value}`;
    if (seen.has(key)) return;
    seen.add(key);
    rows.push(verifiedBy === undefined ? { claim, value } : { claim, value, verifiedBy });
  };

  // Verified values first, so a plain claim equal to a verified one is not shown twice.
  for (const block of verifiedBlocks(received['verified_claims'])) {
    for (const [claim, raw] of Object.entries(block.claims)) {
      if (!NOT_SHOWN.has(claim)) add(claim, raw, block.verifiedBy);
    }
  }
  for (const [claim, raw] of Object.entries(received)) {
    if (!NOT_SHOWN.has(claim)) add(claim, raw, undefined);
  }

  return rows.sort((a, b) => rank(a.claim) - rank(b.claim) || a.claim.localeCompare(b.claim));
}

/** One entry of `govbridge_withheld`: a claim the service asked for and the policy that withheld it. */
export interface WithheldRow {
  readonly claim: string;
  /** The first deciding policy's id; `Not stated` when the hub named none. */
  readonly policy: string;
}

/** At most this many withheld entries are kept, and each name this long, so the cookie stays small. */
const MAX_WITHHELD = 40;
const MAX_NAME_LENGTH = 80;

/**
 * The `govbridge_withheld` claim (`[{ claim, policy }]`) as rows, in the claim table's order; entries
 * without a claim name are skipped, and anything that is not an array gives no rows.
 */
export function withheldRows(received: Readonly<Record<string, unknown>>): WithheldRow[] {
  const value = received[WITHHELD_CLAIM];
  if (!Array.isArray(value)) return [];
  const rows: WithheldRow[] = [];
  const seen = new Set<string>();
  for (const entry of value) {
    if (rows.length >= MAX_WITHHELD) break;
    if (!isRecord(entry)) continue;
    const claim = stringOf(entry['claim'])?.slice(0, MAX_NAME_LENGTH);
    if (claim === undefined || seen.has(claim)) continue;
    seen.add(claim);
    rows.push({ claim, policy: stringOf(entry['policy'])?.slice(0, MAX_NAME_LENGTH) ?? 'Not stated' });
  }
  return rows.sort((a, b) => rank(a.claim) - rank(b.claim) || a.claim.localeCompare(b.claim));
}

function rank(claim: string): number {
  const i = ORDER.indexOf(claim);
  return i === -1 ? ORDER.length : i;
}

interface VerifiedBlock {
  readonly claims: Readonly<Record<string, unknown>>;
  readonly verifiedBy: string;
}

function verifiedBlocks(value: unknown): VerifiedBlock[] {
  const blocks = Array.isArray(value) ? value : [value];
  const out: VerifiedBlock[] = [];
  for (const block of blocks) {
    if (!isRecord(block) || !isRecord(block['claims'])) continue;
    out.push({ claims: block['claims'], verifiedBy: describeVerification(block['verification']) });
  }
  return out;
}

/** "Organisation (trust framework, assurance level …)", from whatever of those the hub stated. */
export function describeVerification(verification: unknown): string {
  if (!isRecord(verification)) return 'Verified (no details given)';
  const framework = stringOf(verification['trust_framework']);
  const level = stringOf(verification['assurance_level']);
  const organisation = isRecord(verification['verifier'])
    ? stringOf(verification['verifier']['organization'])
    : undefined;
  const details = [framework, level === undefined ? undefined : `assurance level ${level}`].filter(
    (x): x is string => x !== undefined,
  );
  const detailText = details.join(', ');
  if (organisation !== undefined) return detailText ? `${organisation} (${detailText})` : organisation;
  return detailText || 'Verified (no details given)';
}

/** Text for a claim value; `undefined` for null or empty values, which are not shown. */
export function displayValue(value: unknown): string | undefined {
  const text = toText(value);
  if (text === undefined || text === '') return undefined;
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

/** The parts of an OIDC `address` (OpenID Connect Core §5.1.1), in reading order. */
const ADDRESS_PARTS = ['street_address', 'locality', 'region', 'postal_code', 'country'];

function toText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    return value
      .map(toText)
      .filter((x): x is string => x !== undefined && x !== '')
      .join(', ');
  }
  if (isRecord(value)) {
    const formatted = value['formatted'];
    if (typeof formatted === 'string' && formatted !== '') return formatted.replace(/\s*\n\s*/g, ', ');
    const known = ADDRESS_PARTS.filter((k) => k in value);
    const keys = known.length > 0 ? known : Object.keys(value);
    return keys
      .map((k) => toText(value[k]))
      .filter((x): x is string => x !== undefined && x !== '')
      .join(', ');
  }
  return undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
