import type { JWK } from 'jose';
import type { Clock } from '../../kernel/index.ts';

/**
 * Error scenarios, chosen per login (`login_hint=<personaId>:<scenario>`) or as the plugin default.
 * Names follow the public GOV.UK One Login simulator's error configuration where they overlap
 * (github.com/govuk-one-login/simulator, README "Error configuration"), in snake_case.
 */
export const SCENARIOS = [
  'ok',
  'access_denied',
  'temporarily_unavailable',
  'bad_signature',
  'expired_token',
  'wrong_nonce',
  'wrong_audience',
  'invalid_iss',
  'incorrect_vot',
  'core_identity_bad_signature',
  'core_identity_incorrect_sub',
  'core_identity_expired',
  'core_identity_lower_vot',
  'lower_assurance',
  'claims_string_only',
  'slow',
  'down',
] as const;

export type Scenario = (typeof SCENARIOS)[number];

export function isScenario(value: string): value is Scenario {
  return (SCENARIOS as readonly string[]).includes(value);
}

/** Credential trust ("Cl" | "Cl.Cm") and level of confidence, as in the docs' vtr table. */
export type CredentialTrust = 'Cl' | 'Cl.Cm';
export type LevelOfConfidence = 'P0' | 'P1' | 'P2';

export interface VectorOfTrust {
  readonly credentialTrust: CredentialTrust;
  readonly levelOfConfidence: LevelOfConfidence | null;
}

export interface SimulatorClient {
  readonly clientId: string;
  /** Where the client's public keys (RSA, for JAR and private_key_jwt) are published. */
  readonly jwksUri?: string;
  /** Or the keys themselves. */
  readonly jwks?: { keys: JWK[] };
  readonly redirectUris: readonly string[];
  /** ES256 by default, RS256 if the client registered so ("Make a token request", `id_token`). */
  readonly idTokenSigningAlg?: 'ES256' | 'RS256';
  /** Registered `post_logout_redirect_uris`; without them /logout shows a signed-out page. */
  readonly postLogoutRedirectUris?: readonly string[];
}

export interface OneLoginSimulatorOptions {
  /** Public URL of the mounted plugin, e.g. http://127.0.0.1:3000/simulators/onelogin. It is the issuer. */
  readonly baseUrl: string;
  readonly clients: readonly SimulatorClient[];
  /** Scenario for logins that do not pick one in `login_hint`. Default `ok`. */
  readonly defaultScenario?: Scenario;
  readonly clock?: Clock;
  /** How long the `slow` scenario holds the token response. Default 10 000 ms. */
  readonly slowDelayMs?: number;
}

/** A persona's identity in the shapes of the One Login vocabulary (vocab.account.gov.uk/v1). */
export interface PersonaName {
  readonly validFrom?: string;
  readonly validUntil?: string;
  readonly nameParts: readonly { readonly value: string; readonly type: 'GivenName' | 'FamilyName' }[];
}

export interface PersonaAddress {
  readonly uprn?: string;
  readonly subBuildingName?: string;
  readonly buildingName?: string;
  readonly buildingNumber?: string;
  readonly dependentStreetName?: string;
  readonly streetName?: string;
  readonly doubleDependentAddressLocality?: string;
  readonly dependentAddressLocality?: string;
  readonly addressLocality?: string;
  readonly postalCode?: string;
  readonly addressCountry: string;
  readonly validFrom?: string;
  readonly validUntil?: string;
}

export interface Persona {
  readonly id: string;
  /** Shown on the chooser page; fictional. */
  readonly label: string;
  readonly summary: string;
  readonly email: string;
  readonly phoneNumber?: string;
  /** The highest level of identity confidence this person can reach. */
  readonly maxConfidence: LevelOfConfidence;
  readonly name: readonly PersonaName[];
  readonly birthDate: readonly { readonly value: string }[];
  readonly address: readonly PersonaAddress[];
  readonly passport?: readonly { documentNumber: string; icaoIssuerCode: string; expiryDate: string }[];
  readonly drivingPermit?: readonly {
    expiryDate: string;
    issueNumber?: string;
    issuedBy: string;
    personalNumber: string;
  }[];
  /** Codes returned (with `returnCode` requested) when identity proving fails for this person. */
  readonly returnCodes?: readonly { code: string }[];
}

/** The validated authorization request, whether it came in query parameters or a request object. */
export interface AuthRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string;
  readonly nonce: string;
  readonly vtr: readonly VectorOfTrust[];
  readonly claims: readonly string[];
  /**
   * How a request object carried `claims`: `object` (the form the docs' request object example
   * shows) or `string` (a JSON string of it). Absent for query-parameter requests and no `claims`.
   * Scenario `claims_string_only` refuses `object`, as the public simulator does.
   */
  readonly requestObjectClaims?: 'object' | 'string' | undefined;
  readonly uiLocales?: string | undefined;
  readonly loginHint?: string | undefined;
  readonly codeChallenge?: string | undefined;
}
