import { GovbridgeError } from '../../../kernel/index.ts';
import type { LoginStep } from '../login-state.ts';
import { requestedLevel } from '../requested-assurance.ts';
import { linkToStart, tagLogin } from '../tracing.ts';
import { registeredClient } from './translate-request.ts';

/**
 * Check the response: the national scheme sent the browser back; is this response one the hub is
 * waiting for, in this browser?
 *
 * Rules it enforces:
 * - it carries a `state` the hub issued for this scheme, unused and unexpired;
 * - the state belongs to the interaction the browser's own cookie names (login CSRF: a response
 *   replayed into another person's login is refused) — checked BEFORE the state is used up, so a
 *   replay from another browser cannot burn the real person's login;
 * - the state is then used up, atomically: a second response with it is refused;
 * - the relying party is still registered.
 */
export const checkResponse: LoginStep = {
  name: 'check response',
  phase: 'response',
  async run(login, deps) {
    const state = login.params?.get('state');
    if (!state) {
      throw new GovbridgeError(
        'bad_request',
        'The sign-in response has no state: start again from the service',
      );
    }
    // Looked up already when the callback was routed (account sign-in or relying party's login).
    const pending = login.pendingUpstream ?? (await deps.upstreamLogins.pending(state, login.scheme));
    if (pending.purpose !== 'interaction' || login.details.uid !== pending.interactionUid) {
      throw new GovbridgeError(
        'bad_request',
        'This sign-in response belongs to a different sign-in. Start again from the service.',
        { detail: { check: 'binding' } },
      );
    }
    const claimed = await deps.upstreamLogins.claim<NonNullable<typeof login.transaction>>(
      state,
      login.scheme,
    );
    tagLogin(login.details.uid, String(login.details.params['client_id']));
    linkToStart(claimed.transaction);
    login.transaction = claimed.transaction;
    login.stateHash = claimed.stateHash;
    login.upstreamStartedAt = claimed.createdAt;
    login.client = await registeredClient(String(login.details.params['client_id']), deps);
    const { required, candidates } = requestedLevel(
      [...deps.levels],
      login.details.params,
      login.client.minAcr,
    );
    login.required = required;
    login.candidates = candidates;
    return 'next';
  },
};
