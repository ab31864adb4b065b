import type { GovbridgeError } from '../../kernel/index.ts';
import { invalidResponse as invalid } from '../http/index.ts';

const SINGPASS = { scheme: 'singpass', name: 'Singpass' } as const;

/**
 * Failures of a Singpass exchange. Messages say what to look at and never carry tokens, keys or
 * personal data; `detail.check` names the failed check (types.ts of connectors/).
 */
export function invalidResponse(
  check: string,
  message: string,
  extra: Record<string, unknown> = {},
): GovbridgeError {
  return invalid(SINGPASS, check, message, extra);
}

/** Only a short OAuth error code taken from a response may be echoed (RFC 6749 §5.2 charset). */
export function safeErrorCode(value: unknown): string | undefined {
  return typeof value === 'string' && /^[a-z_]{1,64}$/.test(value) ? value : undefined;
}
