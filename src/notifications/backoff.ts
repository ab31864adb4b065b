/**
 * Retry timing. Exponential backoff with "equal jitter": the n-th retry waits between half and all of
 * min(max, base·2^(n-1)), so retries of many notifications to one agency that came back at once do
 * not all arrive at the same moment again, and no retry comes sooner than half its step.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export function retryDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds from `now`,
 * or undefined when absent or unreadable. Capped by the caller.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export type Outcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status: number | null; error: string; retryAfterMs?: number }
  | { kind: 'dead'; status: number | null; error: string };

/**
 * What an answer means for the notification. 2xx: delivered (a receiver answers 2xx for a duplicate
 * too). 408, 429 and 5xx: try again later (429 and 503 honour Retry-After). Any other 4xx means the
 * request itself is refused — retrying blindly would not help — and a redirect is not followed (the
 * endpoint is registered, not discovered): both go to the dead letters for an operator.
 */
export function classifyResponse(status: number, retryAfter: string | null, now: number): Outcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 408 || status === 429 || status >= 500) {
    const ms = status === 429 || status === 503 ? parseRetryAfter(retryAfter, now) : undefined;
    return {
      kind: 'retry',
      status,
      error: `HTTP ${status}`,
      ...(ms !== undefined ? { retryAfterMs: ms } : {}),
    };
  }
  if (status >= 300 && status < 400) {
    return {
      kind: 'dead',
      status,
      error: `HTTP ${status}: redirect not followed; check the registered endpoint`,
    };
  }
  return { kind: 'dead', status, error: `HTTP ${status}: refused by the agency` };
}
