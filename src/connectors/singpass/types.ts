import type { JWK } from 'jose';
import type { Clock } from '../../kernel/index.ts';

export interface SingpassConnectorOptions {
  /** Issuer from identity-profiles.md, e.g. `https://stg-id.singpass.gov.sg/fapi` (FAPI) or `https://stg-id.singpass.gov.sg` (legacy). */
  readonly issuer: string;
  readonly clientId: string;
  readonly profile: 'fapi' | 'legacy';
  readonly keys: {
    /** Private ES256 (P-256) key with `kid`: client assertions. */
    readonly signing: JWK;
    /** Private ECDH-ES keys with `kid`; several while rotating. The first is advertised first. */
    readonly encryption: readonly JWK[];
  };
  /** Per HTTP call to Singpass. */
  readonly timeoutMs: number;
  readonly clock?: Clock | undefined;
  readonly fetch?: typeof fetch | undefined;
}

/** The parts of the provider metadata the connector uses (OpenID Connect Discovery 1.0 §3). */
export interface ProviderMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly jwks_uri: string;
  readonly userinfo_endpoint?: string | undefined;
  readonly pushed_authorization_request_endpoint?: string | undefined;
  readonly authorization_response_iss_parameter_supported?: boolean | undefined;
  /** Scopes the provider says it supports; when published, the connector asks for no others. */
  readonly scopes_supported?: readonly string[] | undefined;
}

/** What every step needs; built once per connector. */
export interface ConnectorDeps {
  readonly options: SingpassConnectorOptions;
  readonly clock: Clock;
  readonly fetch: typeof fetch;
}
