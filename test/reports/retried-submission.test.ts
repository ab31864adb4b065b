import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { fixedClock } from '../../src/kernel/index.ts';
import { ReportService } from '../../src/notifications/index.ts';
import { openStorage, type Storage } from '../../src/storage/index.ts';
import {
  agencyRegistration,
  drainQueue,
  eventTypes,
  MOVE_FIELDS,
  type NotifyFixture,
  notifyFixture,
} from '../notifications/support.ts';
import { startReceiver, type TestReceiver } from '../support/receiver.ts';

/**
 * Retried submissions stay single (issue 10): every confirm of a report got a 502 while the hubs were
 * down but the first had committed; the citizen went back and sent again from a re-rendered form, so
 * with a new submission key. The same account sending the same content within 24 hours gets the first
 * report, and each agency is told once. Two database handles stand for two hub processes; SQLite, and
 * PostgreSQL when DATABASE_URL is set.
 */

interface Handles {
  a: Storage;
  /** A second handle (its own pool) on PostgreSQL; on SQLite the same handle — node:sqlite is
   * synchronous, so two handles in one process would wait on each other's locks; two processes on
   * one SQLite file are raced below with real processes. */
  b: Storage;
  where: { databaseUrl?: string; postgresSchema?: string; sqlitePath?: string };
  close(): Promise<void>;
}

async function twoHandles(): Promise<Handles> {
  const url = process.env['DATABASE_URL'];
  if (url) {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const a = await openStorage({ databaseUrl: url, postgresSchema: schema, poolSize: 5 });
    const b = await openStorage({ databaseUrl: url, postgresSchema: schema, poolSize: 5 });
    return {
      a,
      b,
      where: { databaseUrl: url, postgresSchema: schema },
      async close() {
        await b.close();
        await sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).execute(a.db);
        await a.close();
      },
    };
  }
  const path = join(mkdtempSync(join(tmpdir(), 'govbridge-resend-')), 'hub.db');
  const a = await openStorage({ sqlitePath: path });
  return { a, b: a, where: { sqlitePath: path }, close: () => a.close() };
}

let handles: Awaited<ReturnType<typeof twoHandles>>;
let f: NotifyFixture;
let other: ReportService;
let uk: TestReceiver;
let sg: TestReceiver;

before(async () => {
  handles = await twoHandles();
  f = await notifyFixture({ storage: handles.a });
  // Another hub: its own database handle (on PostgreSQL), the same key-encryption key.
  other = new ReportService({ storage: handles.b, kek: f.kek, agencies: f.agencies, eventTypes });
  uk = await startReceiver({ agencyId: 'uk_tax', hubPublicJwk: f.hubPublicJwk });
  sg = await startReceiver({ agencyId: 'sg_ica', hubPublicJwk: f.hubPublicJwk });
  await f.agencies.register(
    agencyRegistration('uk_tax', uk.url, uk.publicJwk, [
      { eventType: 'moving-abroad', attributes: ['name', 'birthdate', 'date_of_move', 'new_address'] },
    ]),
  );
  await f.agencies.register({
    ...agencyRegistration('sg_ica', sg.url, sg.publicJwk, [
      { eventType: 'moving-abroad', attributes: ['name', 'nationalities', 'to_country', 'new_address'] },
    ]),
    country: 'SG',
  });
});

after(async () => {
  await uk?.close();
  await sg?.close();
  await handles?.close();
});

const move = (accountId: string, submissionKey: string, fields: Record<string, unknown> = MOVE_FIELDS) => ({
  accountId,
  journeyId: `journey-${accountId}`,
  eventType: 'moving-abroad',
  occurredOn: '2026-12-01',
  fields: fields as typeof MOVE_FIELDS,
  submissionKey,
});

async function reportsOf(accountId: string): Promise<string[]> {
  const rows = await f.storage.db
    .selectFrom('reports')
    .select('report_id')
    .where('account_id', '=', accountId)
    .execute();
  return rows.map((r) => r.report_id);
}

async function notificationsOf(reportIds: string[]): Promise<number> {
  if (reportIds.length === 0) return 0;
  const rows = await f.storage.db
    .selectFrom('notifications')
    .select('notification_id')
    .where('report_id', 'in', reportIds)
    .execute();
  return rows.length;
}

test('sent again with a fresh submission key: the same report, and each agency is told once', async () => {
  const first = await f.reports.submit(move('acc-resend', 'form-first'));
  assert.equal(first.created, true);
  // The citizen went back (the form was re-rendered: a new key) and sent again, twice, through the
  // other process too.
  const again = await f.reports.submit(move('acc-resend', 'form-second'));
  const third = await other.submit(move('acc-resend', 'form-third'));
  assert.deepEqual(again, { reportId: first.reportId, created: false });
  assert.deepEqual(third, { reportId: first.reportId, created: false });
  assert.deepEqual(await reportsOf('acc-resend'), [first.reportId]);
  assert.equal(await notificationsOf([first.reportId]), 2);

  const worker = f.worker();
  await drainQueue(worker, async () => {
    const view = await f.reports.get('acc-resend', first.reportId);
    return view.notifications.every((n) => n.state === 'delivered');
  });
  const mine = (r: TestReceiver) => r.events.filter((e) => e.type.includes('moving-abroad'));
  assert.equal(mine(uk).length, 1);
  assert.equal(mine(sg).length, 1);
});

test('the same content written differently (spaces, list order) is the same report', async () => {
  const first = await f.reports.submit(
    move('acc-spaces', 'k-1', { ...MOVE_FIELDS, name: 'TAN AH KOW', nationalities: ['SG', 'GB'] }),
  );
  const again = await f.reports.submit(
    move('acc-spaces', 'k-2', { ...MOVE_FIELDS, name: '  TAN  AH KOW ', nationalities: ['GB', 'SG'] }),
  );
  assert.equal(again.reportId, first.reportId);
  assert.equal(again.created, false);
});

test('different content, or another account, makes a new report', async () => {
  const first = await f.reports.submit(move('acc-diff', 'a-1'));
  const moved = await f.reports.submit(
    move('acc-diff', 'a-2', { ...MOVE_FIELDS, new_address: '2 Marsham Street, London SW1P 4DF' }),
  );
  assert.equal(moved.created, true);
  assert.notEqual(moved.reportId, first.reportId);
  const someoneElse = await f.reports.submit(move('acc-diff-2', 'a-1'));
  assert.equal(someoneElse.created, true);
  assert.notEqual(someoneElse.reportId, first.reportId);
  assert.equal((await reportsOf('acc-diff')).length, 2);
});

test('after the window (24 hours) the same content is a new report', async () => {
  const start = new Date('2026-12-02T09:00:00Z');
  let now = start;
  const clock = { ...fixedClock(start), now: () => now };
  const service = new ReportService({
    storage: f.storage,
    kek: f.kek,
    agencies: f.agencies,
    eventTypes,
    clock,
  });
  const first = await service.submit(move('acc-window', 'w-1'));
  now = new Date(start.getTime() + 24 * 3600_000 - 1000);
  assert.equal((await service.submit(move('acc-window', 'w-2'))).reportId, first.reportId);
  now = new Date(start.getTime() + 24 * 3600_000 + 1000);
  const later = await service.submit(move('acc-window', 'w-3'));
  assert.equal(later.created, true);
  assert.notEqual(later.reportId, first.reportId);
  // …and that later one is now the one a re-send finds.
  assert.equal((await service.submit(move('acc-window', 'w-4'))).reportId, later.reportId);
});

test('concurrent submits of one report through two handles make one report', async () => {
  for (let round = 0; round < 5; round++) {
    const account = `acc-race-${round}`;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 === 0 ? f.reports : other).submit(move(account, `race-${round}-${i}`)),
      ),
    );
    const ids = new Set(results.map((r) => r.reportId));
    assert.equal(ids.size, 1, JSON.stringify(results));
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.deepEqual(await reportsOf(account), [...ids]);
    assert.equal(await notificationsOf([...ids]), 2);
  }
});

test('the content key is a keyed hash: no field value in clear', async () => {
  const { reportId } = await f.reports.submit(move('acc-hash', 'h-1'));
  const row = await f.storage.db
    .selectFrom('reports')
    .select('content_key')
    .where('report_id', '=', reportId)
    .executeTakeFirstOrThrow();
  assert.match(String(row.content_key), /^[A-Za-z0-9_-]{43}$/);
  // Another key-encryption key gives another hash for the same content: it is keyed.
  const elsewhere = new ReportService({
    storage: f.storage,
    kek: new Uint8Array(randomBytes(32)),
    agencies: f.agencies,
    eventTypes,
  });
  const second = await elsewhere.submit(move('acc-hash', 'h-2'));
  assert.equal(second.created, true);
});

/** Run the submit worker as its own process; resolves with its results. */
function submitInProcess(
  reports: ReturnType<typeof move>[],
  startAt: number,
): Promise<Array<{ reportId?: string; created?: boolean; error?: string }>> {
  const arg = JSON.stringify({
    ...handles.where,
    kek: Buffer.from(f.kek).toString('base64url'),
    startAt,
    reports,
  });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['test/support/report-submit-worker.ts', arg], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`worker exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!));
    });
  });
}

test('a concurrent double submit from two hub processes makes one report', async () => {
  for (let round = 0; round < 3; round++) {
    const account = `acc-procs-${round}`;
    const startAt = Date.now() + 2500;
    const [x, y] = await Promise.all([
      submitInProcess([move(account, `p-${round}-a1`), move(account, `p-${round}-a2`)], startAt),
      submitInProcess([move(account, `p-${round}-b1`), move(account, `p-${round}-b2`)], startAt),
    ]);
    const results = [...x, ...y];
    assert.ok(
      results.every((r) => r.error === undefined),
      JSON.stringify(results),
    );
    const ids = new Set(results.map((r) => r.reportId));
    assert.equal(ids.size, 1, JSON.stringify(results));
    assert.equal(results.filter((r) => r.created).length, 1, JSON.stringify(results));
    assert.deepEqual(await reportsOf(account), [...ids]);
    assert.equal(await notificationsOf([...(ids as Set<string>)]), 2);
  }
});
