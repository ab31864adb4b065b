import type { SchemeId, Tier } from './assertions.ts';

/**
 * The highest tiers each scheme value may ever be declared at in the trust-framework file.
 *
 * Why in code: the file is reviewed data, but "map down, never up" must not depend on one review. A
 * mapping above these ceilings is refused at load (`trust_framework_invalid`), so raising a scheme's
 * reading needs a reviewed change here as well. The values follow the published reference table
 * (shared reference "assurance.md"; GPG 44/45 via docs.sign-in.service.gov.uk; eIDAS CIR 2015/1502
 * mapped to NIST SP 800-63 as in https://www.methics.fi/level-of-assurance-mapping-between-eidas-nist/).
 * A scheme value with no ceiling here is unknown and cannot be declared at all.
 */
export interface Ceiling {
  readonly identity: Tier;
  readonly authentication: Tier;
}

/**
 * Singpass `acr`. No official definition of the levels was found; the common reading is 1 = password
 * only, 2 = two factors, 3 = face verification. Identity: enrolment against the NRIC/FIN register meets
 * substantial, not high without a formal assessment. This is a judgement, not a cross-recognition.
 */
const singpassAcr: Readonly<Record<string, Ceiling>> = {
  'urn:singpass:authentication:loa:1': { identity: 'substantial', authentication: 'low' },
  'urn:singpass:authentication:loa:2': { identity: 'substantial', authentication: 'substantial' },
  'urn:singpass:authentication:loa:3': { identity: 'substantial', authentication: 'substantial' },
};

/**
 * One Login vectors of trust (RFC 8485). `Cl` = GPG 44 low, `Cl.Cm` = GPG 44 medium; `P1`/`P2` = GPG 45
 * low/medium confidence. P1 and P2 need `Cl.Cm`; `Cl` cannot be combined with identity (One Login answers
 * `invalid_request`), so `Cl.P1`/`Cl.P2` have no ceiling and cannot be declared. `P3` (GPG 45 high)
 * is not offered to services.
 */
const oneloginVtr: Readonly<Record<string, Ceiling>> = {
  Cl: { identity: 'none', authentication: 'low' },
  'Cl.Cm': { identity: 'none', authentication: 'substantial' },
  'Cl.Cm.P0': { identity: 'none', authentication: 'substantial' },
  'Cl.Cm.P1': { identity: 'low', authentication: 'substantial' },
  'Cl.Cm.P2': { identity: 'substantial', authentication: 'substantial' },
};

export const REFERENCE_CEILINGS: Readonly<Record<SchemeId, Readonly<Record<string, Ceiling>>>> = {
  singpass: singpassAcr,
  onelogin: oneloginVtr,
};

/**
 * Ceiling of a Singpass account type's identity: only accounts enrolled against the national register
 * (standard) can reach substantial.
 */
export const SINGPASS_ACCOUNT_TYPE_CEILINGS: Readonly<Record<string, Tier>> = {
  standard: 'substantial',
  foreign: 'low',
  unknown: 'low',
};

/**
 * Where a claim may be read from in a verified assertion, and what the request must contain for the
 * scheme to send it. A mapping from any other source is refused at load.
 */
export interface KnownSource {
  readonly scope?: string;
  readonly userinfoClaim?: string;
}

/** Myinfo attributes (Myinfo data catalogue, "personal"); each is requested by the scope of its name. */
export const MYINFO_ATTRIBUTES: readonly string[] = [
  'uinfin',
  'name',
  'aliasname',
  'hanyupinyinname',
  'hanyupinyinaliasname',
  'marriedname',
  'sex',
  'race',
  'secondaryrace',
  'dialect',
  'dob',
  'birthcountry',
  'nationality',
  'residentialstatus',
  'passtype',
  'passstatus',
  'passexpirydate',
  'regadd',
  'mailadd',
  'billadd',
  'housingtype',
  'hdbtype',
  'mobileno',
  'homeno',
  'email',
  'marital',
  'occupation',
  'passportnumber',
  'passportexpirydate',
];

const VOCAB = 'https://vocab.account.gov.uk/v1/';

/** Top-level source roots of each scheme's assertion (see assertions.ts). */
export const KNOWN_SOURCES: Readonly<Record<SchemeId, Readonly<Record<string, KnownSource>>>> = {
  singpass: {
    ...Object.fromEntries(MYINFO_ATTRIBUTES.map((a) => [`person.${a}`, { scope: a }])),
    identityCoi: {},
    accountType: {},
    // FAPI ID token `sub_attributes` (Login apps: "4. Parsing the ID Token"), one per scope.
    'subAttributes.name': { scope: 'name' },
    'subAttributes.email': { scope: 'email' },
    'subAttributes.mobileno': { scope: 'mobileno' },
  },
  onelogin: {
    email: { scope: 'email' },
    emailVerified: { scope: 'email' },
    phoneNumber: { scope: 'phone' },
    phoneNumberVerified: { scope: 'phone' },
    'coreIdentity.name': { userinfoClaim: `${VOCAB}coreIdentityJWT` },
    'coreIdentity.birthDate': { userinfoClaim: `${VOCAB}coreIdentityJWT` },
    address: { userinfoClaim: `${VOCAB}address` },
    passport: { userinfoClaim: `${VOCAB}passport` },
    drivingPermit: { userinfoClaim: `${VOCAB}drivingPermit` },
  },
};

/** Scopes and userinfo claims each scheme understands at all. */
export const KNOWN_SCOPES: Readonly<Record<SchemeId, readonly string[]>> = {
  // `user.identity` (FAPI): returns `sub_attributes` with account type, identity number and country of issue.
  singpass: ['openid', 'user.identity', ...MYINFO_ATTRIBUTES],
  onelogin: ['openid', 'email', 'phone', 'wallet-subject-id'],
};
export const KNOWN_USERINFO_CLAIMS: readonly string[] = [
  `${VOCAB}coreIdentityJWT`,
  `${VOCAB}address`,
  `${VOCAB}passport`,
  `${VOCAB}drivingPermit`,
  `${VOCAB}returnCode`,
];
