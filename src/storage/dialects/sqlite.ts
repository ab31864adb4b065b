import { accessSync, constants, mkdirSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import {
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type SqliteStatement,
} from 'kysely';
import { GovbridgeError } from '../../kernel/index.ts';

/**
 * Kysely's SqliteDialect speaks a small better-sqlite3-shaped interface. This adapts Node's built-in
 * `node:sqlite` (nothing to compile) to it. node:sqlite binds neither booleans nor `undefined`, so
 * parameters are normalised: booleans to 0/1, undefined to NULL.
 */
function bind(params: ReadonlyArray<unknown>): SQLInputValue[] {
  return params.map((p) => {
    if (p === undefined) return null;
    if (typeof p === 'boolean') return p ? 1 : 0;
    if (p instanceof Date) return p.getTime();
    return p as SQLInputValue;
  });
}

class NodeSqliteStatement implements SqliteStatement {
  readonly #stmt: StatementSync;
  readonly reader: boolean;
  constructor(stmt: StatementSync) {
    this.#stmt = stmt;
    this.reader = stmt.columns().length > 0;
  }
  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#stmt.all(...bind(parameters));
  }
  run(parameters: ReadonlyArray<unknown>) {
    const r = this.#stmt.run(...bind(parameters));
    return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
  }
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#stmt.iterate(...bind(parameters)) as IterableIterator<unknown>;
  }
}

/**
 * Kysely's SQLite driver, except that ROLLBACK is only sent when a transaction is open.
 *
 * When a COMMIT fails because the disk is full (in WAL mode that is where most writes reach the disk),
 * SQLite has already rolled the transaction back. Kysely then sends ROLLBACK, which fails with
 * "cannot rollback - no transaction is active", and throws THAT instead of the commit's error: the
 * log said "cannot rollback" and never "database or disk is full". Not sending the pointless
 * ROLLBACK lets the real error through.
 */
class NodeSqliteDriver extends SqliteDriver {
  readonly #raw: DatabaseSync;
  constructor(config: SqliteDialectConfig, raw: DatabaseSync) {
    super(config);
    this.#raw = raw;
  }
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!this.#raw.isTransaction) return;
    await super.rollbackTransaction(connection);
  }
}

/**
 * Kysely's SQLite adapter, except that it says what SQLite does: DDL is transactional (CREATE, ALTER
 * and DROP roll back with the transaction that ran them). Kysely's own adapter says it is not, so its
 * migrator ran the pending migrations without a transaction, statement by statement: a disk that
 * filled up in the middle of a migration left some of its tables and columns created and the
 * migration not recorded, and every later start failed on "table … already exists" even with space
 * back. With this, the migrator runs all pending migrations in one transaction: all or nothing.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class NodeSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #raw: DatabaseSync;
  constructor(config: SqliteDialectConfig, raw: DatabaseSync) {
    super(config);
    this.#config = config;
    this.#raw = raw;
  }
  override createDriver(): Driver {
    return new NodeSqliteDriver(this.#config, this.#raw);
  }
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

export function openSqlite(path: string): { dialect: SqliteDialect; raw: DatabaseSync } {
  let raw: DatabaseSync;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    raw = new DatabaseSync(path, { timeout: 5000 });
  } catch (err) {
    throw sqliteStartError(path, 'cannot be opened', err);
  }
  try {
    // WAL: readers never block the one writer; NORMAL sync is durable across process crashes in WAL.
    raw.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
  } catch (err) {
    raw.close();
    throw sqliteStartError(path, 'cannot be opened', err);
  }
  const cache = new Map<string, NodeSqliteStatement>();
  const database: SqliteDatabase = {
    close: () => raw.close(),
    prepare(sql: string) {
      let s = cache.get(sql);
      if (!s) {
        s = new NodeSqliteStatement(raw.prepare(sql));
        if (cache.size > 500) cache.clear();
        cache.set(sql, s);
      }
      return s;
    },
  };
  return { dialect: new NodeSqliteDialect({ database }, raw), raw };
}

/**
 * A start-up failure of the SQLite file as one sentence an operator can act on: which file, what is
 * wrong with it (`explainSqliteFailure`). `what` says what failed ("cannot be opened", "cannot be
 * migrated"). The error's `detail` carries the absolute path and a stable `reason`; the setting that
 * chose the path is named by whoever knows it (src/server.ts).
 */
export function sqliteStartError(path: string, what: string, err: unknown): GovbridgeError {
  const file = resolve(path);
  const { reason, explanation } = explainSqliteFailure(path, err);
  return new GovbridgeError('storage_error', `The SQLite database ${file} ${what}: ${explanation}`, {
    expose: false,
    cause: err,
    detail: { sqlitePath: file, reason },
  });
}

export type SqliteFailureReason =
  | 'disk_full'
  | 'read_only_file_system'
  | 'read_only_file'
  | 'read_only_directory'
  | 'not_a_file'
  | 'not_a_directory'
  | 'missing_directory'
  | 'permission_denied'
  | 'other';

/**
 * Why the SQLite file at `path` could not be opened or written, from the error and from looking at
 * the file and its directory. SQLite itself says only "unable to open database file" or "attempt to
 * write a readonly database", without the path or which of several causes it met.
 */
export function explainSqliteFailure(
  path: string,
  err: unknown,
): { reason: SqliteFailureReason; explanation: string } {
  const file = resolve(path);
  const dir = dirname(file);
  const e = driverError(err);
  const said = sqliteSaid(e);

  if (e.code === 'ENOSPC' || (typeof e.errcode === 'number' && (e.errcode & 0xff) === 13)) {
    return { reason: 'disk_full', explanation: `the disk is full (${freeSpace(dir)}) — ${said}` };
  }
  // Creating the directory failed (Node's own errno errors): look at the nearest part that exists.
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && !statOrUndefined(dir)?.isDirectory()) {
    return explainMissingDirectory(dir);
  }
  const fileStat = statOrUndefined(file);
  if (fileStat?.isDirectory()) {
    return { reason: 'not_a_file', explanation: 'it is a directory, not a file' };
  }
  if (fileStat && !fileStat.isFile()) {
    return { reason: 'not_a_file', explanation: 'it is not a regular file' };
  }
  const dirStat = statOrUndefined(dir);
  if (!dirStat) {
    return { reason: 'missing_directory', explanation: `the directory ${dir} does not exist — ${said}` };
  }
  if (!dirStat.isDirectory()) {
    return { reason: 'not_a_directory', explanation: `${dir} is not a directory` };
  }
  if (fileStat) {
    const fileAccess = accessError(file, constants.R_OK | constants.W_OK);
    if (fileAccess === 'EROFS') {
      return {
        reason: 'read_only_file_system',
        explanation: `the file system holding it is mounted read-only`,
      };
    }
    if (fileAccess === 'EPERM') {
      return {
        reason: 'read_only_file',
        explanation: 'the file is immutable (chattr +i): it cannot be written',
      };
    }
    if (fileAccess === 'EACCES') {
      return {
        reason: 'read_only_file',
        explanation: `this process (uid ${process.getuid?.() ?? '?'}) may not read and write the file (mode ${modeOf(fileStat.mode)}, owner uid ${fileStat.uid}) — permission denied`,
      };
    }
  }
  // SQLite writes its -wal and -shm files (and a new database file) next to the database file.
  const dirAccess = accessError(dir, constants.W_OK | constants.X_OK);
  if (dirAccess === 'EROFS') {
    return {
      reason: 'read_only_file_system',
      explanation: `the directory ${dir} is on a read-only file system (SQLite must create files next to the database)`,
    };
  }
  if (dirAccess === 'EACCES' || dirAccess === 'EPERM') {
    return {
      reason: 'read_only_directory',
      explanation: `this process (uid ${process.getuid?.() ?? '?'}) may not create files in the directory ${dir} (mode ${modeOf(dirStat.mode)}, owner uid ${dirStat.uid}${dirAccess === 'EPERM' ? ', immutable' : ''}), which SQLite needs for the database and its -wal and -shm files — permission denied`,
    };
  }
  if (typeof e.errcode === 'number' && (e.errcode & 0xff) === 8) {
    return { reason: 'read_only_file', explanation: `the database is read-only — ${said}` };
  }
  return { reason: 'other', explanation: said };
}

function explainMissingDirectory(dir: string): { reason: SqliteFailureReason; explanation: string } {
  let ancestor = dir;
  let stat = statOrUndefined(ancestor);
  while (!stat && dirname(ancestor) !== ancestor) {
    ancestor = dirname(ancestor);
    stat = statOrUndefined(ancestor);
  }
  const cannot = `the directory ${dir} does not exist and cannot be created`;
  if (stat && !stat.isDirectory()) {
    return { reason: 'not_a_directory', explanation: `${cannot}: ${ancestor} is a file, not a directory` };
  }
  const access = accessError(ancestor, constants.W_OK | constants.X_OK);
  if (access === 'EROFS') {
    return {
      reason: 'read_only_file_system',
      explanation: `${cannot}: ${ancestor} is on a read-only file system`,
    };
  }
  if (access === 'EACCES' || access === 'EPERM') {
    return {
      reason: 'missing_directory',
      explanation: `${cannot}: this process (uid ${process.getuid?.() ?? '?'}) may not create directories in ${ancestor} — permission denied`,
    };
  }
  return { reason: 'missing_directory', explanation: cannot };
}

type DriverError = { code?: unknown; errcode?: unknown; errstr?: unknown; message?: unknown };

/** The driver's or the OS's own error inside `err`'s `cause` chain (storage wraps it on the way up). */
function driverError(err: unknown): DriverError {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth++) {
    const c = current as DriverError & { cause?: unknown };
    if (typeof c.errcode === 'number') return c;
    if (typeof c.code === 'string' && /^E[A-Z]+$/.test(c.code)) return c;
    current = c.cause;
  }
  return (err ?? {}) as DriverError;
}

function sqliteSaid(e: { errcode?: unknown; errstr?: unknown; message?: unknown }): string {
  const message = typeof e.message === 'string' && e.message ? e.message : 'unknown error';
  return typeof e.errcode === 'number' ? `SQLite said "${message}" (code ${e.errcode})` : message;
}

function statOrUndefined(p: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

function accessError(p: string, mode: number): string | undefined {
  try {
    accessSync(p, mode);
    return undefined;
  } catch (err) {
    return String((err as { code?: unknown }).code ?? 'unknown');
  }
}

function modeOf(mode: number | bigint): string {
  return (Number(mode) & 0o777).toString(8).padStart(3, '0');
}

/** Below this many free bytes the file system of a SQLite file counts as full (see `ready()`). */
export const SQLITE_MIN_FREE_BYTES = 64 * 1024;

/**
 * Throws `database_unavailable` (disk_full) when the file system holding the SQLite file has less
 * than SQLITE_MIN_FREE_BYTES left for this process (root may use the blocks reserved for root).
 * One statfs call: cheap enough for every readiness probe.
 */
export function assertSqliteDiskSpace(path: string): void {
  const dir = dirname(resolve(path));
  let free: number;
  try {
    const s = statfsSync(dir);
    free = Number(process.getuid?.() === 0 ? s.bfree : s.bavail) * Number(s.bsize);
  } catch {
    return; // Not knowable here; the write probe still tells.
  }
  if (free < SQLITE_MIN_FREE_BYTES) {
    throw new GovbridgeError(
      'database_unavailable',
      `The disk holding the SQLite database is full (${free} bytes free on the file system of ${dir})`,
      { status: 503, expose: false, detail: { driverCode: 'ENOSPC', reason: 'disk_full' } },
    );
  }
}

function freeSpace(dir: string): string {
  try {
    const s = statfsSync(dir);
    return `${Number(s.bavail) * Number(s.bsize)} bytes free of ${Number(s.blocks) * Number(s.bsize)} on the file system of ${dir}`;
  } catch {
    return `free space of ${dir} unknown`;
  }
}
