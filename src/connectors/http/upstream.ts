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
