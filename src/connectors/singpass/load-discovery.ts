import { z } from 'zod';
import { CachedDocument } from '../http/index.ts';
import { invalidResponse } from './fail.ts';
import { singpassUpstream } from './fetch-upstream.ts';
import type { ConnectorDeps, ProviderMetadata } from './types.ts';

/**
 * Provider metadata, fetched on first use and kept for an hour (Singpass asks clients to cache the
 * discovery document rather than fetch it per login). The `issuer` inside must equal the configured
 * one exactly (OpenID Connect Discovery 1.0 §4.3), which also pins every endpoint to that provider.
 */
const HOUR = 3600;

const metadataSchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  userinfo_endpoint: z.url().optional(),
  pushed_authorization_request_endpoint: z.url().optional(),
  authorization_response_iss_parameter_supported: z.boolean().optional(),
  // Read leniently: a malformed list is treated as not published (every scope is then asked).
  scopes_supported: z.array(z.string()).optional().catch(undefined),
});

export function createDiscovery(deps: ConnectorDeps): () => Promise<ProviderMetadata> {
  const doc = new CachedDocument<ProviderMetadata>({
    upstream: singpassUpstream(deps),
    url: `${deps.options.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
    check: 'discovery',
    clock: deps.clock,
    policy: {
      defaultTtlSeconds: HOUR,
      minTtlSeconds: HOUR,
      maxTtlSeconds: HOUR,
      minRefreshIntervalSeconds: 60,
      staleOnError: false,
    },
    parse: (body) => {
      const parsed = metadataSchema.safeParse(body);
      if (!parsed.success)
        throw invalidResponse('discovery', 'the discovery document lacks required endpoints.');
      const metadata = parsed.data;
      if (metadata.issuer !== deps.options.issuer) {
        throw invalidResponse('discovery_issuer', 'the discovery issuer differs from the configured issuer.');
      }
      if (deps.options.profile === 'fapi' && metadata.pushed_authorization_request_endpoint === undefined) {
        throw invalidResponse('discovery', 'the FAPI profile needs pushed_authorization_request_endpoint.');
      }
      return metadata;
    },
  });
  return () => doc.get();
}
