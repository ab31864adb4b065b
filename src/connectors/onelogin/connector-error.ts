import type { GovbridgeError } from '../../kernel/index.ts';
import { invalidResponse as invalid } from '../http/index.ts';

const ONELOGIN = { scheme: 'onelogin', name: 'GOV.UK One Login' } as const;

/**
 * Errors raised by the One Login connector. Messages say what failed and what a developer can
 * check; they never carry tokens, keys, names or dates of birth. `detail.check` names the check.
 */
export function invalidResponse(
  check: string,
  message: string,
  extra: Record<string, unknown> = {},
): GovbridgeError {
  return invalid(ONELOGIN, check, message, extra);
}
