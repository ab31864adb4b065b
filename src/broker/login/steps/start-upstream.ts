import type { SchemeConnector } from '../../../connectors/index.ts';
import { GovbridgeError, isGovbridgeError } from '../../../kernel/index.ts';
import type { SchemeId } from '../../../trust/index.ts';
import { isUpstreamRefusal } from '../error-routes.ts';
import type { LoginDeps, LoginStep } from '../login-state.ts';
import { withStartTrace } from '../tracing.ts';

/** Retries after an outage, or a change of scheme, fit well inside this. */
export const MAX_UPSTREAM_STARTS_PER_INTERACTION = 5;

/**
 * Start upstream: send the person to the national scheme.
 *
 * Rules it enforces:
 * - at most MAX_UPSTREAM_STARTS_PER_INTERACTION starts per interaction, counted in the database
 *   (any process): one open login page cannot make the hub hammer Singpass or One Login under its
 *   client id (`rate_limited`);
 * - the upstream `state` is stored (hashed) bound to this interaction and scheme, for one use within
 *   ten minutes (upstream-logins.ts);
 * - `prompt=login` or `max_age` forces a fresh login upstream;
 * - a scheme refusing a request that carried the relying party's `login_hint` / `ui_locales` with
 *   `invalid_request` is the relying party's `invalid_request`; any other refusal of the hub's
 *   request is the hub's fault (`server_error`), never an outage.
 */
export const startUpstream: LoginStep = {
  name: 'start upstream',
  phase: 'start',
  async run(login, deps) {
    const { details, scheme } = login;
    if ((await deps.upstreamLogins.startsFor(details.uid)) >= MAX_UPSTREAM_STARTS_PER_INTERACTION) {
      throw new GovbridgeError(
        'rate_limited',
        'You have tried to sign in too many times. Go back to the service and start again.',
      );
    }
    const prompt = typeof details.params['prompt'] === 'string' ? details.params['prompt'].split(' ') : [];
    let begun: Awaited<ReturnType<SchemeConnector['begin']>>;
    try {
      begun = await connectorOf(deps, scheme).begin({
        request: login.upstreamRequest!,
        redirectUri: deps.callbackUrl(scheme),
        loginHint: login.loginHint,
        uiLocales: login.uiLocales,
        forceLogin: prompt.includes('login') || details.params['max_age'] !== undefined,
      });
    } catch (err) {
      const forwarded = login.loginHint !== undefined || login.uiLocales !== undefined;
      throw refusalOfOurRequest(err, scheme, forwarded) ?? err;
    }
    await deps.upstreamLogins.save(
      begun.transaction.state,
      scheme,
      'interaction',
      details.uid,
      withStartTrace(begun.transaction),
    );
    deps.observer?.started(scheme, login.client!.clientId);
    login.url = begun.authorizationUrl;
    return 'next';
  },
};

export function connectorOf(deps: LoginDeps, scheme: SchemeId): SchemeConnector {
  const c = deps.connectors.get(scheme);
  if (!c) throw new GovbridgeError('not_found', `This hub does not offer ${scheme}`);
  return c;
}

/**
 * A scheme's refusal of the hub's request, as the relying party should hear it: when it refused with
 * `invalid_request` and the request carried a parameter the relying party chose (`login_hint`,
 * `ui_locales`), that is the likely cause — `invalid_request`; otherwise the hub's own request or
 * registration is at fault — `server_error` (toOidcError), never an outage.
 */
function refusalOfOurRequest(err: unknown, scheme: SchemeId, forwarded: boolean): GovbridgeError | undefined {
  if (!isUpstreamRefusal(err) || !isGovbridgeError(err)) return undefined;
  const upstreamError = typeof err.detail?.['error'] === 'string' ? err.detail['error'] : undefined;
  if (forwarded && upstreamError === 'invalid_request') {
    return new GovbridgeError(
      'invalid_request',
      `${scheme} refused the sign-in request (invalid_request): check the login_hint and ui_locales you sent`,
      { cause: err, detail: err.detail },
    );
  }
  return err;
}
