import type { JWK } from 'jose';
import type { DemoClientRegistration, DemoDefinition } from './types.ts';

export interface DemoUrls {
  /** Where the demo's routes are mounted in the hub's Fastify app, e.g. `/demo/uk`. */
  readonly routePrefix: string;
  /** The same, as the browser sees it (with the public URL's path, if the hub is served under one). */
  readonly basePath: string;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
}

/** The demo's own URLs, built from the public URL (a trailing slash or a path prefix is kept as given). */
export function demoUrls(definition: DemoDefinition, publicUrl: URL): DemoUrls {
  const routePrefix = `/demo/${definition.slug}`;
  const root = `${publicUrl.origin}${publicUrl.pathname.replace(/\/+$/, '')}`;
  return {
    routePrefix,
    basePath: `${publicUrl.pathname.replace(/\/+$/, '')}${routePrefix}`,
    redirectUri: `${root}${routePrefix}/callback`,
    postLogoutRedirectUri: `${root}${routePrefix}/signed-out`,
  };
}

/**
 * The client metadata the hub registers for a demo: a FAPI 2.0 confidential client (PAR required,
 * DPoP-bound access tokens, `private_key_jwt` with ES256, ES256 ID tokens) with the govbridge
 * extensions the hub's consent page and release policy read.
 */
export function demoRegistration(
  definition: DemoDefinition,
  urls: DemoUrls,
  publicJwk: JWK,
): DemoClientRegistration {
  return {
    client_id: definition.clientId,
    client_name: definition.serviceName,
    application_type: 'web',
    redirect_uris: [urls.redirectUri],
    post_logout_redirect_uris: [urls.postLogoutRedirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    jwks: { keys: [publicJwk] },
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    id_token_signed_response_alg: 'ES256',
    dpop_bound_access_tokens: true,
    require_pushed_authorization_requests: true,
    govbridge_country: definition.country,
    govbridge_agency: definition.agency,
    govbridge_purpose: definition.purpose,
    govbridge_attributes: [...definition.attributes],
    govbridge_min_acr: definition.acr,
    govbridge_security_profile: 'fapi2',
    govbridge_environment: definition.environment,
  };
}
