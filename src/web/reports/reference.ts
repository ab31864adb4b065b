import { createHash } from 'node:crypto';

/**
 * A report's reference as a person reads it out on the phone or types it: 8 characters from an
 * alphabet without the letters and digits people confuse when reading or hearing them (no 0/O/Q,
 * 1/I/L, 2/Z, 5/S, 8/B, U/V), derived from the report's id, so the same report always shows the
 * same reference and nothing has to be kept in step with it.
 *
 * 22 symbols, 8 characters: about 5.5 × 10¹⁰ references, so two of n reports share one with
 * probability about n² / 1.1 × 10¹¹ (one in 11 for 100,000 reports): whoever looks a report up by
 * its reference also checks the person's name or the event's date; the report id stays the key.
 */
export const REFERENCE_ALPHABET = 'ACDEFGHJKMNPRTWXY34679';

export function readableReference(reportId: string): string {
  let out = '';
  // Each symbol equally likely: bytes at or above the largest multiple of 22 are skipped (rejection
  // sampling); another round of the hash if ever 32 bytes were not enough.
  const limit = 256 - (256 % REFERENCE_ALPHABET.length);
  for (let round = 0; out.length < 8; round++) {
    const digest = createHash('sha256').update(`govbridge report reference v1:${round}:${reportId}`).digest();
    for (const byte of digest) {
      if (out.length === 8) break;
      if (byte < limit) out += REFERENCE_ALPHABET[byte % REFERENCE_ALPHABET.length];
    }
  }
  return out;
}
