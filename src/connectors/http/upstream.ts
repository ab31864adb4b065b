import { GovbridgeError } from '../../kernel/index.ts';

/** One national identity provider as the HTTP layer sees it; each connector builds one. */
export interface Upstream {
  readonly scheme: 'singpass' | 'onelogin';
  /** How messages name it: `Singpass`, `GOV.UK One Login`. */
  readonly name: string;
  readonly fetch: typeof fetch;
  /** Deadline of each call, body included. */
  readonly timeoutMs: number;
  /** Sent on every call unless the call sets them (One Login refuses calls without a `User-Agent`). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** `manual`: a redirect is returned like any other answer; `error`: it is `upstream_unavailable`. */
  readonly redirect: 'manual' | 'error';
}

/**
 * A response that failed one of our checks. Messages say what to look at and never carry tokens,
 * keys or personal data; `detail.check` names the failed check.
 */
export function invalidResponse(
  upstream: Pick<Upstream, 'scheme' | 'name'>,
  check: string,
  message: string,
  extra: Record<string, unknown> = {},
): GovbridgeError {
  return new GovbridgeError('upstream_invalid_response', `${upstream.name}: ${message}`, {
    detail: { scheme: upstream.scheme, check, ...extra },
  });
}

export function upstreamTimeout(
  upstream: Upstream,
  check: string,
  url: string,
  cause: unknown,
): GovbridgeError {
  return new GovbridgeError(
    'upstream_timeout',
    `${upstream.name} ${check} did not answer within ${upstream.timeoutMs} ms.`,
    {
      detail: { ...where(upstream, check, url), timeoutMs: upstream.timeoutMs },
      cause,
    },
  );
}

export function upstreamUnavailable(
  upstream: Upstream,
  check: string,
  url: string,
  status?: number,
  cause?: unknown,
): GovbridgeError {
  const what = status === undefined ? 'could not be reached' : `answered HTTP ${status}`;
  return new GovbridgeError('upstream_unavailable', `${upstream.name} ${check} ${what}.`, {
    detail: { ...where(upstream, check, url), ...(status === undefined ? {} : { status }) },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** `check` and `endpoint` name the call; `url` is origin and path only (a query may hold codes or state). */
function where(upstream: Upstream, check: string, url: string): Record<string, string> {
  return { scheme: upstream.scheme, check, endpoint: check, url: safeUrl(url) };
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'invalid-url';
  }
}
