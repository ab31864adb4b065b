import { setTimeout as sleep } from 'node:timers/promises';

/** What `npm run bench:notify` and its hub processes share: the clock, the report and the pacing. */

/**
 * The one clock of the benchmark, in milliseconds: the kernel's monotonic clock (CLOCK_MONOTONIC,
 * `process.hrtime.bigint()`), which every process on the machine reads as the same counter — time
 * since boot, never stepped (NTP may only slew its rate, for every process alike). Every timestamp a latency or a rate is computed from is
 * taken with it, in whichever process the event happens (the writer's submit and acceptance, the
 * receivers' acknowledgement), so a difference of two is a duration on one clock. Not `Date.now()`
 * (the wall clock: can be stepped between two readings) and not `performance.now()` (its origin is
 * each process's start, so two processes disagree). bench/notify.ts checks at start that every
 * process it spawned reads the same clock (`checkOneClock`).
 */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

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

/** When a report was handed to the writer, and when the writer had it back as accepted (ms, `now()`). */
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
