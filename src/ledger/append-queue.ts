/**
 * The append queue: records wait here and are committed in batches (group commit), one transaction
 * at a time.
 *
 * Rules it enforces:
 * - The log only grows. An index, once returned by `append`, is durably committed (the transaction
 *   runs with a durable commit, see `durableTransaction`) and never reused: every transaction first
 *   takes the append lock and reads the size under it, so appenders in other processes cannot number
 *   the same index.
 * - Idempotent per release id: a release already in the log (or earlier in the same batch) gets its
 *   first index back with `duplicate: true`, and nothing is written for it.
 * - A record is validated before it is queued (`invalid_entry`); after `close()` nothing is queued
 *   (`closed`), and `close()` resolves once everything queued is committed or refused.
 * - A batch commits as a whole or not at all: on failure every caller in it gets `storage_failed` (or
 *   the ledger's own error) and may retry with the same release id.
 * - At most `maxBatch` records per transaction; everything queued while one runs goes into the next.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';
import { toHex, utf8Bytes } from './encoding.ts';
import { entryFromRecord, entryJson, type ReleaseRecord, validateRecord } from './entry.ts';
import { LedgerError } from './errors.ts';
import { type Frontier, leafHash } from './merkle.ts';
import {
  durableTransaction,
  type EntryRow,
  inLists,
  insertEntries,
  insertNodes,
  loadFrontier,
  lockSize,
  type NodeRow,
} from './store.ts';
import { subjectHmac } from './subject.ts';
import type { Subjects } from './subjects.ts';
import type { TreeSize } from './tree-size.ts';

export interface AppendResult {
  /** The entry's position in the log. */
  readonly index: number;
  /** True when the release was already in the log: `index` is where it was appended first. */
  readonly duplicate: boolean;
}

export interface BatchReport {
  readonly records: number;
  readonly appended: number;
  readonly ms: number;
}

export interface AppendQueue {
  /** Validate all, then queue all; one promise per record, resolved once its batch is committed. */
  enqueue(records: readonly ReleaseRecord[]): Promise<AppendResult>[];
  /** Refuse new records; resolve once the queue is empty and no batch is running. */
  close(): Promise<void>;
}

interface Pending {
  readonly record: ReleaseRecord;
  readonly resolve: (r: AppendResult) => void;
  readonly reject: (e: unknown) => void;
}

export function createAppendQueue(o: {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly maxBatch: number;
  readonly subjects: Subjects;
  readonly treeSize: TreeSize;
  readonly onBatch?: ((batch: BatchReport) => void) | undefined;
}): AppendQueue {
  const { storage, clock, maxBatch, subjects, treeSize } = o;
  let queue: Pending[] = [];
  let flushing = false;
  let scheduled = false;
  let closed = false;
  let idle: (() => void)[] = [];
  /** The right edge of the tree as of our last commit; reused when no other process appended since. */
  let cachedFrontier: Frontier | undefined;

  function schedule(): void {
    if (flushing || scheduled || queue.length === 0) return;
    scheduled = true;
    // setImmediate, not a microtask: appends arriving from other I/O callbacks of this loop turn join.
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  }

  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        try {
          const started = performance.now();
          const results = await appendBatch(batch.map((p) => p.record));
          batch.forEach((p, i) => {
            p.resolve(results[i]!);
          });
          try {
            o.onBatch?.({
              records: batch.length,
              appended: results.filter((r) => !r.duplicate).length,
              ms: performance.now() - started,
            });
          } catch {
            // A metrics callback must not undo a committed batch.
          }
        } catch (error) {
          cachedFrontier = undefined;
          const wrapped =
            error instanceof LedgerError
              ? error
              : new LedgerError(
                  'storage_failed',
                  'Appending to the ledger failed; retry with the same release id (if the batch was committed after all, that returns its index)',
                  { cause: error },
                );
          for (const p of batch) p.reject(wrapped);
        }
      }
    } finally {
      flushing = false;
      const waiting = idle;
      idle = [];
      for (const w of waiting) w();
    }
  }

  /** One group-commit transaction: lock, number, hash, insert, commit. */
  async function appendBatch(records: readonly ReleaseRecord[]): Promise<AppendResult[]> {
    const now = clock.now();
    const result = await durableTransaction(storage, async (tx) => {
      const size = await lockSize(tx);
      // Releases already in the log keep their first index (idempotent retries).
      const existing = new Map<string, number>();
      for (const ids of inLists([...new Set(records.map((r) => r.releaseId))])) {
        const rows = await tx
          .selectFrom('ledger_entries')
          .select(['release_id', 'idx'])
          .where('release_id', 'in', ids)
          .execute();
        for (const r of rows) existing.set(r.release_id, Number(r.idx));
      }
      const salts = await subjects.saltsFor(tx, [...new Set(records.map((r) => r.accountId))], now.getTime());
      const frontier =
        cachedFrontier && cachedFrontier.size === size
          ? cachedFrontier.clone()
          : await loadFrontier(tx, storage.capabilities, size);
      const entryRows: EntryRow[] = [];
      const nodeRows: NodeRow[] = [];
      const results: AppendResult[] = [];
      for (const record of records) {
        const first = existing.get(record.releaseId);
        if (first !== undefined) {
          results.push({ index: first, duplicate: true });
          continue;
        }
        const subject = subjectHmac(salts.get(record.accountId)!, record.accountId);
        const leaf = entryJson(entryFromRecord(record, subject, now));
        const h = leafHash(utf8Bytes(leaf));
        const index = frontier.size;
        frontier.append(h, (level, idx, node) => {
          nodeRows.push({ level, idx, hash: toHex(node) });
        });
        entryRows.push({
          idx: index,
          release_id: record.releaseId,
          subject_hash: subject,
          leaf,
          leaf_hash: toHex(h),
          appended_at: now.getTime(),
        });
        existing.set(record.releaseId, index);
        results.push({ index, duplicate: false });
      }
      await insertEntries(storage, tx, entryRows);
      await insertNodes(storage, tx, nodeRows);
      if (entryRows.length > 0) {
        await tx.updateTable('ledger_state').set({ size: frontier.size }).where('id', '=', 1).execute();
      }
      return { results, frontier };
    });
    cachedFrontier = result.frontier;
    treeSize.observe(result.frontier.size);
    return result.results;
  }

  return {
    enqueue(records) {
      if (closed) throw new LedgerError('closed', 'The ledger is closed');
      for (const r of records) {
        const v = validateRecord(r);
        if (!v.ok) throw new LedgerError('invalid_entry', `Invalid ledger entry: ${v.error.message}`);
      }
      const promises = records.map(
        (record) =>
          new Promise<AppendResult>((resolve, reject) => {
            queue.push({ record, resolve, reject });
          }),
      );
      schedule();
      return promises;
    },
    async close() {
      closed = true;
      while (flushing || queue.length > 0) {
        await new Promise<void>((resolve) => {
          idle.push(resolve);
          schedule();
        });
      }
    },
  };
}
