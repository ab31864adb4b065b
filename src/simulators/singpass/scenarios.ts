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
  'enc_a256gcm',
  'float_times',
  'no_expires_in',
  'no_iss',
  'mockpass_fapi',
];

/**
 * What a scenario changes in an otherwise normal login. The tolerance scenarios reproduce what the
 * real service and its reference mock are known to send; `mockpass_fapi` plays everything MockPass's
 * FAPI mode (`/singpass/v3/fapi`, 4.6.x) does per login at once.
 */
export interface ScenarioEffects {
  /** JWE `enc` of this login's ID token and userinfo, whatever discovery lists. */
  readonly contentEncryption?: 'A256GCM' | undefined;
  /** `iat`, `exp` and `auth_time` with fractions of a second (RFC 7519 NumericDate allows them). */
  readonly fractionalTimes: boolean;
  /** The token response leaves out `expires_in` (RECOMMENDED only, RFC 6749 §5.1). */
  readonly withoutExpiresIn: boolean;
  /** The callback leaves out `iss`, whatever discovery announces. */
  readonly withoutIss: boolean;
  /** The login reaches loa:1 with `amr: ["pwd"]`, whatever was asked. */
  readonly loa1Only: boolean;
}

export function effectsOf(scenario: Scenario): ScenarioEffects {
  const mockpass = scenario === 'mockpass_fapi';
  return {
    contentEncryption: mockpass || scenario === 'enc_a256gcm' ? 'A256GCM' : undefined,
    fractionalTimes: mockpass || scenario === 'float_times',
    withoutExpiresIn: mockpass || scenario === 'no_expires_in',
    withoutIss: mockpass || scenario === 'no_iss',
    loa1Only: mockpass,
  };
}

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
