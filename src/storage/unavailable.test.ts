import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { openTestStorage, testDialect } from '../../test/support/storage.ts';
import { GovbridgeError, isGovbridgeError } from '../kernel/index.ts';
import {
  classifyDatabaseError,
  isDatabaseUnavailable,
  OutageTracker,
  toDatabaseUnavailableError,
} from './index.ts';

const withCode = (message: string, fields: Record<string, unknown>) =>
  Object.assign(new Error(message), fields);

test('classifyDatabaseError: outages of both databases, by driver code', () => {
  const cases: [unknown, string][] = [
    [withCode('terminating connection due to administrator command', { code: '57P01' }), '57P01'],
    [
      withCode('terminating connection because of crash of another server process', { code: '57P02' }),
      '57P02',
    ],
    [withCode('the database system is starting up', { code: '57P03' }), '57P03'],
    [withCode('connection failure', { code: '08006' }), '08006'],
    [withCode('no space left on device', { code: '53100' }), '53100'],
    [withCode('connect ECONNREFUSED 127.0.0.1:5', { code: 'ECONNREFUSED', errno: -111 }), 'ECONNREFUSED'],
    [withCode('read ECONNRESET', { code: 'ECONNRESET' }), 'ECONNRESET'],
    [withCode('write EPIPE', { code: 'EPIPE' }), 'EPIPE'],
    [new Error('Connection terminated unexpectedly'), 'PG_CONNECTION_TERMINATED'],
    [new Error('Connection terminated due to connection timeout'), 'PG_CONNECTION_TERMINATED'],
    [new Error('timeout exceeded when trying to connect'), 'PG_POOL_TIMEOUT'],
    [new Error('Client has encountered a connection error and is not queryable'), 'PG_NOT_QUERYABLE'],
    // Node's happy-eyeballs connect: an AggregateError of the per-address failures.
    [
      Object.assign(
        new AggregateError([withCode('connect ECONNREFUSED ::1:5', { code: 'ECONNREFUSED' })], ''),
        {},
      ),
      'ECONNREFUSED',
    ],
    // node:sqlite: ERR_SQLITE_ERROR with the result code; extended codes keep the primary in the low byte.
    [withCode('database or disk is full', { code: 'ERR_SQLITE_ERROR', errcode: 13 }), 'SQLITE_FULL'],
    [withCode('disk I/O error', { code: 'ERR_SQLITE_ERROR', errcode: 10 | (4 << 8) }), 'SQLITE_IOERR'],
    [
      withCode('attempt to write a readonly database', { code: 'ERR_SQLITE_ERROR', errcode: 8 }),
      'SQLITE_READONLY',
    ],
    [withCode('database is locked', { code: 'ERR_SQLITE_ERROR', errcode: 5 }), 'SQLITE_BUSY'],
    [withCode('unable to open database file', { code: 'ERR_SQLITE_ERROR', errcode: 14 }), 'SQLITE_CANTOPEN'],
    // Wrapped in a cause chain.
    [new Error('outer', { cause: withCode('x', { code: '57P01' }) }), '57P01'],
  ];
  for (const [err, driverCode] of cases) {
    assert.equal(classifyDatabaseError(err)?.driverCode, driverCode, String((err as Error).message));
  }
});

test('classifyDatabaseError: bugs and client mistakes are not outages', () => {
  const notOutages: unknown[] = [
    withCode('duplicate key value violates unique constraint', { code: '23505' }),
    withCode('relation "x" does not exist', { code: '42P01' }),
    withCode('syntax error', { code: '42601' }),
    withCode('UNIQUE constraint failed', { code: 'ERR_SQLITE_ERROR', errcode: 19 | (8 << 8) }),
    withCode('no such table', { code: 'ERR_SQLITE_ERROR', errcode: 1 }),
    new GovbridgeError('storage_error', 'x'),
    new TypeError('undefined is not a function'),
    'a string',
    null,
    undefined,
  ];
  for (const err of notOutages) assert.equal(classifyDatabaseError(err), undefined, String(err));
});

test('toDatabaseUnavailableError / isDatabaseUnavailable: 503, not exposed, driver code in detail', () => {
  const raw = withCode('terminating connection due to administrator command', { code: '57P01' });
  const e = toDatabaseUnavailableError(raw);
  assert.ok(isGovbridgeError(e));
  assert.equal(e.code, 'database_unavailable');
  assert.equal(e.status, 503);
  assert.equal(e.expose, false);
  assert.deepEqual(e.detail, { driverCode: '57P01', reason: 'server_shutdown' });
  assert.equal(e.cause, raw);
  assert.equal(toDatabaseUnavailableError(e), e, 'idempotent');
  const other = withCode('dup', { code: '23505' });
  assert.equal(toDatabaseUnavailableError(other), other, 'anything else passes unchanged');
  assert.equal(isDatabaseUnavailable(e), true);
  assert.equal(isDatabaseUnavailable(new Error('wrapped', { cause: e })), true);
  // An HTTP client's ECONNREFUSED (an agency that is down) is not a database outage.
  assert.equal(isDatabaseUnavailable(raw), false);
});

test('OutageTracker: one line when an outage begins and one when it ends, backoff meanwhile, other errors untouched', () => {
  const lines: Array<[string, Record<string, unknown>, string]> = [];
  const log = {
    warn: (o: Record<string, unknown>, m: string) => lines.push(['warn', o, m]),
    info: (o: Record<string, unknown>, m: string) => lines.push(['info', o, m]),
  };
  const t = new OutageTracker(log, 'test work', { baseMs: 100, maxMs: 400 });
  const outage = toDatabaseUnavailableError(withCode('connect ECONNREFUSED', { code: 'ECONNREFUSED' }));
  assert.equal(t.due(0), true);
  assert.equal(t.failed(new Error('a bug'), 0), false, 'not an outage: the caller handles it');
  assert.equal(t.down, false);
  // Ten failing ticks: one warn line, and waits of 100, 200, 400, 400 … ms.
  const delays: number[] = [];
  let now = 1000;
  for (let i = 0; i < 10; i++) {
    assert.equal(t.failed(outage, now), true);
    delays.push(t.delayMs(now));
    assert.equal(t.due(now), false);
    now += t.delayMs(now);
    assert.equal(t.due(now), true);
  }
  assert.deepEqual(delays, [100, 200, 400, 400, 400, 400, 400, 400, 400, 400]);
  assert.equal(t.down, true);
  t.succeeded(now);
  t.succeeded(now + 1);
  assert.equal(t.down, false);
  assert.equal(t.due(now), true);
  assert.deepEqual(
    lines.map(([level, o, m]) => [level, o['errorCode'], o['dbError'] ?? o['outageMs'], m]),
    [
      [
        'warn',
        'database_unavailable',
        'ECONNREFUSED',
        'database unavailable: test work paused until it is back',
      ],
      ['info', 'database_available', now - 1000, 'database available again: test work resumed'],
    ],
  );
});

if (testDialect() === 'sqlite') {
  test('sqlite: a full database answers database_unavailable (SQLITE_FULL, not the rollback error), then recovers', async () => {
    const s = await openTestStorage();
    try {
      await s.db.insertInto('settings').values({ name: 'before', value: '"kept"' }).execute();
      // A real SQLITE_FULL: cap the file at its current size (PRAGMA max_page_count).
      const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(s.db);
      const pages = Number(rows[0]?.page_count);
      await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(s.db);
      const big = JSON.stringify('x'.repeat(200_000));
      const plain = await s.db
        .insertInto('settings')
        .values({ name: 'big', value: big })
        .execute()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(isGovbridgeError(plain) && plain.code === 'database_unavailable', String(plain));
      assert.equal(plain.detail?.['driverCode'], 'SQLITE_FULL');
      // In a transaction SQLite rolls back by itself, so Kysely's ROLLBACK fails ("no transaction is
      // active") and would hide the cause: the caller must still see SQLITE_FULL.
      const inTx = await s
        .transaction(async (tx) => {
          await tx.insertInto('settings').values({ name: 'big2', value: big }).execute();
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(isGovbridgeError(inTx) && inTx.code === 'database_unavailable', String(inTx));
      assert.equal(inTx.detail?.['driverCode'], 'SQLITE_FULL');
      // Space comes back: the next write succeeds on the same storage, nothing committed was lost.
      await sql.raw('PRAGMA max_page_count = 1073741823').execute(s.db);
      await s.transaction(async (tx) => {
        await tx.insertInto('settings').values({ name: 'big', value: big }).execute();
      });
      const names = (await s.db.selectFrom('settings').select('name').execute()).map((r) => r.name).sort();
      assert.ok(names.includes('before') && names.includes('big') && !names.includes('big2'));
    } finally {
      await s.close();
    }
  });
}

if (testDialect() === 'postgres') {
  test('postgres: a checked-out connection terminated by the server (57P01) fails its transaction with database_unavailable; the process lives, the next query uses a fresh connection', async () => {
    const s = await openTestStorage();
    try {
      await s.ping();
      let pid = 0;
      const outcome = await s
        .transaction(async (tx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx);
          pid = Number(rows[0]?.pid);
          // From another pooled connection: what `pg_ctl stop -m fast` does to every backend.
          await sql`select pg_terminate_backend(${pid})`.execute(s.db);
          // The client is checked out and idle: the server's FATAL arrives as an 'error' event
          // with no query to take it. Without a listener on the client this ends the process.
          await sleep(300);
          await sql`select 1`.execute(tx);
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(isGovbridgeError(outcome), `a GovbridgeError, got ${String(outcome)}`);
      assert.equal(outcome.code, 'database_unavailable');
      assert.equal(outcome.status, 503);
      // The dead client was discarded: every later query works, on another backend.
      for (let i = 0; i < 8; i++) {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(s.db);
        assert.notEqual(Number(rows[0]?.pid), pid);
      }
    } finally {
      await s.close();
    }
  });

  test('postgres: an idle pooled connection terminated by the server is replaced, not reused', async () => {
    const s = await openTestStorage();
    try {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(s.db);
      const pid = Number(rows[0]?.pid);
      // Terminated from outside the pool, while the client sits idle in it.
      const outside = new pg.Client({ connectionString: process.env['DATABASE_URL'] });
      await outside.connect();
      try {
        await outside.query('select pg_terminate_backend($1)', [pid]);
      } finally {
        await outside.end();
      }
      await sleep(200);
      for (let i = 0; i < 8; i++) await s.ping();
    } finally {
      await s.close();
    }
  });
}
