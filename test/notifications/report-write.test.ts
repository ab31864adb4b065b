import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { StatementSync } from 'node:sqlite';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { AgencyRegistry, ReportService } from '../../src/notifications/index.ts';
import type { Storage } from '../../src/storage/index.ts';
import { keyPair } from '../support/receiver.ts';
import { openTestStorage, testDialect } from '../support/storage.ts';
import { agencyRegistration, ENVIRONMENTS, eventTypes, MOVE_FIELDS } from './support.ts';

/**
 * How ReportService.submit writes (issue 14, "report writing lighter"): no read before the write
 * (the unique indexes decide what is a retry), the report and its notifications committed together
 * — on PostgreSQL as ONE statement, on SQLite as one transaction of two inserts — or not at all.
 */

const DIALECT = testDialect();
let storage: Storage;
let agencies: AgencyRegistry;
const kek = new Uint8Array(randomBytes(32));
let publicJwk: Record<string, unknown>;

const registration = (id: string) =>
  agencyRegistration(id, 'http://127.0.0.1:9/notify', publicJwk, [
    { eventType: 'moving-abroad', attributes: ['name', 'new_address'] },
  ]);

before(async () => {
  storage = await openTestStorage();
  agencies = new AgencyRegistry({
    storage,
    eventTypes,
    environments: ENVIRONMENTS,
    allowLoopbackHttp: true,
    defaultMaxAttempts: 4,
  });
  publicJwk = (await keyPair()).publicJwk as Record<string, unknown>;
  await agencies.register(registration('uk_write_a'));
  await agencies.register(registration('uk_write_b'));
});

after(async () => {
  await storage?.close();
});

/** The SQL statements sent while `fn` runs, counted at the driver (as bench/count-statements.ts). */
async function statementsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const record = (text: unknown) => {
    if (typeof text === 'string') seen.push(text.trim().split(/\s+/).slice(0, 3).join(' ').toLowerCase());
  };
  const query = pg.Client.prototype.query;
  const patchedQuery = function (this: pg.Client, ...a: unknown[]) {
    const q = a[0];
    record(typeof q === 'string' ? q : (q as { text?: unknown } | undefined)?.text);
    return (query as (...x: unknown[]) => unknown).apply(this, a);
  };
  (pg.Client.prototype as unknown as Record<string, unknown>)['query'] = patchedQuery;
  const originals = (['run', 'all', 'get', 'iterate'] as const).map((m) => {
    const original = StatementSync.prototype[m] as (...a: unknown[]) => unknown;
    (StatementSync.prototype as unknown as Record<string, unknown>)[m] = function (
      this: StatementSync,
      ...a: unknown[]
    ) {
      record(this.sourceSQL);
      return original.apply(this, a);
    };
    return [m, original] as const;
  });
  try {
    await fn();
  } finally {
    (pg.Client.prototype as unknown as Record<string, unknown>)['query'] = query;
    for (const [m, original] of originals)
      (StatementSync.prototype as unknown as Record<string, unknown>)[m] = original;
  }
  return seen;
}

const isWrite = (s: string) => /^(insert|update|delete|with)\b/.test(s);
const isBegin = (s: string) => /^(begin|start transaction)\b/.test(s);

test(`a new report is written without a read before it: ${DIALECT === 'postgres' ? 'one statement' : 'one transaction of two inserts'} (${DIALECT})`, async () => {
  const reports = new ReportService({ storage, kek, agencies, eventTypes });
  const seen = await statementsDuring(() =>
    reports.submit({
      accountId: 'acc-write-1',
      eventType: 'moving-abroad',
      occurredOn: '2026-12-01',
      fields: MOVE_FIELDS,
      submissionKey: 'write-1',
    }),
  );
  const writes = seen.filter(isWrite);
  const begins = seen.filter(isBegin);
  const reads = seen.filter((s) => s.startsWith('select'));
  // The registry: one read (agencies joined with their subscription to the event type).
  assert.equal(reads.length, 1, seen.join('\n'));
  if (DIALECT === 'postgres') {
    assert.deepEqual(
      { writes: writes.length, begins: begins.length },
      { writes: 1, begins: 0 },
      seen.join('\n'),
    );
    assert.match(writes[0]!, /^with report as/);
  } else {
    assert.deepEqual(
      { writes: writes.length, begins: begins.length },
      { writes: 2, begins: 1 },
      seen.join('\n'),
    );
  }
  const rows = await storage.db
    .selectFrom('notifications')
    .innerJoin('reports', 'reports.report_id', 'notifications.report_id')
    .select(['notifications.agency_id', 'notifications.state', 'notifications.attempts'])
    .where('reports.account_id', '=', 'acc-write-1')
    .orderBy('notifications.agency_id')
    .execute();
  assert.deepEqual(
    rows.map((r) => [r.agency_id, r.state, Number(r.attempts)]),
    [
      ['uk_write_a', 'pending', 0],
      ['uk_write_b', 'pending', 0],
    ],
  );

  // The same submission again: one insert that writes nothing, then the lookup finds the first.
  const again = await statementsDuring(async () => {
    const r = await reports.submit({
      accountId: 'acc-write-1',
      eventType: 'moving-abroad',
      occurredOn: '2026-12-01',
      fields: MOVE_FIELDS,
      submissionKey: 'write-1',
    });
    assert.equal(r.created, false);
  });
  assert.ok(!again.some((s) => s.startsWith('update')), 'no content key released for a retry in the window');
});

test(`a notification that cannot be written takes its report with it, and the same submission then goes whole (${DIALECT})`, async () => {
  let sabotage = true;
  // The release decision runs between the registry read and the write: an agency removed there
  // makes its notification's insert fail (foreign key), after the report's row was inserted.
  const reports = new ReportService({
    storage,
    kek,
    agencies,
    eventTypes,
    decide: async ({ agency, fields }) => {
      if (sabotage && agency.agencyId === 'uk_write_b') {
        sabotage = false;
        await storage.db.deleteFrom('agency_subscriptions').where('agency_id', '=', 'uk_write_b').execute();
        await storage.db.deleteFrom('agencies').where('agency_id', '=', 'uk_write_b').execute();
      }
      return fields.map((field) => ({ field, allowed: true, policies: [], reason: '' }));
    },
  });
  const input = {
    accountId: 'acc-write-2',
    eventType: 'moving-abroad',
    occurredOn: '2026-12-01',
    fields: { ...MOVE_FIELDS, name: 'LIM BEE HOON' },
    submissionKey: 'write-2',
  };
  await assert.rejects(reports.submit(input));
  const count = async (table: 'reports' | 'notifications') =>
    (
      await storage.db
        .selectFrom(table)
        .select('report_id')
        .where(
          'report_id',
          'in',
          storage.db.selectFrom('reports').select('report_id').where('account_id', '=', 'acc-write-2'),
        )
        .execute()
    ).length;
  assert.equal(await count('reports'), 0, 'no report without its notifications');
  assert.equal(await count('notifications'), 0);

  // The agency registered again: the same submission is a new report, written whole.
  await agencies.register(registration('uk_write_b'));
  const { created } = await reports.submit(input);
  assert.equal(created, true);
  assert.equal(await count('reports'), 1);
  assert.equal(await count('notifications'), 2);
});
