/**
 * The log's size as this process knows it, and the range checks on sizes and indexes.
 *
 * Rules it enforces:
 * - The log only grows: a size once seen committed is remembered, and sizes up to it need no query.
 * - Sizes and indexes are safe integers ≥ 0; a tree size beyond the log is refused (`out_of_range`,
 *   checked against the database before refusing, since another process may have appended).
 */
import type { Db } from '../storage/index.ts';
import { LedgerError } from './errors.ts';
import { isTreeSize } from './merkle.ts';
import { readSize } from './store.ts';

export interface TreeSize {
  /** The largest size seen committed (0 until one is). */
  known(): number;
  /** Remember a size seen committed (by our own append or another read). */
  observe(size: number): void;
  /** The committed size now (one query), remembered. */
  current(): Promise<number>;
  /** Refuse a `size` that is not a tree size or is beyond the log. */
  check(size: number): Promise<void>;
}

export function outOfRange(message: string): LedgerError {
  return new LedgerError('out_of_range', message);
}

export function createTreeSize(db: Db): TreeSize {
  let knownSize = 0;
  const observe = (size: number) => {
    knownSize = Math.max(knownSize, size);
  };
  const current = async () => {
    observe(await readSize(db));
    return knownSize;
  };
  return {
    known: () => knownSize,
    observe,
    current,
    async check(size) {
      if (!isTreeSize(size)) throw outOfRange('tree size must be an integer ≥ 0');
      if (size <= knownSize) return;
      const now = await current();
      if (size > now) throw outOfRange(`tree size ${size} is beyond the log (${now} entries)`);
    },
  };
}
