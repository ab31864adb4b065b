import type { LoginStep } from '../login-state.ts';
import { inLoginTrace, tagLogin } from '../tracing.ts';
import { connectorOf } from './start-upstream.ts';

/**
 * Complete upstream: the scheme's connector redeems the code and verifies everything the scheme
 * sent (signatures against its published keys, issuer, audience, nonce, PKCE, DPoP, expiry; One
 * Login's identity credential) — the connector's own rules, src/connectors/*.
 *
 * Rules it enforces here:
 * - nothing the scheme asserted is used unless its connector verified it;
 * - each call is measured (upstream seconds, completed or refused) and traced as `login.upstream`
 *   in the login's trace.
 */
export const completeUpstream: LoginStep = {
  name: 'complete upstream',
  phase: 'upstream',
  async run(login, deps) {
    const { scheme } = login;
    const seconds = () => (deps.clock.now().getTime() - (login.upstreamStartedAt ?? 0)) / 1000;
    try {
      login.assertion = await inLoginTrace(login.transaction, 'login.upstream', scheme, () => {
        tagLogin(login.details.uid, login.client!.clientId);
        return connectorOf(deps, scheme).complete(login.params!, login.transaction!);
      });
    } catch (err) {
      deps.observer?.upstream(scheme, 'refused', seconds());
      throw err;
    }
    deps.observer?.upstream(scheme, 'completed', seconds());
    return 'next';
  },
};
