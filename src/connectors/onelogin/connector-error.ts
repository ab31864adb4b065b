import { GovbridgeError } from '../../kernel/index.ts';

/**
 * Errors raised by the One Login connector. Messages say what failed and what a developer can
 * check; they never carry tokens, keys, names or dates of birth. `detail.check` names the check.
 */
export function invalidResponse(
  check: string,
  message: string,
  extra: Record<string, unknown> = {},
): GovbridgeError {
  return new GovbridgeError('upstream_invalid_response', `GOV.UK One Login: ${message}`, {
    detail: { scheme: 'onelogin', check, ...extra },
  });
}

export function upstreamTimeout(check: string, url: string, timeoutMs: number): GovbridgeError {
  return new GovbridgeError(
    'upstream_timeout',
    `GOV.UK One Login did not answer within ${timeoutMs} ms (${check})`,
    {
      detail: { scheme: 'onelogin', check, endpoint: safeEndpoint(url) },
    },
  );
}

export function upstreamUnavailable(check: string, url: string, status?: number): GovbridgeError {
  const what = status === undefined ? 'could not be reached' : `answered HTTP ${status}`;
  return new GovbridgeError('upstream_unavailable', `GOV.UK One Login ${what} (${check})`, {
    detail: {
      scheme: 'onelogin',
      check,
      endpoint: safeEndpoint(url),
      ...(status === undefined ? {} : { status }),
    },
  });
}

/** Origin and path only: query strings may hold codes or state. */
function safeEndpoint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'invalid-url';
  }
}
