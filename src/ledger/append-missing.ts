import type { Storage } from '../storage/index.ts';
import { type ReleaseRecord, validateRecord } from './entry.ts';
import { LedgerError } from './errors.ts';
import type { Ledger } from './ledger.ts';
import { clearProblems, flagProblem, type LedgerProblemKind, type RepairLog } from './problems.ts';

/**
 * One row a crash left out of the ledger (a release or a notification recorded, its entry not yet
 * appended): either the record to append — built lazily, as reading a stored row may fail — or why
 * it cannot be (for example, its recipient is no longer registered).
 */
export type MissingRow =
  | { readonly ref: string; readonly build: () => ReleaseRecord }
  | { readonly ref: string; readonly refused: { readonly kind: LedgerProblemKind; readonly check: string } };

export interface AppendMissingOptions {
  /** What the rows are, for the log line (`release`, `notification`). */
  readonly what: string;
  /** The problem kinds for a row that cannot be read, and one whose entry the ledger refuses. */
  readonly unreadable: LedgerProblemKind;
  readonly unledgerable: LedgerProblemKind;
  /** Every kind this repair may flag: cleared for the rows it appends. */
  readonly kinds: readonly LedgerProblemKind[];
  readonly log?: RepairLog | undefined;
}

const BATCH = 1000;

/**
 * The start-up repair's one mechanism, for releases and notifications alike: each row on its own. A
 * row that cannot be read or whose entry would be invalid is logged once (`ledger_heal_row_refused`,
 * with its id and the failed check, never a value) and flagged for the operator (`ledger verify`,
 * `/admin/api/ledger/problems`); the others are appended in batches, one at a time when a batch is
 * refused, so no single row keeps the rest out — and none stops the hub from serving. A flag is
 * cleared once its row is appended. Errors other than a refused entry (the database away) propagate
 * to `runStartupRepairs`, which logs and flags the whole repair. Returns how many were appended.
 */
export async function appendMissing(
  storage: Storage,
  ledger: Ledger,
  rows: readonly MissingRow[],
  o: AppendMissingOptions,
): Promise<number> {
  if (rows.length === 0) return 0;
  const refuse = async (ref: string, kind: LedgerProblemKind, check: string) => {
    o.log?.warn(
      { event: 'ledger_heal_row_refused', problem: kind, ref, check },
      `a ${o.what} missing from the ledger cannot be appended; flagged for the operator, the hub serves`,
    );
    await flagProblem(storage, { kind, ref, message: check });
  };
  const records: { ref: string; record: ReleaseRecord }[] = [];
  for (const row of rows) {
    if ('refused' in row) {
      await refuse(row.ref, row.refused.kind, row.refused.check);
      continue;
    }
    let record: ReleaseRecord;
    try {
      record = row.build();
    } catch {
      await refuse(row.ref, o.unreadable, `its stored ${o.what} cannot be read`);
      continue;
    }
    const valid = validateRecord(record);
    if (!valid.ok) {
      await refuse(row.ref, o.unledgerable, `its ledger entry would be invalid: ${valid.error.message}`);
      continue;
    }
    records.push({ ref: row.ref, record });
  }
  const appended: string[] = [];
  for (let i = 0; i < records.length; i += BATCH) {
    const part = records.slice(i, i + BATCH);
    try {
      await ledger.appendMany(part.map((p) => p.record));
      appended.push(...part.map((p) => p.ref));
    } catch {
      // One at a time, so that one the ledger refuses does not keep the others out.
      for (const p of part) {
        try {
          await ledger.append(p.record);
          appended.push(p.ref);
        } catch (err) {
          if (err instanceof LedgerError && err.reason === 'invalid_entry') {
            await refuse(p.ref, o.unledgerable, 'the ledger refused its entry');
          } else {
            throw err;
          }
        }
      }
    }
  }
  await clearProblems(storage, o.kinds, appended);
  return appended.length;
}
