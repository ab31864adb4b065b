import { notePhase } from './error-routes.ts';
import type { LoginDeps, LoginState, LoginStep } from './login-state.ts';
import { checkAssurance } from './steps/check-assurance.ts';
import { checkConsent } from './steps/check-consent.ts';
import { checkResponse } from './steps/check-response.ts';
import { completeUpstream } from './steps/complete-upstream.ts';
import { decideRelease } from './steps/decide-release.ts';
import { finish } from './steps/finish.ts';
import { recordRelease } from './steps/record-release.ts';
import { startUpstream } from './steps/start-upstream.ts';
import { translateLoginRequest } from './steps/translate-request.ts';

/** The login, read as a table: the steps each request runs, in order. */
export const LOGIN_STEPS = {
  /** The person chose a scheme (or the relying party named one): send them there. */
  start: [translateLoginRequest, startUpstream],
  /** The national scheme sent the person back: up to the release, or the consent page. */
  callback: [checkResponse, completeUpstream, checkAssurance, decideRelease, checkConsent],
  /** Nothing stands in the way of the release (covered by consent, or the citizen agreed). */
  release: [recordRelease, finish],
} as const satisfies Record<string, readonly LoginStep[]>;

/** Run the steps in order until one stops the login; true when every step ran. */
export async function runSteps(
  steps: readonly LoginStep[],
  login: LoginState,
  deps: LoginDeps,
): Promise<boolean> {
  for (const step of steps) {
    try {
      if ((await step.run(login, deps)) === 'stop') return false;
    } catch (err) {
      throw notePhase(err, step.phase);
    }
  }
  return true;
}
