import type { JWK } from 'jose';

/** The country a demo service belongs to: UK services accept Singpass, Singapore ones One Login. */
export type DemoCountry = 'GB' | 'SG';

/** The hub's assurance levels (`acr_values`), lowest first. */
export type GovbridgeAcr =
  | 'urn:govbridge:loa:low'
  | 'urn:govbridge:loa:substantial'
  | 'urn:govbridge:loa:high';

export interface DemoServicesOptions {
  /** The hub's issuer identifier, e.g. `http://127.0.0.1:3000`; discovery is fetched lazily from it. */
  readonly hubIssuer: string;
  /** The public URL the demos are reached at (usually the hub's own); redirect URIs are built from it. */
  readonly publicUrl: string;
  /**
   * Secret (at least 32 characters), the same in every hub process, from which each demo's
   * cookie-encryption key and client-authentication key are derived.
   */
  readonly cookieKey: string;
  /** Fetch used for every call to the hub (discovery, PAR, token, userinfo); defaults to the global one. */
  readonly fetch?: typeof fetch;
}

/**
 * Client metadata the hub's composition root registers before serving: RFC 7591 fields, the
 * FAPI 2.0 ones (RFC 9126 PAR, RFC 9449 DPoP), and the govbridge extensions.
 */
export interface DemoClientRegistration {
  readonly client_id: string;
  readonly client_name: string;
  readonly application_type: 'web';
  readonly redirect_uris: readonly string[];
  readonly post_logout_redirect_uris: readonly string[];
  readonly grant_types: readonly ['authorization_code'];
  readonly response_types: readonly ['code'];
  readonly jwks: { readonly keys: readonly JWK[] };
  readonly token_endpoint_auth_method: 'private_key_jwt';
  readonly token_endpoint_auth_signing_alg: 'ES256';
  readonly id_token_signed_response_alg: 'ES256';
  readonly dpop_bound_access_tokens: true;
  readonly require_pushed_authorization_requests: true;
  readonly govbridge_country: DemoCountry;
  readonly govbridge_agency: string;
  readonly govbridge_purpose: string;
  readonly govbridge_attributes: readonly string[];
  readonly govbridge_min_acr: GovbridgeAcr;
  readonly govbridge_security_profile: 'fapi2';
  readonly govbridge_environment: string;
}

/** What one demo is: everything that differs between the demos, as data. */
export interface DemoDefinition {
  /** Path segment under `/demo/`. */
  readonly slug: 'uk' | 'sg' | 'abroad';
  readonly country: DemoCountry;
  readonly clientId: string;
  readonly serviceName: string;
  readonly agency: string;
  /** The national scheme the hub is told to use (`idp_hint`). */
  readonly idpHint: 'singpass' | 'onelogin';
  /** The scheme's name as shown to the citizen. */
  readonly schemeName: string;
  readonly purpose: string;
  readonly scopes: readonly string[];
  readonly attributes: readonly string[];
  readonly acr: GovbridgeAcr;
  /** Where the service keeps what it receives: an id of the hub's trust/environments.yaml. */
  readonly environment: string;
  /** Paragraphs of the start page (plain text). */
  readonly introduction: readonly string[];
  /**
   * Paragraphs of the start page under "Where this service keeps your details" (plain text), for a
   * demo whose hosting environment the hub's release policy will not release personal details to.
   */
  readonly hostingNotice?: readonly string[];
  /** Bullet points: what the person needs before starting. */
  readonly youWillNeed: readonly string[];
  /** The hub's life event a person using this service is likely living through (linked from the result page). */
  readonly lifeEvent: { readonly id: string; readonly text: string };
}
