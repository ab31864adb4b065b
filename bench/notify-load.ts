import { setTimeout as sleep } from 'node:timers/promises';

/** What `npm run bench:notify` and its hub processes share: the clock, the report and the pacing. */

/**
 * Wall-clock milliseconds, comparable between processes: every process reads the same system clock
 * at the moment. (Not `performance.timeOrigin + performance.now()`: that is the wall clock at the
 * process's start plus a monotonic clock, and on this VM the two drift apart by tens of ms over a few
 * minutes, so processes started at different times disagree.)
 */
export const now = (): number => Date.now();

export const MOVE_FIELDS = {
  name: 'TAN AH KOW',
  birthdate: '1985-04-12',
  nationalities: ['SG'],
  date_of_move: '2026-12-01',
  from_country: 'SG',
  to_country: 'GB',
  previous_address: '10 Anson Road, #20-01, Singapore 079903',
  new_address: '1 Horse Guards Road, London SW1A 2HQ',
  email: 'tan@example.sg',
};

/** When a report was handed to the writer, and when the writer had it back as accepted (ms). */
export type Times = [submitted: number, accepted: number];

/**
 * Write `count` reports at `perSecond` (open loop: report i is due at i / perSecond), each by
 * `write(i)`, which resolves with the report's key once it is accepted; at most `inFlight` at once
 * (a writer that cannot keep up falls behind, and the rate it reached is reported). Returns when
 * each report was submitted and accepted, by key.
 */
export async function writeSteadily(
  count: number,
  perSecond: number,
  inFlight: number,
  write: (i: number) => Promise<string>,
): Promise<{ accepted: Map<string, Times>; seconds: number }> {
  const accepted = new Map<string, Times>();
  const t0 = now();
  let started = 0;
  let outstanding = 0;
  let failure: unknown;
  const pending = new Set<Promise<void>>();
  while (started < count) {
    if (failure) throw failure;
    const due = Math.min(count, Math.floor(((now() - t0) / 1000) * perSecond) + 1);
    while (started < due && outstanding < inFlight) {
      const i = started++;
      outstanding++;
      const submitted = now();
      const tracked: Promise<void> = write(i)
        .then(
          (key) => {
            accepted.set(key, [submitted, now()]);
          },
          (err: unknown) => {
            failure = err;
          },
        )
        .finally(() => {
          outstanding--;
          pending.delete(tracked);
        });
      pending.add(tracked);
    }
    await sleep(1);
  }
  await Promise.all(pending);
  if (failure) throw failure;
  return { accepted, seconds: (now() - t0) / 1000 };
}
