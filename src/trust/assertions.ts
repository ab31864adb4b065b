/**
 * The contract between connectors and the trust framework.
 *
 * A connector verifies everything a national scheme sent and returns a scheme-native *assertion*
 * (below): nothing is mapped yet, nothing is invented. The trust framework then translates the
 * assertion into common tiers and the common claim set. Requests go the other way: the trust
 * framework translates the hub's requested level into a scheme-native request, which the connector
 * sends without reinterpreting it.
 */

export type SchemeId = 'singpass' | 'onelogin';

/** Common tiers, ordered. Identity proofing and authentication strength are kept apart. */
export type Tier = 'none' | 'low' | 'substantial' | 'high';

/** What the hub asks a scheme for, already in that scheme's own vocabulary. */
export type SchemeAuthRequest = SingpassAuthRequest | OneLoginAuthRequest;

export interface SingpassAuthRequest {
  readonly scheme: 'singpass';
  /** e.g. `['urn:singpass:authentication:loa:2']`; sent as `acr_values` (space-separated). */
  readonly acrValues: readonly string[];
  /** OIDC and Myinfo scopes, e.g. `['openid', 'uinfin', 'name', 'dob', 'nationality', 'regadd']`. */
  readonly scopes: readonly string[];
}

export interface OneLoginAuthRequest {
  readonly scheme: 'onelogin';
  /** Vectors of trust, e.g. `['Cl.Cm.P2']`; sent as the JSON array `vtr`. */
  readonly vtr: readonly string[];
  /** `openid`, `email`, `phone`. */
  readonly scopes: readonly string[];
  /** Identity claims asked through `claims.userinfo`, e.g. `https://vocab.account.gov.uk/v1/coreIdentityJWT`. */
  readonly userinfoClaims: readonly string[];
}

/** Myinfo attribute in the Myinfo data model (`{value|code,desc, source, classification, lastupdated}` …). */
export type MyinfoAttribute = Record<string, unknown>;

export interface SingpassAssertion {
  readonly scheme: 'singpass';
  readonly profile: 'fapi' | 'legacy';
  /** Stable opaque subject: the FAPI `sub` UUID, or the legacy `u=` UUID. Never the NRIC/FIN. */
  readonly subject: string;
  /**
   * e.g. `urn:singpass:authentication:loa:2`, from the verified ID token; undefined when the token
   * carries none (read as the lowest Singpass level by the trust framework).
   */
  readonly acr: string | undefined;
  readonly amr: readonly string[];
  readonly authTime?: number | undefined;
  /** FAPI `sub_attributes.account_type`; legacy: `foreign` when `fid=` is present. */
  readonly accountType?: 'standard' | 'foreign' | undefined;
  /** NRIC/FIN (`sub_attributes.identity_number`, or the legacy `s=`). Personal data: never logged. */
  readonly identityNumber?: string | undefined;
  /** Country of issue of a foreign account's identity (`identity_coi` / legacy `coi=`). */
  readonly identityCoi?: string | undefined;
  /** Verified Myinfo userinfo attributes keyed by Myinfo name (`name`, `dob`, `regadd`, …). */
  readonly person: Readonly<Record<string, MyinfoAttribute>>;
  /**
   * FAPI only: the contact attributes Singpass puts in the verified ID token's `sub_attributes` when
   * the `name`, `email` or `mobileno` scope is granted (the only source of them for a Login app, which
   * has no Myinfo userinfo). Plain strings, without Myinfo's `source` provenance. Trust-framework
   * source paths `subAttributes.name|email|mobileno`.
   */
  readonly subAttributes?:
    | Readonly<{ name?: string | undefined; email?: string | undefined; mobileno?: string | undefined }>
    | undefined;
}

export interface OneLoginNamePart {
  readonly value: string;
  readonly type: 'GivenName' | 'FamilyName';
}
export interface OneLoginName {
  readonly nameParts: readonly OneLoginNamePart[];
  readonly validFrom?: string;
  readonly validUntil?: string;
}
export interface OneLoginAddress {
  readonly uprn?: string | number;
  readonly subBuildingName?: string;
  readonly buildingName?: string;
  readonly buildingNumber?: string;
  readonly dependentStreetName?: string;
  readonly streetName?: string;
  readonly doubleDependentAddressLocality?: string;
  readonly dependentAddressLocality?: string;
  readonly addressLocality?: string;
  readonly postalCode?: string;
  readonly addressCountry?: string;
  readonly validFrom?: string;
  readonly validUntil?: string;
}

export interface OneLoginAssertion {
  readonly scheme: 'onelogin';
  /** Pairwise `urn:fdc:gov.uk:2022:…` subject from the verified ID token. */
  readonly subject: string;
  /** Credential part of the trust vector from the ID token, e.g. `Cl.Cm` (checked against the request). */
  readonly vot: string;
  readonly vtm: string;
  readonly authTime?: number | undefined;
  readonly email?: string | undefined;
  readonly emailVerified?: boolean | undefined;
  readonly phoneNumber?: string | undefined;
  readonly phoneNumberVerified?: boolean | undefined;
  /**
   * Present only when a `coreIdentityJWT` was returned AND verified against the pinned DID document,
   * with `sub` equal to the ID token's and `aud` our client id. Absent = identity not proven.
   */
  readonly coreIdentity?:
    | {
        readonly vot: string;
        readonly vtm: string;
        readonly name: readonly OneLoginName[];
        readonly birthDate: readonly { readonly value: string }[];
      }
    | undefined;
  readonly address?: readonly OneLoginAddress[] | undefined;
  readonly passport?:
    | readonly { documentNumber: string; icaoIssuerCode: string; expiryDate: string }[]
    | undefined;
  readonly drivingPermit?: readonly Record<string, unknown>[] | undefined;
  readonly returnCode?: readonly { code: string }[] | undefined;
}

export type SchemeAssertion = SingpassAssertion | OneLoginAssertion;
