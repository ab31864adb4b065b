import type { LoginStep } from '../login-state.ts';

/**
 * Check consent: may the release go ahead without asking the citizen?
 *
 * Rules it enforces:
 * - a release goes ahead only when an active consent of this account covers this service, these
 *   attributes and this purpose — otherwise the login stops here for the consent page;
 * - the consent page also tells the citizen what is withheld or unavailable, so it is shown when
 *   something is, even with nothing to share;
 * - the result waiting for the citizen's decision is kept sealed (upstream-logins.ts), for a later
 *   request in any process; a login released at once never writes it.
 */
export const checkConsent: LoginStep = {
  name: 'check consent',
  phase: 'upstream',
  async run(login, deps) {
    const result = login.result!;
    const client = login.client!;
    const covering = await deps.consents.findCovering(
      result.accountId,
      client.clientId,
      result.attributes,
      client.purpose,
    );
    if (covering) {
      login.consentId = covering.consentId;
      return 'next';
    }
    if (
      result.attributes.length === 0 &&
      result.withheld.length === 0 &&
      (result.unavailable ?? []).length === 0
    ) {
      login.consentId = null;
      return 'next';
    }
    await deps.upstreamLogins.keepResult(login.stateHash!, result);
    login.needsConsent = true;
    return 'stop';
  },
};
