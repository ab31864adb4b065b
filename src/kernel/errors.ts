/**
 * The one error base of govbridge.
 *
 * Every error the hub raises on purpose carries a stable `code` (a machine reason that tests and
 * the error→response mapping switch on), an HTTP `status`, and `expose`: whether its message may be
 * shown to the caller. Anything not exposed is reported to the caller as a generic server error;
 * internal detail travels in `cause` and reaches only the logs (after redaction), never a client.
 * Modelled on oidc-provider's OIDCProviderError (`expose = status < 500`).
 */
export type ErrorCode =
  | 'config_invalid'
  | 'trust_framework_invalid'
  | 'catalogue_invalid'
  | 'environments_invalid'
  | 'policy_invalid'
  | 'environment_unknown'
  | 'rule_invalid'
  | 'rule_failed'
  | 'not_found'
  | 'bad_request'
  | 'payload_too_large'
  | 'rate_limited'
  | 'conflict'
  | 'forbidden'
  | 'unauthorized'
  | 'invalid_request'
  | 'invalid_client'
  | 'access_denied'
  | 'login_required'
  | 'consent_required'
  | 'unmet_authentication_requirements'
  | 'temporarily_unavailable'
  | 'upstream_invalid_response'
  | 'upstream_timeout'
  | 'upstream_unavailable'
  | 'csrf_invalid'
  | 'storage_error'
  /** The database cannot be reached or cannot write (restart, outage, full disk): 503, try again. */
  | 'database_unavailable'
  | 'key_error'
  | 'server_error';

export interface GovbridgeErrorOptions {
  status?: number;
  expose?: boolean;
  cause?: unknown;
  /** Structured, non-personal detail safe to log (never tokens, keys or personal data). */
  detail?: Record<string, unknown>;
}

export class GovbridgeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: GovbridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GovbridgeError';
    this.code = code;
    this.status = options.status ?? defaultStatus(code);
    this.expose = options.expose ?? this.status < 500;
    this.detail = options.detail;
  }
}

function defaultStatus(code: ErrorCode): number {
  switch (code) {
    case 'not_found':
      return 404;
    case 'payload_too_large':
      return 413;
    case 'rate_limited':
      return 429;
    case 'conflict':
      return 409;
    case 'forbidden':
    case 'csrf_invalid':
      return 403;
    case 'unauthorized':
    case 'invalid_client':
      return 401;
    case 'bad_request':
    case 'invalid_request':
    case 'access_denied':
    case 'login_required':
    case 'consent_required':
    case 'unmet_authentication_requirements':
      return 400;
    case 'temporarily_unavailable':
    case 'upstream_unavailable':
    case 'database_unavailable':
      return 503;
    case 'upstream_timeout':
      return 504;
    case 'upstream_invalid_response':
      return 502;
    default:
      return 500;
  }
}

export function isGovbridgeError(err: unknown): err is GovbridgeError {
  return err instanceof GovbridgeError;
}

/** What a caller may be told about any thrown value: exposed errors keep their message. */
export function publicView(err: unknown): { code: ErrorCode; status: number; message: string } {
  if (isGovbridgeError(err) && err.expose) {
    return { code: err.code, status: err.status, message: err.message };
  }
  return { code: 'server_error', status: 500, message: 'Something went wrong on our side.' };
}
