import type { JWK } from 'jose';
import { z } from 'zod';
import { redactUpstreamText } from '../../kernel/index.ts';
import { CLIENT_ASSERTION_TYPE, createClientAssertion } from './create-client-assertion.ts';
import { createDpopProof, withDpopNonce } from './create-dpop-proof.ts';
import { invalidResponse, safeErrorCode } from './fail.ts';
import { fetchUpstream, parseJsonObject } from './fetch-upstream.ts';
import type { LocalKeys } from './local-keys.ts';
import type { ConnectorDeps, ProviderMetadata } from './types.ts';

/**
 * Token request (OIDC Core §3.1.3.1; RFC 7636 §4.5; Singpass "3. Token Exchange"): the code, our
 * redirect URI, the PKCE verifier, a client assertion, and under FAPI a DPoP proof; the answer must
 * be `token_type: DPoP` under FAPI (RFC 9449 §5) and carry an ID token.
 */
const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  id_token: z.string().min(1),
});

export type TokenResponse = z.infer<typeof tokenResponse>;

export async function exchangeCode(
  deps: ConnectorDeps,
  metadata: ProviderMetadata,
  keys: LocalKeys,
  input: { code: string; redirectUri: string; codeVerifier: string; dpopKey: JWK | undefined },
): Promise<TokenResponse> {
  const endpoint = metadata.token_endpoint;
  const { response, body } = await withDpopNonce(async (nonce) => {
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code: input.code,
      redirect_uri: input.redirectUri,
      client_id: deps.options.clientId,
      code_verifier: input.codeVerifier,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: await createClientAssertion(deps, keys, metadata.issuer),
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (input.dpopKey !== undefined) {
      headers.dpop = await createDpopProof(deps, input.dpopKey, { htm: 'POST', htu: endpoint, nonce });
    }
    return fetchUpstream(deps, 'token', endpoint, { method: 'POST', headers, body: form });
  });
  const json = parseJsonObject(body);
  if (response.status !== 200) {
    throw invalidResponse('token', `the token request was refused (HTTP ${response.status}).`, {
      status: response.status,
      error: safeErrorCode(json?.error),
      description: redactUpstreamText(json?.error_description),
    });
  }
  const parsed = tokenResponse.safeParse(json);
  if (!parsed.success)
    throw invalidResponse('token', 'the token response lacks access_token, token_type or id_token.');
  const wanted = deps.options.profile === 'fapi' ? 'dpop' : 'bearer';
  if (parsed.data.token_type.toLowerCase() !== wanted) {
    throw invalidResponse('token_type', `the token_type must be ${wanted === 'dpop' ? 'DPoP' : 'Bearer'}.`);
  }
  return parsed.data;
}
