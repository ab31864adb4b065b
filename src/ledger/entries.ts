/**
 * Reading stored entries back: by index, and every entry about one salted subject.
 *
 * Rules it enforces:
 * - An entry is given back only as it was hashed (`leaf`, the canonical JSON) and parsed strictly;
 *   a stored entry that no longer parses is an integrity failure, never returned half-read.
 * - An account's entries are found through its salt only: once forgotten, none are.
 */
import type { Db } from '../storage/index.ts';
import { type LedgerEntry, parseEntry } from './entry.ts';
import { LedgerError } from './errors.ts';
import { isTreeSize } from './merkle.ts';
import type { Subjects } from './subjects.ts';
import { outOfRange } from './tree-size.ts';

export interface StoredEntry {
  readonly index: number;
  readonly entry: LedgerEntry;
  /** The canonical JSON that was hashed. */
  readonly leaf: string;
}

export interface Entries {
  entry(index: number): Promise<StoredEntry>;
  /** Every entry about one salted subject, oldest first. */
  entriesFor(subjectHash: string): Promise<StoredEntry[]>;
  /** Every entry about one account, while its salt exists. */
  entriesForAccount(accountId: string): Promise<StoredEntry[]>;
}

function toStored(row: { idx: number; leaf: string }): StoredEntry {
  const parsed = parseEntry(row.leaf);
  if (!parsed.ok) {
    throw new LedgerError('integrity', `entry ${row.idx} is malformed: ${parsed.error.message}`);
  }
  return { index: Number(row.idx), entry: parsed.value, leaf: row.leaf };
}

export function createEntries(o: { readonly db: Db; readonly subjects: Subjects }): Entries {
  const { db, subjects } = o;
  async function entriesFor(subjectHash: string): Promise<StoredEntry[]> {
    if (typeof subjectHash !== 'string' || !/^[0-9a-f]{64}$/.test(subjectHash)) return [];
    const rows = await db
      .selectFrom('ledger_entries')
      .select(['idx', 'leaf'])
      .where('subject_hash', '=', subjectHash)
      .orderBy('idx')
      .execute();
    return rows.map(toStored);
  }
  return {
    async entry(index) {
      if (!isTreeSize(index)) throw outOfRange('index must be an integer ≥ 0');
      const row = await db
        .selectFrom('ledger_entries')
        .select(['idx', 'leaf'])
        .where('idx', '=', index)
        .executeTakeFirst();
      if (!row) throw outOfRange(`no entry at index ${index}`);
      return toStored(row);
    },
    entriesFor,
    async entriesForAccount(accountId) {
      const subject = await subjects.findSubjectHash(accountId);
      return subject ? entriesFor(subject) : [];
    },
  };
}
