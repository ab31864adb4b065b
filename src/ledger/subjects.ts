/**
 * Citizens as salted hashes: each account's random 32-byte salt (`ledger_subject_salts`) and the
 * subject HMAC computed with it.
 *
 * Rules it enforces:
 * - Entries name the citizen only as HMAC-SHA-256(salt, account id); the account id itself is never
 *   written to an entry.
 * - One salt per account, created on first use and never replaced: when two callers create it at
 *   once, both use the one that was stored first.
 * - Forgetting a citizen deletes their salt only: their entries stay in the log (it only grows) but
 *   can no longer be linked to them.
 * - Account ids are 1–255 characters (`invalid_entry` otherwise).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../kernel/index.ts';
import type { Storage, Tx } from '../storage/index.ts';
import { isAccountId } from './entry.ts';
import { LedgerError } from './errors.ts';
import { inLists, insertSalts } from './store.ts';
import { subjectHmac } from './subject.ts';

export interface Subjects {
  /**
   * Salts of these accounts inside an append transaction, creating the missing ones: one read, one
   * insert of the missing (which returns what it inserted), and a second read only for salts another
   * caller created meanwhile.
   */
  saltsFor(tx: Tx, accountIds: readonly string[], now: number): Promise<Map<string, Buffer>>;
  /** The citizen's salted hash (creating their salt on first use). */
  subjectHash(accountId: string): Promise<string>;
  /** The citizen's salted hash if they have a salt; never creates one. */
  findSubjectHash(accountId: string): Promise<string | undefined>;
  /** Delete the citizen's salt. Returns whether there was one. */
  forgetSubject(accountId: string): Promise<boolean>;
}

function requireAccountId(accountId: string): void {
  if (!isAccountId(accountId)) throw new LedgerError('invalid_entry', 'account id must be 1–255 characters');
}

export function createSubjects(o: { readonly storage: Storage; readonly clock: Clock }): Subjects {
  const { storage, clock } = o;

  async function findSalt(accountId: string): Promise<Buffer | undefined> {
    const row = await storage.db
      .selectFrom('ledger_subject_salts')
      .select('salt')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? Buffer.from(row.salt, 'hex') : undefined;
  }

  return {
    async saltsFor(tx, accountIds, now) {
      const salts = new Map<string, Buffer>();
      const read = async (ids: readonly string[]) => {
        for (const part of inLists(ids)) {
          const rows = await tx
            .selectFrom('ledger_subject_salts')
            .select(['account_id', 'salt'])
            .where('account_id', 'in', part)
            .execute();
          for (const r of rows) salts.set(r.account_id, Buffer.from(r.salt, 'hex'));
        }
      };
      await read(accountIds);
      const missing = accountIds.filter((a) => !salts.has(a));
      if (missing.length === 0) return salts;
      const random = randomBytes(32 * missing.length).toString('hex');
      const fresh = missing.map((account_id, n) => ({
        account_id,
        salt: random.slice(64 * n, 64 * (n + 1)),
        created_at: now,
      }));
      for (const r of await insertSalts(storage, tx, fresh))
        salts.set(r.account_id, Buffer.from(r.salt, 'hex'));
      const raced = missing.filter((a) => !salts.has(a));
      if (raced.length > 0) await read(raced);
      return salts;
    },

    async subjectHash(accountId) {
      requireAccountId(accountId);
      const existing = await findSalt(accountId);
      if (existing) return subjectHmac(existing, accountId);
      await storage.db
        .insertInto('ledger_subject_salts')
        .values({
          account_id: accountId,
          salt: randomBytes(32).toString('hex'),
          created_at: clock.now().getTime(),
        })
        .onConflict((oc) => oc.column('account_id').doNothing())
        .execute();
      return subjectHmac((await findSalt(accountId))!, accountId);
    },

    async findSubjectHash(accountId) {
      requireAccountId(accountId);
      const salt = await findSalt(accountId);
      return salt ? subjectHmac(salt, accountId) : undefined;
    },

    async forgetSubject(accountId) {
      requireAccountId(accountId);
      const r = await storage.db
        .deleteFrom('ledger_subject_salts')
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
