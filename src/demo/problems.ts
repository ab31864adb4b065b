import {
  AuthorizationResponseError,
  ClientError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'openid-client';

/**
 * Everything that can stop a demo sign-in, each with the status the page is sent with and the
 * words shown to the citizen. Errors the hub sends back (RFC 6749 §4.1.2.1, OpenID Connect Core
 * §3.1.2.6) get their own page; anything the browser or the person can cause is a 4xx; only the
 * hub failing is a 5xx. No page ever shows an exception message or a stack trace.
 */
export type ProblemCode =
  | 'access_denied'
  | 'unmet_authentication_requirements'
  | 'login_required'
  | 'temporarily_unavailable'
  | 'hub_error'
  | 'session_missing'
  | 'response_invalid'
  | 'hub_unavailable'
  | 'csrf_invalid'
  | 'bad_request'
  | 'server_error';

export interface Problem {
  readonly status: number;
  readonly title: string;
  readonly paragraphs: readonly string[];
}

/** `scheme` is the national scheme's name, e.g. "Singpass". */
export function describeProblem(code: ProblemCode, scheme: string): Problem {
  switch (code) {
    case 'access_denied':
      return {
        status: 400,
        title: 'You have not signed in',
        paragraphs: [
          `You cancelled signing in with ${scheme}, or you chose not to share your details with this service.`,
          'We have not received any of your details.',
        ],
      };
    case 'unmet_authentication_requirements':
      return {
        status: 400,
        title: 'We could not confirm your identity well enough',
        paragraphs: [
          `This service needs your identity to be confirmed to a substantial level. Your ${scheme} sign-in did not meet that level.`,
          `You may need to sign in with ${scheme} using a second factor or the app.`,
        ],
      };
    case 'login_required':
      return {
        status: 400,
        title: 'You need to sign in again',
        paragraphs: [`Your ${scheme} sign-in has ended. Sign in again to continue.`],
      };
    case 'temporarily_unavailable':
      return {
        status: 503,
        title: 'Sorry, signing in is not available at the moment',
        paragraphs: [
          `${scheme} or the govbridge hub is busy or being updated.`,
          'Try again in a few minutes.',
        ],
      };
    case 'hub_error':
      return {
        status: 400,
        title: 'Sorry, there was a problem signing you in',
        paragraphs: [
          'The govbridge hub could not complete your sign-in.',
          'We have not received any of your details.',
        ],
      };
    case 'session_missing':
      return {
        status: 400,
        title: 'Your session has ended',
        paragraphs: [
          'You took too long to sign in, or you opened this page in a different browser or tab.',
          'We have not received any of your details. Start again.',
        ],
      };
    case 'response_invalid':
      return {
        status: 400,
        title: 'Sorry, we could not complete your sign-in',
        paragraphs: [
          'The reply from the govbridge hub did not match the sign-in you started, so we did not accept it.',
          'We have not received any of your details. Start again.',
        ],
      };
    case 'hub_unavailable':
      return {
        status: 503,
        title: 'Sorry, signing in is not available at the moment',
        paragraphs: ['We could not reach the govbridge hub.', 'Try again in a few minutes.'],
      };
    case 'csrf_invalid':
      return {
        status: 403,
        title: 'Sorry, we could not sign you out',
        paragraphs: ['The page you used was out of date. Go back to your details and try again.'],
      };
    case 'bad_request':
      return {
        status: 400,
        title: 'Sorry, there is a problem with that request',
        paragraphs: ['The page sent something this service did not expect. Start again.'],
      };
    case 'server_error':
      return {
        status: 500,
        title: 'Sorry, there is a problem with the service',
        paragraphs: ['Try again later.'],
      };
  }
}

/** The page for an `error` code the hub sent to the callback; unknown codes get the general page. */
export function problemFromHubError(error: string): ProblemCode {
  switch (error) {
    case 'access_denied':
    case 'consent_required':
      return 'access_denied';
    case 'unmet_authentication_requirements':
      return 'unmet_authentication_requirements';
    case 'login_required':
    case 'interaction_required':
      return 'login_required';
    case 'temporarily_unavailable':
      return 'temporarily_unavailable';
    default:
      return 'hub_error';
  }
}

/**
 * What went wrong talking to the hub, from an openid-client error, in the step it happened.
 *
 * Starting sign-in (discovery, PAR): the person has done nothing yet, so any failure is the hub
 * being unreachable or misconfigured — "not available", unless the hub said `temporarily_unavailable`.
 *
 * Callback (authorization response, token, userinfo):
 * - an authorization error response (after `iss` and `state` were checked): the hub's own code;
 * - an OAuth error body: `invalid_grant` is a code already used or expired (e.g. the callback page
 *   reloaded), the person's side; 5xx is the hub failing; anything else the hub refusing;
 * - a response that failed a check (state, iss, nonce, signature, …): the response is refused;
 * - no answer at all (network failure or timeout): unavailable.
 *
 * `undefined` for anything else: a programming error, left to the general error handler.
 */
export function problemFromClientError(err: unknown, step: 'sign-in' | 'callback'): ProblemCode | undefined {
  const known =
    err instanceof AuthorizationResponseError ||
    err instanceof ResponseBodyError ||
    err instanceof WWWAuthenticateChallengeError ||
    err instanceof ClientError ||
    isNetworkFailure(err);
  if (!known) return undefined;
  if (err instanceof ResponseBodyError && err.error === 'temporarily_unavailable')
    return 'temporarily_unavailable';
  if (step === 'sign-in') return 'hub_unavailable';
  if (err instanceof AuthorizationResponseError) return problemFromHubError(err.error);
  if (err instanceof ResponseBodyError) {
    if (err.status >= 500) return 'hub_unavailable';
    return err.error === 'invalid_grant' ? 'response_invalid' : 'hub_error';
  }
  if (err instanceof WWWAuthenticateChallengeError) return 'hub_error';
  if (err instanceof ClientError) {
    return err.code !== undefined && HUB_FAILURE_CODES.has(err.code) ? 'hub_unavailable' : 'response_invalid';
  }
  return 'hub_unavailable';
}

/** openid-client codes for a hub answering with something that is not a protocol response at all. */
const HUB_FAILURE_CODES = new Set([
  'OAUTH_RESPONSE_IS_NOT_CONFORM',
  'OAUTH_RESPONSE_IS_NOT_JSON',
  'OAUTH_MISSING_SERVER_METADATA',
  'OAUTH_INVALID_SERVER_METADATA',
  'OAUTH_HTTP_REQUEST_FORBIDDEN',
]);

function isNetworkFailure(err: unknown): boolean {
  if (err instanceof DOMException) return err.name === 'TimeoutError' || err.name === 'AbortError';
  // undici's fetch rejects with `TypeError: fetch failed` (cause: the socket error).
  return err instanceof TypeError && err.message === 'fetch failed';
}

/** The machine-readable part of a hub error, safe to log (no tokens, no personal data). */
export function logFields(err: unknown): Record<string, string | number> {
  const fields: Record<string, string | number> = {};
  if (err instanceof Error) fields['errorName'] = err.name;
  if (err instanceof ClientError && err.code !== undefined) fields['errorCode'] = err.code;
  if (err instanceof AuthorizationResponseError || err instanceof ResponseBodyError) {
    fields['oauthError'] = err.error;
  }
  if (err instanceof ResponseBodyError || err instanceof WWWAuthenticateChallengeError) {
    fields['httpStatus'] = err.status;
  }
  return fields;
}
