import type { SchemeId } from './assertions.ts';

/** OpenID Connect Core 1.0 §5.1.1 address claim. */
export interface AddressClaim {
  readonly formatted?: string;
  readonly street_address?: string;
  readonly locality?: string;
  readonly region?: string;
  readonly postal_code?: string;
  /** ISO 3166-1 alpha-2 (govbridge narrows the spec's free text to the code, so services can compare). */
  readonly country?: string;
}

export type ClaimValue = string | boolean | readonly string[] | AddressClaim;

/** The common claim set: OpenID Connect standard claims plus `urn:govbridge:claims:*`. */
export interface CommonClaims {
  readonly given_name?: string;
  readonly family_name?: string;
  readonly name?: string;
  readonly birthdate?: string;
  readonly gender?: string;
  /** ISO 3166-1 alpha-2 codes (OpenID Connect for Identity Assurance 1.0 `nationalities`). */
  readonly nationalities?: readonly string[];
  readonly address?: AddressClaim;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly phone_number?: string;
  readonly phone_number_verified?: boolean;
  readonly [claim: string]: ClaimValue | undefined;
}

/** Where one released claim came from: its provenance, recorded with every release. */
export interface ClaimSource {
  readonly scheme: SchemeId;
  /** Path in the verified assertion, e.g. `person.regadd` or `coreIdentity.name`. */
  readonly source: string;
  readonly transform?: string;
  /** True when the claim is also released inside `verified_claims`. */
  readonly verified: boolean;
}

/** OpenID Connect for Identity Assurance 1.0 `verified_claims` (one verification, no evidence array). */
export interface VerifiedClaims {
  readonly verification: {
    /** e.g. `uk_tfida` (IANA-registered) or `sg_singpass` (govbridge's own id: not registered). */
    readonly trust_framework: string;
    readonly assurance_level?: string;
    /** ISO 8601; only when the scheme tells us when the verification took place. */
    readonly time?: string;
    readonly verification_process?: string;
    /** The govbridge trust-framework version that produced this mapping (a collision-resistant name). */
    readonly 'urn:govbridge:trust_framework_version': string;
  };
  readonly claims: CommonClaims;
}

export interface MappedClaims {
  /** Every requested claim the scheme supplied, verified or not. */
  readonly claims: CommonClaims;
  /** The verified subset, when there is one. */
  readonly verified_claims?: VerifiedClaims;
  readonly sources: Readonly<Record<string, ClaimSource>>;
  readonly trustFrameworkVersion: string;
}
