import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  children,
  type HubProcess,
  serviceLogin,
  startHubProcess,
  stopHubProcess,
} from '../faults/support.ts';
import { freePort, type TestHub } from '../support/hub.ts';
import { newKey, TestRp } from '../support/rp.ts';
import { createDatabase, kek, operatorHub, query, ROOT } from './support.ts';

/**
 * What docs/deploy.md says about migrations during a rolling upgrade, tested on PostgreSQL:
 * - processes of one version starting at once on a fresh database migrate it once (Kysely's migrator
 *   takes a PostgreSQL advisory lock and runs the migrations in one transaction);
 * - a process already running keeps serving after a newer release added a migration (every migration
 *   so far only adds: checked below, file by file);
 * - a process that starts against a database migrated by a newer release refuses to start: the
 *   migrator finds a migration it does not know.
 */

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const MIGRATIONS = join(ROOT, 'src/storage/migrations');

test('every migration only adds (tables, nullable columns, indexes, values for the columns it adds): what the rolling-upgrade section of docs/deploy.md relies on', () => {
  const files = readdirSync(MIGRATIONS).filter((f) => /^\d{4}-.*\.ts$/.test(f));
  assert.ok(files.length >= 14, files.join(', '));
  for (const f of files) {
    const code = readFileSync(join(MIGRATIONS, f), 'utf8');
    const destructive =
      /\.(dropTable|dropColumn|renameColumn|renameTo|alterColumn|modifyColumn|dropIndex|deleteFrom)\(|\b(DROP|RENAME|ALTER\s+COLUMN|DELETE\s+FROM|UPDATE\s+\w+\s+SET)\b/;
    assert.doesNotMatch(
      code,
      destructive,
      `${f} changes or removes something: a process of the previous release may break while the new one runs. Say so in the "Upgrades" section of docs/deploy.md (two releases: expand, then contract) and update this test`,
    );
    // Filling in existing rows is allowed only for columns the same migration adds (0003 approves the
    // clients operators registered before client approval existed).
    for (const m of code.matchAll(/\.updateTable\('(\w+)'\)\s*\.set\(\{([^}]*)\}\)/g)) {
      const added = new Set(
        [...code.matchAll(new RegExp(`alterTable\\('${m[1]}'\\)\\s*\\.addColumn\\('(\\w+)'`, 'g'))].map(
          (a) => a[1],
        ),
      );
      for (const [, column] of m[2]!.matchAll(/(\w+)\s*:/g)) {
        assert.ok(added.has(column!), `${f} updates ${m[1]}.${column}, a column it does not add`);
      }
    }
    // A column added NOT NULL without a default breaks the previous release's inserts.
    for (const m of code.matchAll(/\.addColumn\(([^;]*?)\)\s*(?=\.|;)/gs)) {
      const before = code.slice(0, m.index);
      const onExistingTable = before.lastIndexOf('alterTable(') > before.lastIndexOf('createTable(');
      if (onExistingTable && /notNull\(\)/.test(m[1]!) && !/defaultTo\(/.test(m[1]!)) {
        assert.fail(`${f}: a NOT NULL column without a default added to an existing table: ${m[0]}`);
      }
    }
  }
});

test('rolling upgrade on PostgreSQL: concurrent starts migrate once; a running process survives a newer migration; a restarted old process refuses to start', {
  timeout: 180_000,
}, async () => {
  const db = await createDatabase('govbridge_deploy_migrations');
  cleanups.push(() => db.drop());
  const publicUrl = `http://127.0.0.1:${await freePort()}`;
  const shared = {
    NODE_ENV: 'test',
    GOVBRIDGE_PUBLIC_URL: publicUrl,
    DATABASE_URL: db.url,
    GOVBRIDGE_KEY_ENCRYPTION_KEY: kek(),
    GOVBRIDGE_COOKIE_SECRET: kek(),
    GOVBRIDGE_DEMO_SERVICES: 'false',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  // Two processes of one release start at once on the empty database.
  const [portA, portB] = [new URL(publicUrl).port, String(await freePort())];
  const [a, b]: HubProcess[] = await Promise.all([
    startHubProcess('A', { ...shared, PORT: portA }),
    startHubProcess('B', { ...shared, PORT: portB }),
  ]);
  cleanups.push(() => stopHubProcess(a));
  cleanups.push(() => stopHubProcess(b));
  const applied = await query<{ name: string }>(db.url, 'SELECT name FROM kysely_migration ORDER BY name');
  const known = readdirSync(MIGRATIONS)
    .filter((f) => /^\d{4}-.*\.ts$/.test(f))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  assert.deepEqual(
    applied.map((r) => r.name),
    known,
    'each migration applied once',
  );

  // The operator registers a service (as the CLI would: a process of this release, opening the
  // database, which migrates it — nothing left to do).
  const operator: TestHub = await operatorHub({
    ...shared,
    GOVBRIDGE_SIMULATORS: 'false',
    GOVBRIDGE_NOTIFICATION_WORKER: 'false',
  });
  const key = await newKey();
  const clientId = 'rp-rolling';
  const redirectUri = `https://${clientId}.rp.example/callback`;
  await operator.ctx.clients.register(TestRp.metadata({}, key, clientId, redirectUri));
  await operator.close();

  // A newer release migrates: an additive change, recorded as a migration this code does not know.
  await query(db.url, 'ALTER TABLE releases ADD COLUMN from_a_newer_release text');
  await query(db.url, 'CREATE TABLE from_a_newer_release (id text PRIMARY KEY)');
  await query(
    db.url,
    `INSERT INTO kysely_migration (name, timestamp) VALUES ('9999-from-a-newer-release', '${new Date().toISOString()}')`,
  );

  // Process A, still running, serves a whole login (its release row goes to the changed table).
  const rp = new TestRp({ url: publicUrl } as TestHub, clientId, redirectUri, key, await newKey());
  await serviceLogin(rp);
  const releases = await query<{ n: string }>(
    db.url,
    `SELECT count(*) AS n FROM releases WHERE client_id = '${clientId}'`,
  );
  assert.equal(Number(releases[0]?.n), 1);

  // Anything of this release that opens the database now refuses: the CLI (the operator's
  // composition root, as `npm run cli` opens it)…
  await assert.rejects(
    operatorHub({ ...shared, GOVBRIDGE_SIMULATORS: 'false', GOVBRIDGE_NOTIFICATION_WORKER: 'false' }),
    /Database migration failed/,
  );
  // …and process B, restarted.
  await stopHubProcess(b);
  await assert.rejects(startHubProcess('B again', { ...shared, PORT: portB }), (err: Error) => {
    assert.match(err.message, /govbridge could not start: Database migration failed/);
    return true;
  });
});
