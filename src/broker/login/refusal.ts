import { isGovbridgeError, redactUpstreamText } from '../../kernel/index.ts';
import type { SchemeId } from '../../trust/index.ts';

/**
 * One log line per refused or failed login, for operators: what failed (a stable code and the
 * check), where (scheme, relying party), and what the national scheme said (its OAuth error code,
 * HTTP status and — redacted — its error text). Never personal data, tokens or the person's input.
 *
 * Codes are the hub's error codes (`kernel/errors.ts`): `unmet_authentication_requirements`,
 * `access_denied`, `upstream_invalid_response`, `upstream_unavailable`, `upstream_timeout`,
 * `invalid_request`, `bad_request`, `rate_limited`, `server_error`, … `check` names the failed check
 * (`detail.check` of the error, e.g. `acr`, `state`, `binding`, `par`, `authorization_error`,
 * `vot`), or what decided the refusal when the error carries none.
 */
export interface LoginRefusal {
  readonly code: string;
  readonly check: string;
  readonly scheme: SchemeId | undefined;
  readonly clientId: string | undefined;
  /** The OIDC error the relying party was sent, when its request was ended. */
  readonly oidcError: string | undefined;
  readonly upstreamError: string | undefined;
  readonly upstreamStatus: number | undefined;
  readonly upstreamDescription: string | undefined;
  /** Our own sentence (GovbridgeError messages never carry personal data or tokens). */
  readonly reason: string;
}

export interface RefusalLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

/**
 * What the login pipeline reports for metrics (the composition root fills it from
 * `observability/`; the broker never imports a metrics library). Labels are identifiers only.
 */
export interface LoginObserver {
  /** The person was sent to the national scheme for a relying party. */
  started(scheme: SchemeId, clientId: string): void;
  /** The relying party's login ended in a release; `seconds` since its authorization request. */
  completed(scheme: SchemeId, clientId: string, acr: string, seconds: number | undefined): void;
  refused(scheme: SchemeId | undefined, clientId: string | undefined, code: string, check: string): void;
  /** The national leg, from sending the person to the scheme to its answer being verified (or not). */
  upstream(scheme: SchemeId, outcome: 'completed' | 'refused', seconds: number): void;
  /** The citizen declined on the consent page. */
  declined(clientId: string): void;
}

const DEFAULT_CHECK: Record<string, string> = {
  unmet_authentication_requirements: 'assurance',
  access_denied: 'access_denied',
  upstream_unavailable: 'upstream_availability',
  upstream_timeout: 'upstream_timeout',
  temporarily_unavailable: 'upstream_availability',
  rate_limited: 'upstream_starts_per_interaction',
  invalid_client: 'client',
};

export function describeRefusal(
  err: unknown,
  context: { scheme?: SchemeId | undefined; clientId?: string | undefined; oidcError?: string | undefined },
): LoginRefusal {
  const chain = causes(err);
  const first = chain[0];
  const code = isGovbridgeError(first) ? first.code : 'server_error';
  // The most specific detail anywhere in the cause chain (a wrapped connector error keeps its own).
  const detail = Object.assign(
    {},
    ...chain.map((e) => (isGovbridgeError(e) ? (e.detail ?? {}) : {})).reverse(),
  );
  const scheme =
    context.scheme ??
    (detail.scheme === 'singpass' || detail.scheme === 'onelogin' ? detail.scheme : undefined);
  return {
    code,
    check: typeof detail.check === 'string' ? detail.check : (DEFAULT_CHECK[code] ?? code),
    scheme,
    clientId: context.clientId,
    oidcError: context.oidcError,
    upstreamError: typeof detail.error === 'string' ? detail.error : undefined,
    upstreamStatus: typeof detail.status === 'number' ? detail.status : undefined,
    // Connectors keep an upstream's own error text already redacted; redact again in case one does not.
    upstreamDescription: redactUpstreamText(detail.description),
    reason: isGovbridgeError(first)
      ? first.message
      : `unexpected ${first instanceof Error ? first.name : typeof first}`,
  };
}

export function logRefusal(logger: RefusalLogger | undefined, r: LoginRefusal): void {
  if (!logger) return;
  const line: Record<string, unknown> = { event: 'login_refused', errorCode: r.code, check: r.check };
  if (r.scheme) line['scheme'] = r.scheme;
  if (r.clientId) line['clientId'] = r.clientId;
  if (r.oidcError) line['oidcError'] = r.oidcError;
  if (r.upstreamError) line['upstreamError'] = r.upstreamError;
  if (r.upstreamStatus !== undefined) line['upstreamStatus'] = r.upstreamStatus;
  if (r.upstreamDescription) line['upstreamDescription'] = r.upstreamDescription;
  logger.warn(line, `login refused: ${r.reason}`);
}

function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  let e: unknown = err;
  while (e !== undefined && out.length < 5) {
    out.push(e);
    e = e instanceof Error ? e.cause : undefined;
  }
  return out;
}
