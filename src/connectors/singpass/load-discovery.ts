import { z } from 'zod';
import { invalidResponse } from './fail.ts';
import { fetchUpstream, parseJsonObject } from './fetch-upstream.ts';
import type { ConnectorDeps, ProviderMetadata } from './types.ts';

/**
 * Provider metadata, fetched on first use and kept for an hour (Singpass asks clients to cache the
 * discovery document rather than fetch it per login). The `issuer` inside must equal the configured
 * one exactly (OpenID Connect Discovery 1.0 §4.3), which also pins every endpoint to that provider.
 */
const TTL_MS = 60 * 60 * 1000;

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
  let cached: { metadata: ProviderMetadata; fetchedAt: number } | undefined;
  let inflight: Promise<ProviderMetadata> | undefined;

  const load = async (): Promise<ProviderMetadata> => {
    const url = `${deps.options.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const { response, body } = await fetchUpstream(deps, 'discovery', url, {
      headers: { accept: 'application/json' },
    });
    if (response.status !== 200)
      throw invalidResponse('discovery', `discovery answered HTTP ${response.status}.`);
    const parsed = metadataSchema.safeParse(parseJsonObject(body));
    if (!parsed.success)
      throw invalidResponse('discovery', 'the discovery document lacks required endpoints.');
    const metadata = parsed.data;
    if (metadata.issuer !== deps.options.issuer) {
      throw invalidResponse('discovery_issuer', 'the discovery issuer differs from the configured issuer.');
    }
    if (deps.options.profile === 'fapi' && metadata.pushed_authorization_request_endpoint === undefined) {
      throw invalidResponse('discovery', 'the FAPI profile needs pushed_authorization_request_endpoint.');
    }
    cached = { metadata, fetchedAt: Date.now() };
    return metadata;
  };

  return async () => {
    if (cached !== undefined && Date.now() - cached.fetchedAt < TTL_MS) return cached.metadata;
    inflight ??= load().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };
}
