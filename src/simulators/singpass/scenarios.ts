import type { Scenario } from './types.ts';

export const scenarios: readonly Scenario[] = [
  'normal',
  'access_denied',
  'temporarily_unavailable',
  'bad_signature',
  'expired_token',
  'wrong_nonce',
  'wrong_audience',
  'lower_assurance',
  'slow',
  'down',
];

export function isScenario(value: string): value is Scenario {
  return (scenarios as readonly string[]).includes(value);
}

/**
 * `login_hint` in the simulator's headless form: `<personaId>` or `<personaId>:<scenario>` (the
 * idea comes from MockPass's per-request persona headers). Anything else is not headless.
 */
export function parseLoginHint(hint: string | undefined): { personaId: string; scenario?: Scenario } | null {
  if (hint === undefined || hint === '') return null;
  const [personaId, scenario, ...rest] = hint.split(':');
  if (personaId === undefined || rest.length > 0) return null;
  if (scenario === undefined) return { personaId };
  return isScenario(scenario) ? { personaId, scenario } : null;
}
