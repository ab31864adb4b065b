import { GovbridgeError, redactUpstreamText } from '../../kernel/index.ts';
import { invalidResponse, safeErrorCode } from './fail.ts';
import type { ProviderMetadata } from './types.ts';

/**
 * The redirect back from Singpass (OIDC Core §3.1.2.5–6). `state` is checked first, error or not,
 * because a response we did not ask for must not be acted on (RFC 6749 §10.12). The `iss` parameter
 * (RFC 9207 §2.4) must equal the issuer when Singpass advertises it, and whenever it is present.
 * Returns the authorization code.
 */
export function checkCallback(
  params: URLSearchParams,
  expectedState: string,
  metadata: ProviderMetadata,
): string {
  if (params.get('state') !== expectedState) {
    throw invalidResponse(
      'state',
      'the callback state does not match this login (stale tab or forged request).',
    );
  }
  const iss = params.get('iss');
  if (
    (iss !== null || metadata.authorization_response_iss_parameter_supported === true) &&
    iss !== metadata.issuer
  ) {
    throw invalidResponse(
      'iss_parameter',
      'the callback iss parameter is not the configured issuer (RFC 9207).',
    );
  }
  const error = params.get('error');
  if (error !== null) {
    const code = safeErrorCode(error);
    const description = redactUpstreamText(params.get('error_description'));
    if (code === 'access_denied') {
      throw new GovbridgeError('access_denied', 'The Singpass login was cancelled or refused.', {
        detail: { scheme: 'singpass', check: 'authorization_error', error: code, description },
      });
    }
    if (code === 'temporarily_unavailable') {
      throw new GovbridgeError(
        'temporarily_unavailable',
        'Singpass is temporarily unavailable; try again later.',
        {
          detail: { scheme: 'singpass', check: 'authorization_error', error: code, description },
        },
      );
    }
    throw invalidResponse('authorization_error', 'Singpass returned an authorization error.', {
      error: code,
      description,
    });
  }
  const code = params.get('code');
  if (code === null || code === '') throw invalidResponse('code', 'the callback has neither code nor error.');
  return code;
}
