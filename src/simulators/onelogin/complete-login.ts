import { randomId } from '../../kernel/index.ts';
import { errorRedirect } from './authorize-error.ts';
import type { IssuedCode, SimulatorContext } from './context.ts';
import { confidenceRank, isIdentity } from './parse-vtr.ts';
import type { AuthRequest, Persona, Scenario, VectorOfTrust } from './types.ts';
import { RETURN_CODE_CLAIM } from './validate-auth-request.ts';

/** Authorization codes are single-use and short-lived (RFC 6749 §4.1.2 recommends ≤ 10 minutes). */
const CODE_TTL_SECONDS = 300;

/**
 * Finishes a login for a persona and returns where to send the browser: the redirect URI with
 * `code` and `state`, or with an `error`.
 *
 * - Scenarios `access_denied` / `temporarily_unavailable` answer with that error.
 * - With identity asked (P1/P2 in `vtr`), the highest requested vector the persona can reach is
 *   chosen. If none can be reached (or scenario `lower_assurance`), the docs' behaviour applies:
 *   `access_denied`, or, when `returnCode` was asked for, a code whose userinfo carries return
 *   codes and no identity ("Understand your user's return code claim").
 */
export function completeLogin(
  ctx: SimulatorContext,
  request: AuthRequest,
  persona: Persona,
  scenario: Scenario,
): string {
  const { redirectUri, state } = request;
  if (scenario === 'access_denied') {
    return errorRedirect(
      redirectUri,
      'access_denied',
      'Access denied by resource owner or authorization server',
      state,
    );
  }
  if (scenario === 'temporarily_unavailable') {
    return errorRedirect(
      redirectUri,
      'temporarily_unavailable',
      'The service is temporarily unavailable',
      state,
    );
  }

  const wantsIdentity = request.vtr.some((v) => isIdentity(v.levelOfConfidence));
  let chosen: VectorOfTrust = request.vtr[0] ?? { credentialTrust: 'Cl.Cm', levelOfConfidence: null };
  let identityFailed = false;
  if (wantsIdentity) {
    const reachable = [...request.vtr]
      .sort((a, b) => confidenceRank(b.levelOfConfidence) - confidenceRank(a.levelOfConfidence))
      .find(
        (v) =>
          scenario !== 'lower_assurance' &&
          confidenceRank(persona.maxConfidence) >= confidenceRank(v.levelOfConfidence),
      );
    if (reachable) {
      chosen = reachable;
    } else if (request.claims.includes(RETURN_CODE_CLAIM)) {
      identityFailed = true;
    } else {
      return errorRedirect(
        redirectUri,
        'access_denied',
        'Identity could not be proven to the requested level',
        state,
      );
    }
  }

  const code = randomId();
  const issued: IssuedCode = {
    request,
    personaId: persona.id,
    scenario,
    vot: chosen.credentialTrust,
    identity: wantsIdentity && !identityFailed ? chosen.levelOfConfidence : null,
    identityFailed,
    authTime: ctx.clock.epochSeconds(),
    sid: randomId(16),
    used: false,
  };
  ctx.codes.set(code, issued, CODE_TTL_SECONDS);
  const url = new URL(redirectUri);
  url.searchParams.set('code', code);
  url.searchParams.set('state', state);
  return url.toString();
}
