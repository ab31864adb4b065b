import { hkdfSync } from 'node:crypto';
import { seal, unseal } from '../../kernel/index.ts';
import type { FieldValue } from '../../notifications/index.ts';
import type { ValueSource } from './report-forms.ts';

/**
 * What the citizen reviewed on "Check before you send", carried to the confirmation in ONE hidden
 * field, sealed (AES-256-GCM) with a key derived from the key-encryption key: the browser can
 * neither read it nor change it. The sealing context binds it to the account, the journey and the
 * one-time submission key, so it cannot be replayed by another account, on another journey, or with
 * another key. It expires (default 30 minutes, like the account sign-in).
 *
 * The confirmation re-validates it anyway and compares it with what would be sent now.
 */
export interface Review {
  readonly journeyId: string;
  readonly eventType: string;
  readonly occurredOn: string;
  readonly fields: Readonly<Record<string, FieldValue>>;
  readonly sources: Readonly<Record<string, ValueSource>>;
  /** Agency id → the fields it was shown to receive, as reviewed. */
  readonly plan: Readonly<Record<string, readonly string[]>>;
  /** Epoch milliseconds after which it is not accepted. */
  readonly exp: number;
}

export const REVIEW_TTL_MS = 30 * 60_000;

export function reviewKey(kek: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', kek, new Uint8Array(0), 'govbridge tell-once review v1', 32));
}

function context(accountId: string, journeyId: string, submissionKey: string): string {
  return `tell-review:v1:${accountId}:${journeyId}:${submissionKey}`;
}

export function sealReview(
  key: Uint8Array,
  accountId: string,
  submissionKey: string,
  review: Review,
): string {
  return seal(key, JSON.stringify(review), context(accountId, review.journeyId, submissionKey));
}

/** The review, or undefined when it was not sealed for this account, journey and key (or is garbled). */
export function openReview(
  key: Uint8Array,
  accountId: string,
  journeyId: string,
  submissionKey: string,
  token: string,
): Review | undefined {
  if (!token || token.length > 60_000) return undefined;
  try {
    const review = JSON.parse(unseal(key, token, context(accountId, journeyId, submissionKey))) as Review;
    return review.journeyId === journeyId ? review : undefined;
  } catch {
    return undefined;
  }
}
