import { randomId } from '../../kernel/index.ts';
import type { SimulatorContext } from './create-simulator-context.ts';
import { authenticate, type Loa, type Persona } from './personas.ts';
import { effectsOf } from './scenarios.ts';
import type { PendingAuthorization, Scenario } from './types.ts';

/**
 * Ends the person's part of a login: the redirect back to the client with a code, or with an error
 * (OIDC Core §3.1.2.5 and §3.1.2.6). Under FAPI the response carries `iss` (RFC 9207), as Singpass
 * advertises `authorization_response_iss_parameter_supported` — unless the simulator is set not to
 * (`issParameter: false`) or the scenario leaves it out (`no_iss`, `mockpass_fapi`).
 */
export function completeLogin(
  ctx: SimulatorContext,
  pending: PendingAuthorization,
  persona: Persona,
  scenario: Scenario,
): string {
  const url = new URL(pending.redirectUri);
  const set = (name: string, value: string): void => url.searchParams.set(name, value);
  if (scenario === 'access_denied' || scenario === 'temporarily_unavailable') {
    set('error', scenario);
    set(
      'error_description',
      scenario === 'access_denied' ? 'The user cancelled the login.' : 'Singpass is temporarily unavailable.',
    );
  } else {
    const wanted = requestedLoa(pending.acrValues);
    // `lower_assurance`: the login succeeds one level below what was asked (never below 1).
    const target = scenario === 'lower_assurance' ? (Math.max(1, wanted - 1) as Loa) : wanted;
    const { loa, amr } = effectsOf(scenario).loa1Only
      ? { loa: 1, amr: ['pwd'] }
      : authenticate(persona, target);
    const code = randomId(32);
    ctx.codes.set(
      code,
      {
        pending,
        personaId: persona.id,
        scenario,
        acr: `urn:singpass:authentication:loa:${loa}`,
        amr,
        authTime: ctx.clock.epochSeconds(),
      },
      ctx.codeTtlSeconds,
    );
    set('code', code);
  }
  set('state', pending.state);
  if (pending.profile === 'fapi' && ctx.issParameter && !effectsOf(scenario).withoutIss)
    set('iss', ctx.issuer('fapi'));
  return url.toString();
}

/** The first `acr_values` entry is the preferred one (OIDC Core §3.1.2.1); loa:2 when none is asked. */
function requestedLoa(acrValues: readonly string[]): Loa {
  const first = acrValues[0];
  if (first === undefined) return 2;
  return Number(first.slice(-1)) as Loa;
}
