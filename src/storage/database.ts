import { Kysely, sql, type Transaction } from 'kysely';
import { Migrator } from 'kysely/migration';
import { GovbridgeError } from '../kernel/index.ts';
import { withUnavailableErrors } from './classifying-dialect.ts';
import { openPostgres } from './dialects/postgres.ts';
import { assertSqliteDiskSpace, openSqlite, sqliteStartError } from './dialects/sqlite.ts';
import { migrationProvider } from './migrations/index.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

/** What differs between the databases, named as capabilities rather than `if (sqlite)` branches. */
export interface StorageCapabilities {
  readonly dialect: 'sqlite' | 'postgres';
  /** `SELECT … FOR UPDATE SKIP LOCKED` is available (PostgreSQL). SQLite has one writer instead. */
  readonly skipLocked: boolean;
  /**
   * One bound parameter carries a whole column as an array (PostgreSQL: `unnest($1::bigint[])`), so a
   * bulk insert or a lookup by many keys is one short statement. SQLite has no arrays: multi-row
   * VALUES and IN / OR lists instead.
   */
  readonly arrayParameters: boolean;
  /**
   * How one transaction's commit is made durable when the default is not: `transaction` — a setting
   * local to the transaction (PostgreSQL `SET LOCAL synchronous_commit = on`); `connection` — a
   * setting of the connection, changed around the transaction (SQLite `PRAGMA synchronous = FULL`).
   */
  readonly durableCommit: 'transaction' | 'connection';
  /**
   * A transaction reads one snapshot without asking (SQLite in WAL). Otherwise it must ask for
   * REPEATABLE READ (PostgreSQL's default, READ COMMITTED, sees other commits statement by statement).
   */
  readonly snapshotTransactions: boolean;
}

export interface Storage {
  readonly db: Db;
  readonly capabilities: StorageCapabilities;
  /** Run `fn` in one transaction. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Cheap liveness query for /readyz. */
  ping(): Promise<void>;
  /**
   * For /readyz: the database answers AND accepts a write. A full disk, a read-only file or a
   * read-only server after a fail-over leave reads working while every confirm fails. One small
   * upsert into `settings` (row `readiness_probe`); on SQLite also the free space of the file's
   * file system (a disk with no space left is full even while a small write still fits in the WAL).
   * Rejects with `database_unavailable` when writes fail. Callers cache the outcome (src/web/health.ts).
   */
  ready(): Promise<void>;
  close(): Promise<void>;
  /**
   * The PostgreSQL connection pool right now (for metrics, read at each scrape); undefined on SQLite,
   * which has no pool.
   */
  poolStats(): PoolStats | undefined;
}

/** A connection pool's occupancy: connections checked out, idle, and queries waiting for one. */
export interface PoolStats {
  inUse: number;
  idle: number;
  waiting: number;
  /** The most connections the pool opens (`poolSize`, else 10). */
  max: number;
}

export interface StorageOptions {
  /** postgres:// URL; when absent, SQLite at `sqlitePath`. */
  databaseUrl?: string | undefined;
  sqlitePath?: string;
  /** PostgreSQL schema (search_path); created if missing. Tests isolate themselves this way. */
  postgresSchema?: string;
  poolSize?: number;
}

export async function openStorage(opts: StorageOptions): Promise<Storage> {
  let db: Db;
  let capabilities: StorageCapabilities;
  let poolStats: () => PoolStats | undefined = () => undefined;
  if (opts.databaseUrl) {
    if (opts.postgresSchema) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(opts.postgresSchema)) {
        throw new GovbridgeError('storage_error', 'PostgreSQL schema name must be a lower-case identifier');
      }
      const boot = openPostgres({ connectionString: opts.databaseUrl, max: 1 });
      try {
        await boot.pool.query(`CREATE SCHEMA IF NOT EXISTS ${opts.postgresSchema}`);
      } finally {
        await boot.pool.end();
      }
    }
    const { dialect, pool } = openPostgres({
      connectionString: opts.databaseUrl,
      ...(opts.postgresSchema ? { schema: opts.postgresSchema } : {}),
      ...(opts.poolSize ? { max: opts.poolSize } : {}),
    });
    poolStats = () => ({
      inUse: pool.totalCount - pool.idleCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: pool.options.max,
    });
    db = new Kysely<Database>({ dialect: withUnavailableErrors(dialect) });
    capabilities = {
      dialect: 'postgres',
      skipLocked: true,
      arrayParameters: true,
      durableCommit: 'transaction',
      snapshotTransactions: false,
    };
  } else {
    const { dialect } = openSqlite(opts.sqlitePath ?? ':memory:');
    db = new Kysely<Database>({ dialect: withUnavailableErrors(dialect) });
    capabilities = {
      dialect: 'sqlite',
      skipLocked: false,
      arrayParameters: false,
      durableCommit: 'connection',
      snapshotTransactions: true,
    };
  }
  try {
    await migrate(db, opts.databaseUrl ? opts.postgresSchema : undefined);
  } catch (cause) {
    await db.destroy();
    // SQLite: name the file and why it cannot be written (disk full, read-only, …), not just "failed".
    if (!opts.databaseUrl && opts.sqlitePath && opts.sqlitePath !== ':memory:') {
      throw sqliteStartError(opts.sqlitePath, 'cannot be brought up to date (migrations)', cause);
    }
    throw new GovbridgeError('storage_error', 'Database migration failed', { cause, expose: false });
  }
  return {
    db,
    capabilities,
    transaction: (fn) => db.transaction().execute(fn),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    ready: async () => {
      if (!opts.databaseUrl && opts.sqlitePath && opts.sqlitePath !== ':memory:') {
        assertSqliteDiskSpace(opts.sqlitePath);
      }
      const value = String(Date.now());
      await db
        .insertInto('settings')
        .values({ name: 'readiness_probe', value })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
        .execute();
    },
    close: () => db.destroy(),
    poolStats,
  };
}

async function migrate(db: Db, schema: string | undefined): Promise<void> {
  // With an explicit schema the migrator must be told: its "does the table exist" check looks at
  // every schema, not only the search_path.
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  // Kysely's migrator introspects the tables of EVERY schema. When another schema is dropped at the
  // same moment (another tenant, or another test on a shared database), that introspection can fail
  // with "schema … does not exist" (SQLSTATE 3F000) or a vanished relation (42P01) that has nothing
  // to do with ours: try again, a few times.
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) return;
    const code = (error as { code?: unknown }).code;
    if (attempt >= 4 || (code !== '3F000' && code !== '42P01')) throw error;
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
}
