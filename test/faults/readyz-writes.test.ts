import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { isGovbridgeError } from '../../src/kernel/index.ts';
import { openStorage } from '../../src/storage/index.ts';
import { buildWebTestApp } from '../../src/web/index.ts';
import { openTestStorage, testDialect } from '../support/storage.ts';

/**
 * /readyz reflects a database that answers reads but refuses writes (issue 10: a full SQLite disk
 * left /readyz at 200 while every confirm failed). The hub's readiness check is `storage.ready()`
 * (a small upsert, and on SQLite the free space of the file system), behind /readyz's one-second
 * cache. Real faults: a tmpfs filled to the last byte (SQLite), a SHARE lock that lets reads through
 * and holds every write (PostgreSQL).
 */

const DIALECT = testDialect();
const CACHE_MS = 1000;

/** /readyz until it answers `status`, at most `ms`; returns how long it took. */
async function readyzBecomes(
  app: Awaited<ReturnType<typeof buildWebTestApp>>['app'],
  status: number,
  ms: number,
) {
  const started = Date.now();
  let last = 0;
  while (Date.now() - started < ms) {
    last = (await app.inject({ url: '/readyz' })).statusCode;
    if (last === status) return Date.now() - started;
    await sleep(100);
  }
  assert.fail(`/readyz stayed ${last}, expected ${status} within ${ms} ms`);
}

const SQLITE_SKIP =
  DIALECT !== 'sqlite'
    ? 'SQLite only (this run is on PostgreSQL)'
    : process.getuid?.() !== 0
      ? 'needs root to mount a small tmpfs: the fault suite runs as root in CI'
      : false;

test('sqlite: a full disk makes /readyz 503 while reads still work; a write fails as "database or disk is full" (SQLITE_FULL), not as the ROLLBACK after it; space back, ready again', {
  skip: SQLITE_SKIP,
  timeout: 60_000,
}, async () => {
  const base = mkdtempSync(join(tmpdir(), 'govbridge-readyz-'));
  const dir = join(base, 'disk');
  mkdirSync(dir);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { encoding: 'utf8' });
  assert.equal(mount.status, 0, mount.stderr);
  const storage = await openStorage({ sqlitePath: join(dir, 'hub.db') });
  const { app } = await buildWebTestApp({ checkReady: () => storage.ready() });
  const filler = join(dir, 'filler');
  try {
    await storage.db.insertInto('settings').values({ name: 'before', value: 'committed' }).execute();
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);

    const st = statfsSync(dir);
    try {
      writeFileSync(filler, Buffer.alloc(Number(st.bfree) * Number(st.bsize)));
    } catch {} // ENOSPC at the end: the disk is full, which is the point.
    await readyzBecomes(app, 503, CACHE_MS + 1500);
    // Reads still work.
    const row = await storage.db
      .selectFrom('settings')
      .select('value')
      .where('name', '=', 'before')
      .executeTakeFirst();
    assert.equal(row?.value, 'committed');

    // Writes fail once what is left of the write-ahead log is used up; the error says why.
    let failure: unknown;
    for (let i = 0; i < 200 && failure === undefined; i++) {
      await storage
        .transaction(async (tx) => {
          await tx
            .insertInto('settings')
            .values({ name: `big-${i}`, value: 'x'.repeat(200_000) })
            .execute();
        })
        .catch((e: unknown) => {
          failure = e;
        });
    }
    assert.ok(failure !== undefined, 'a write failed on the full disk');
    assert.ok(isGovbridgeError(failure), `a GovbridgeError, got ${String(failure)}`);
    assert.equal(failure.code, 'database_unavailable');
    assert.equal(failure.detail?.['driverCode'], 'SQLITE_FULL');
    assert.match(String((failure.cause as Error | undefined)?.message), /database or disk is full/);
    assert.doesNotMatch(`${failure.message} ${(failure.cause as Error | undefined)?.message}`, /rollback/i);

    unlinkSync(filler);
    await readyzBecomes(app, 200, CACHE_MS + 1500);
    await storage.db.insertInto('settings').values({ name: 'after', value: 'committed' }).execute();
    const names = (await storage.db.selectFrom('settings').select('name').execute()).map((r) => r.name);
    assert.ok(names.includes('before') && names.includes('after'));
  } finally {
    await app.close();
    await storage.close();
    spawnSync('umount', ['-l', dir]);
    rmSync(base, { recursive: true, force: true });
  }
});

test('postgres: writes held by a lock while reads go through make /readyz 503 (the write probe times out); released, ready again', {
  skip: DIALECT === 'postgres' ? false : 'PostgreSQL only (set DATABASE_URL)',
  timeout: 60_000,
}, async () => {
  const storage = (await openTestStorage()) as Awaited<ReturnType<typeof openTestStorage>> & {
    schema: string;
  };
  const { app } = await buildWebTestApp({ checkReady: () => storage.ready() });
  const blocker = new pg.Client({ connectionString: process.env['DATABASE_URL'] });
  await blocker.connect();
  try {
    await storage.db.insertInto('settings').values({ name: 'before', value: 'committed' }).execute();
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
    // SHARE: every reader passes, every writer waits (what a stuck migration or a long
    // maintenance command does to the table).
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE ${storage.schema}.settings IN SHARE MODE`);
    await sleep(CACHE_MS + 50);
    const started = Date.now();
    const notReady = await app.inject({ url: '/readyz' });
    assert.equal(notReady.statusCode, 503);
    assert.ok(Date.now() - started < 5000, '/readyz answers within its timeout, it does not hang');
    const row = await sql<{ value: string }>`select value from settings where name = 'before'`.execute(
      storage.db,
    );
    assert.equal(row.rows[0]?.value, 'committed');
    await blocker.query('COMMIT');
    await readyzBecomes(app, 200, CACHE_MS + 3000);
  } finally {
    await blocker.end().catch(() => {});
    await app.close();
    await storage.close();
  }
});
