import type { OneLoginAddress, OneLoginName, SchemeId } from './assertions.ts';
import type { AddressClaim, ClaimValue } from './claim-types.ts';

/**
 * Named transforms for claims that a plain source path cannot express. The trust-framework file names
 * them; a name not in this table is refused at load. Each returns `undefined` when the source does not
 * give a usable value: a missing claim stays missing, nothing is guessed.
 */
export interface TransformContext {
  /** The code table named by the mapping's `table`, when it has one. */
  readonly table?: Readonly<Record<string, string>> | undefined;
}

export interface Transform {
  /** Schemes whose assertions this transform understands. */
  readonly schemes: readonly SchemeId[];
  /** Claims it may produce (its output shape only fits these). */
  readonly claims?: readonly string[];
  /** Whether the mapping must, may or must not name a code table. */
  readonly table: 'required' | 'optional' | 'none';
  readonly apply: (value: unknown, ctx: TransformContext) => ClaimValue | undefined;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
/** Myinfo wraps scalars as `{value: "…"}`. */
const myinfoValue = (v: unknown): string | undefined => str(obj(v)?.['value']);
const ISO_ALPHA2 = /^[A-Z]{2}$/;

function withoutEmpty(a: Record<string, string | undefined>): AddressClaim | undefined {
  const out = Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined && v !== ''));
  return Object.keys(out).length > 0 ? (out as AddressClaim) : undefined;
}

/**
 * Myinfo `regadd` → OIDC address. Two shapes (Myinfo data catalogue, "regadd"): `SG` (block, street,
 * floor, unit, building, postal) and `UNFORMATTED` (line1, line2; MockPass writes `Unformatted`). The
 * SG unit is written `#floor-unit`, the Singapore convention. An unknown type gives no address.
 */
function myinfoRegaddToAddress(value: unknown, ctx: TransformContext): AddressClaim | undefined {
  const a = obj(value);
  if (!a) return undefined;
  const type = str(a['type'])?.toUpperCase();
  const countryCode = str(obj(a['country'])?.['code']);
  if (type === 'SG') {
    const block = myinfoValue(a['block']);
    const street = myinfoValue(a['street']);
    const floor = myinfoValue(a['floor']);
    const unit = myinfoValue(a['unit']);
    const building = myinfoValue(a['building']);
    const postal = myinfoValue(a['postal']);
    const line1 = [block, street].filter(Boolean).join(' ');
    const unitText = floor && unit ? `#${floor}-${unit}` : undefined;
    const line2 = [unitText, building].filter(Boolean).join(' ');
    const streetAddress = [line1, line2].filter(Boolean).join('\n');
    if (!streetAddress && !postal) return undefined;
    return withoutEmpty({
      formatted: [streetAddress, postal ? `SINGAPORE ${postal}` : 'SINGAPORE'].filter(Boolean).join('\n'),
      street_address: streetAddress,
      postal_code: postal,
      country: 'SG',
    });
  }
  if (type === 'UNFORMATTED') {
    const lines = [myinfoValue(a['line1']), myinfoValue(a['line2'])].filter((l): l is string => !!l);
    if (lines.length === 0) return undefined;
    // An unformatted address has no reliable structure: keep it whole, never split it into fields.
    const country = countryCode ? ctx.table?.[countryCode] : undefined;
    return withoutEmpty({ formatted: lines.join('\n'), street_address: lines.join('\n'), country });
  }
  return undefined;
}

/** Myinfo `mobileno` (`prefix` "+", `areacode`, `nbr`) → E.164, or nothing when it is not one. */
function myinfoMobileToE164(value: unknown): string | undefined {
  const a = obj(value);
  if (!a) return undefined;
  const area = myinfoValue(a['areacode']);
  const nbr = myinfoValue(a['nbr']);
  if (!area || !nbr) return undefined;
  const e164 = `+${area}${nbr}`.replace(/\s+/g, '');
  return /^\+[1-9]\d{6,14}$/.test(e164) ? e164 : undefined;
}

/**
 * A phone number given as one string (Singpass FAPI `sub_attributes.mobileno`) → E.164. Spaces,
 * dashes, dots and brackets between digits are dropped; the number must then start with `+` and a
 * country code. A number without `+` is left out: its country code would be a guess.
 */
function phoneStringToE164(value: unknown): string | undefined {
  const s = str(value);
  if (s === undefined || !/^\+?[\d\s().-]+$/.test(s)) return undefined;
  const e164 = s.replace(/[\s().-]/g, '');
  return /^\+[1-9]\d{6,14}$/.test(e164) ? e164 : undefined;
}

/**
 * Myinfo `source`: "1" government-verified, "2" user provided, "3" not applicable, "4" verified by
 * Singpass. An e-mail or phone number counts as verified for "1" and "4" only.
 */
function myinfoSourceVerified(value: unknown): boolean | undefined {
  const source = str(obj(value)?.['source']);
  if (source === '1' || source === '4') return true;
  if (source === '2') return false;
  return undefined;
}

/**
 * The current One Login name: the entry without `validUntil` (GOV.UK One Login "prove your user's
 * identity": past names carry `validUntil`). Several current entries: the latest `validFrom`.
 */
function currentName(value: unknown): OneLoginName | undefined {
  if (!Array.isArray(value)) return undefined;
  const current = (value as OneLoginName[]).filter(
    (n) => obj(n) && n.validUntil === undefined && Array.isArray(n.nameParts),
  );
  return latestValidFrom(current);
}

function latestValidFrom<T extends { readonly validFrom?: string }>(items: readonly T[]): T | undefined {
  // ISO dates compare as strings; an entry without validFrom counts as the oldest.
  return [...items].sort((a, b) => (b.validFrom ?? '').localeCompare(a.validFrom ?? ''))[0];
}

function nameParts(value: unknown, type?: 'GivenName' | 'FamilyName'): string | undefined {
  const name = currentName(value);
  if (!name) return undefined;
  const parts = name.nameParts
    .filter((p) => (type === undefined ? true : p.type === type))
    .map((p) => str(p.value))
    .filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/**
 * The current One Login address (no `validUntil`; the latest `validFrom` if several) → OIDC address,
 * in Royal Mail PAF order: sub-building, building name, number and (dependent) street, localities, post
 * town, postcode. A previous address is never returned in place of a current one.
 */
function oneloginAddressCurrent(value: unknown): AddressClaim | undefined {
  if (!Array.isArray(value)) return undefined;
  const a = latestValidFrom((value as OneLoginAddress[]).filter((x) => obj(x) && x.validUntil === undefined));
  if (!a) return undefined;
  const number = str(a.buildingNumber);
  const streetLines = a.dependentStreetName
    ? [[number, str(a.dependentStreetName)].filter(Boolean).join(' '), str(a.streetName)]
    : [[number, str(a.streetName)].filter(Boolean).join(' ')];
  const lines = [
    str(a.subBuildingName),
    str(a.buildingName),
    ...streetLines,
    str(a.doubleDependentAddressLocality),
    str(a.dependentAddressLocality),
  ].filter((l): l is string => !!l);
  const locality = str(a.addressLocality);
  const postcode = str(a.postalCode);
  const country = str(a.addressCountry)?.toUpperCase();
  const formatted = [...lines, locality, postcode].filter(Boolean).join('\n');
  if (!formatted) return undefined;
  return withoutEmpty({
    formatted,
    street_address: lines.join('\n'),
    locality,
    postal_code: postcode,
    country: country && ISO_ALPHA2.test(country) ? country : undefined,
  });
}

/** One code through the mapping's table; a code the table does not list is left out. */
function codeTable(value: unknown, ctx: TransformContext): string | undefined {
  const code = str(value);
  return code !== undefined && ctx.table && Object.hasOwn(ctx.table, code) ? ctx.table[code] : undefined;
}

/** One code or a list of codes through the table, de-duplicated; unknown codes are left out. */
function codeTableList(value: unknown, ctx: TransformContext): readonly string[] | undefined {
  const codes = Array.isArray(value) ? value : [value];
  const out = [...new Set(codes.map((c) => codeTable(c, ctx)).filter((c): c is string => c !== undefined))];
  return out.length > 0 ? out : undefined;
}

export const TRANSFORMS: Readonly<Record<string, Transform>> = {
  'myinfo-regadd-to-address': {
    schemes: ['singpass'],
    claims: ['address'],
    table: 'optional',
    apply: myinfoRegaddToAddress,
  },
  'myinfo-mobileno-to-e164': {
    schemes: ['singpass'],
    claims: ['phone_number'],
    table: 'none',
    apply: myinfoMobileToE164,
  },
  'phone-string-to-e164': {
    schemes: ['singpass'],
    claims: ['phone_number'],
    table: 'none',
    apply: phoneStringToE164,
  },
  'myinfo-source-verified': {
    schemes: ['singpass'],
    claims: ['email_verified', 'phone_number_verified'],
    table: 'none',
    apply: myinfoSourceVerified,
  },
  'onelogin-current-name': {
    schemes: ['onelogin'],
    claims: ['name'],
    table: 'none',
    apply: (v) => nameParts(v),
  },
  'onelogin-current-given-name': {
    schemes: ['onelogin'],
    claims: ['given_name'],
    table: 'none',
    apply: (v) => nameParts(v, 'GivenName'),
  },
  'onelogin-current-family-name': {
    schemes: ['onelogin'],
    claims: ['family_name'],
    table: 'none',
    apply: (v) => nameParts(v, 'FamilyName'),
  },
  'onelogin-address-current': {
    schemes: ['onelogin'],
    claims: ['address'],
    table: 'none',
    apply: oneloginAddressCurrent,
  },
  'code-table': { schemes: ['singpass', 'onelogin'], table: 'required', apply: codeTable },
  'code-table-list': { schemes: ['singpass', 'onelogin'], table: 'required', apply: codeTableList },
};
