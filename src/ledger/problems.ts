import type { Storage } from '../storage/index.ts';

/**
 * What the hub found wrong with its ledger but could not repair by itself, kept for the operator
 * (`npm run cli -- ledger verify`, `GET /admin/api/ledger/problems`) instead of stopping start-up or
 * being forgotten in a log. Table `ledger_problems` (migration 0014). `ref` names the row or peer
 * (a release id, a notification id, a witness URL), never personal data; `message` says which check
 * failed, never a value.
 */
export type LedgerProblemKind =
  /** A release whose ledger entry would be invalid (an id outside the identifier alphabet, …). */
  | 'release_unledgerable'
  /** A release to a client the hub no longer knows (no country for the entry). */
  | 'release_client_unknown'
  /** A release row whose stored columns cannot be read (not JSON). */
  | 'release_unreadable'
  /** A notification whose ledger entry would be invalid. */
  | 'notification_unledgerable'
  /** A notification to an agency the hub no longer knows (no country for the entry). */
  | 'notification_agency_unknown'
  /** A notification row whose stored columns cannot be read (not JSON). */
  | 'notification_unreadable'
  /** A whole start-up repair failed (`ref`: which). */
  | 'heal_failed'
  /** A witness holds a cosigned checkpoint larger than the local tree: the log's tail was removed. */
  | 'tail_truncated'
  /** A witness refused our checkpoint as inconsistent with the one it cosigned: the log was rewritten. */
  | 'witness_inconsistent';

export interface LedgerProblem {
  readonly kind: LedgerProblemKind;
  readonly ref: string;
  readonly message: string;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
}

/** Record (or refresh) a problem. Never throws: a database too broken to take the flag is logged by the caller. */
export async function flagProblem(
  storage: Storage,
  p: { kind: LedgerProblemKind; ref: string; message: string },
  now = Date.now(),
): Promise<boolean> {
  try {
    await storage.db
      .insertInto('ledger_problems')
      .values({
        kind: p.kind,
        ref: p.ref.slice(0, 255),
        message: p.message,
        first_seen_at: now,
        last_seen_at: now,
      })
      .onConflict((oc) => oc.columns(['kind', 'ref']).doUpdateSet({ message: p.message, last_seen_at: now }))
      .execute();
    return true;
  } catch {
    return false;
  }
}

/** The problem is gone (the row was appended, the witness agrees again). */
export async function clearProblems(
  storage: Storage,
  kinds: readonly LedgerProblemKind[],
  refs: readonly string[],
): Promise<void> {
  for (let i = 0; i < refs.length; i += 500) {
    await storage.db
      .deleteFrom('ledger_problems')
      .where('kind', 'in', [...kinds])
      .where(
        'ref',
        'in',
        refs.slice(i, i + 500).map((r) => r.slice(0, 255)),
      )
      .execute();
  }
}

export async function listProblems(storage: Storage): Promise<LedgerProblem[]> {
  const rows = await storage.db
    .selectFrom('ledger_problems')
    .selectAll()
    .orderBy('first_seen_at')
    .orderBy('kind')
    .orderBy('ref')
    .execute();
  return rows.map((r) => ({
    kind: r.kind as LedgerProblemKind,
    ref: r.ref,
    message: r.message,
    firstSeenAt: new Date(Number(r.first_seen_at)),
    lastSeenAt: new Date(Number(r.last_seen_at)),
  }));
}

/** Where repairs at start write their one warn line per row (pino's signature). */
export interface RepairLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Run start-up repairs one after the other, none of them able to stop start-up: a repair that throws
 * is logged (`ledger_heal_failed`, with its name and the error's class and code, not its message,
 * which may quote a row) and flagged as `heal_failed`, and the next one runs. Returns the number of
 * rows the repairs appended.
 */
export async function runStartupRepairs(
  storage: Storage,
  log: RepairLog,
  repairs: readonly (readonly [name: string, run: () => Promise<number>])[],
): Promise<number> {
  let healed = 0;
  for (const [name, run] of repairs) {
    try {
      healed += await run();
      await clearProblems(storage, ['heal_failed'], [name]).catch(() => undefined);
    } catch (err) {
      const code =
        err !== null && typeof err === 'object' && 'code' in err
          ? String((err as { code: unknown }).code)
          : undefined;
      log.warn(
        {
          event: 'ledger_heal_failed',
          repair: name,
          errorClass: err instanceof Error ? err.name : typeof err,
          ...(code ? { errorCode: code } : {}),
        },
        `start-up repair "${name}" failed; the hub serves, the operator sees it in ledger verify`,
      );
      await flagProblem(storage, {
        kind: 'heal_failed',
        ref: name,
        message: `the start-up repair "${name}" failed (${err instanceof Error ? err.name : typeof err}${code ? ` ${code}` : ''}); it runs again at the next start`,
      });
    }
  }
  return healed;
}
