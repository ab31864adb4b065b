/**
 * Time comes from a clock that tests can replace, never from scattered `Date.now()` calls in
 * domain code. Epoch seconds are what JOSE and OAuth speak.
 */
export interface Clock {
  now(): Date;
  epochSeconds(): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  epochSeconds: () => Math.floor(Date.now() / 1000),
};

export function fixedClock(at: Date): Clock {
  return { now: () => new Date(at.getTime()), epochSeconds: () => Math.floor(at.getTime() / 1000) };
}
