import type { SimulatorContext } from './create-simulator-context.ts';
import type { SingpassProfile } from './types.ts';

/**
 * OpenID Provider metadata (OpenID Connect Discovery 1.0 §3; RFC 8414), shaped like the documents
 * at https://stg-id.singpass.gov.sg/fapi/.well-known/openid-configuration (FAPI 2.0 profile: PAR
 * required, DPoP, PKCE S256, RFC 9207 `iss`) and https://stg-id.singpass.gov.sg/.well-known/openid-configuration
 * (legacy: query authorization request, no DPoP).
 */
export function discoveryDocument(ctx: SimulatorContext, profile: SingpassProfile): Record<string, unknown> {
  const common = {
    issuer: ctx.issuer(profile),
    authorization_endpoint: ctx.endpoint(profile, 'auth'),
    token_endpoint: ctx.endpoint(profile, 'token'),
    ...(ctx.userinfoEndpoint ? { userinfo_endpoint: ctx.endpoint(profile, 'userinfo') } : {}),
    jwks_uri: ctx.endpoint(profile, 'jwks'),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code'],
    subject_types_supported: ['public'],
    scopes_supported: [...ctx.scopesSupported],
    acr_values_supported: [1, 2, 3].map((n) => `urn:singpass:authentication:loa:${n}`),
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['ES256', 'ES384', 'ES512'],
    id_token_signing_alg_values_supported: ['ES256'],
    id_token_encryption_alg_values_supported: ['ECDH-ES+A256KW', 'ECDH-ES+A192KW', 'ECDH-ES+A128KW'],
    // The one `enc` this simulator is configured to use (Singpass lists A256CBC-HS512); the
    // `enc_a256gcm` and `mockpass_fapi` scenarios then send A256GCM regardless, as MockPass does.
    id_token_encryption_enc_values_supported: [ctx.contentEncryption],
    userinfo_signing_alg_values_supported: ['ES256'],
    userinfo_encryption_alg_values_supported: ['ECDH-ES+A256KW', 'ECDH-ES+A192KW', 'ECDH-ES+A128KW'],
    userinfo_encryption_enc_values_supported: [ctx.contentEncryption],
    claims_supported: ['iss', 'aud', 'sub', 'iat', 'exp', 'nonce', 'amr', 'acr'],
  };
  if (profile === 'legacy') return common;
  return {
    ...common,
    pushed_authorization_request_endpoint: ctx.endpoint('fapi', 'par'),
    require_pushed_authorization_requests: true,
    dpop_signing_alg_values_supported: ['ES256'],
    ...(ctx.issParameter ? { authorization_response_iss_parameter_supported: true } : {}),
    claims_supported: [...common.claims_supported, 'sub_type', 'sub_attributes'],
  };
}
