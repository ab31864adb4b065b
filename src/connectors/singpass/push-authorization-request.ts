import type { JWK } from 'jose';
import { redactUpstreamText } from '../../kernel/index.ts';
import { CLIENT_ASSERTION_TYPE, createClientAssertion } from './create-client-assertion.ts';
import { createDpopProof, withDpopNonce } from './create-dpop-proof.ts';
import { invalidResponse, safeErrorCode } from './fail.ts';
import { fetchUpstream, parseJsonObject } from './fetch-upstream.ts';
import type { LocalKeys } from './local-keys.ts';
import type { ConnectorDeps, ProviderMetadata } from './types.ts';

/**
 * Pushed authorization request (RFC 9126 §2; Singpass "1. Authorization Request"): the whole request
 * goes server to server with `private_key_jwt` and a DPoP proof; the browser only carries
 * `client_id` and the returned `request_uri`.
 */
export async function pushAuthorizationRequest(
  deps: ConnectorDeps,
  metadata: ProviderMetadata,
  keys: LocalKeys,
  dpopKey: JWK,
  params: URLSearchParams,
): Promise<string> {
  const endpoint = metadata.pushed_authorization_request_endpoint!;
  const { response, body } = await withDpopNonce(async (nonce) => {
    const form = new URLSearchParams(params);
    form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
    form.set('client_assertion', await createClientAssertion(deps, keys, metadata.issuer));
    return fetchUpstream(deps, 'par', endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        dpop: await createDpopProof(deps, dpopKey, { htm: 'POST', htu: endpoint, nonce }),
      },
      body: form,
    });
  });
  const json = parseJsonObject(body);
  if (response.status !== 201 && response.status !== 200) {
    throw invalidResponse('par', `the pushed authorization request was refused (HTTP ${response.status}).`, {
      status: response.status,
      error: safeErrorCode(json?.error),
      description: redactUpstreamText(json?.error_description),
    });
  }
  const requestUri = json?.request_uri;
  if (typeof requestUri !== 'string' || requestUri === '') {
    throw invalidResponse('par', 'the PAR response has no request_uri.');
  }
  return requestUri;
}
