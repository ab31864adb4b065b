import { GovbridgeError } from '../../../kernel/index.ts';
import { evaluateAssertion } from '../../../trust/index.ts';
import type { LoginStep } from '../login-state.ts';
import { resultingAcr } from '../requested-assurance.ts';

/**
 * Check assurance: did the national login reach the level the relying party needs?
 *
 * Rules it enforces:
 * - success only when the level achieved — identity and authentication, each through the trust
 *   framework's mapping of the scheme's own vocabulary — is at least the level required; never
 *   mapped up (`unmet_authentication_requirements`, with the dimension that fell short as the check);
 * - the `acr` released is the highest level asked for that the login satisfies (acr_values order).
 */
export const checkAssurance: LoginStep = {
  name: 'check assurance',
  phase: 'upstream',
  async run(login, deps) {
    const assertion = login.assertion!;
    const required = login.required!;
    const evaluation = evaluateAssertion(deps.trust, assertion, required);
    if (!evaluation.satisfied) {
      throw new GovbridgeError(
        'unmet_authentication_requirements',
        `The ${login.scheme} login reached ${evaluation.acr ?? 'no hub level'} (identity ${evaluation.achieved.identity}, authentication ${evaluation.achieved.authentication}), below the required ${required}${evaluation.reason ? `: ${evaluation.reason}` : ''}`,
        // The check names the dimension(s) that fell short: assurance_identity, assurance_authentication.
        { detail: { check: `assurance_${evaluation.shortOf.join('_and_') || 'level'}` } },
      );
    }
    login.acr =
      resultingAcr(
        [...deps.levels],
        [...(login.candidates ?? [])],
        (l) => evaluateAssertion(deps.trust, assertion, l).satisfied,
      ) ?? evaluation.acr;
    login.amr = evaluation.amr;
    return 'next';
  },
};
