import { GovbridgeError, isGovbridgeError } from '../kernel/index.ts';

/**
 * "The database is unavailable": the one place that recognises a driver error as an outage rather
 * than a bug or a client's mistake, for both databases.
 *
 * Every query goes through `withUnavailableErrors()` (./classifying-dialect.ts), which turns such an
 * error into `GovbridgeError('database_unavailable')` (503, not exposed). The web layer maps that
 * code once (src/web/errors.ts) to the GOV.UK "service unavailable" page or a problem+json 503, each
 * with `Retry-After`; background loops use `isDatabaseUnavailable()` to pause instead of failing.
 *
 * What counts (a request may succeed if simply tried again later, once the database is back):
 * - PostgreSQL: administrator or crash shutdown and "starting up / shutting down"
 *   (57P01, 57P02, 57P03), every connection exception (class 08), disk full (53100), too many
 *   connections (53300), a read-only server after a fail-over (25006);
 * - the network under the driver: ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, EHOSTUNREACH,
 *   ENETUNREACH, EAI_AGAIN;
 * - pg's own "Connection terminated …", "… is not queryable" and pg-pool's
 *   "timeout exceeded when trying to connect";
 * - SQLite at run time: SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_BUSY, SQLITE_CANTOPEN
 *   (node:sqlite reports them as `errcode`, possibly extended: the primary code is the low byte).
 *
 * Constraint violations, syntax errors and everything else are NOT unavailability: they stay as
 * they are (a 500 when nothing handles them, because they are bugs).
 */

export type UnavailableReason =
  | 'connection_lost'
  | 'server_shutdown'
  | 'server_starting'
  | 'connect_timeout'
  | 'disk_full'
  | 'read_only'
  | 'io_error'
  | 'busy'
  | 'cannot_open'
  | 'too_many_connections';

export interface DatabaseUnavailable {
  /** The driver's own code: a SQLSTATE (`57P01`), an errno name (`ECONNREFUSED`), `SQLITE_FULL`, … */
  readonly driverCode: string;
  readonly reason: UnavailableReason;
}

const SQLSTATE: Record<string, UnavailableReason> = {
  '57P01': 'server_shutdown', // admin_shutdown (pg_ctl stop -m fast, pg_terminate_backend)
  '57P02': 'server_shutdown', // crash_shutdown (another backend crashed, or -m immediate)
  '57P03': 'server_starting', // cannot_connect_now (starting up, shutting down, in recovery)
  '53100': 'disk_full',
  '53300': 'too_many_connections',
  '25006': 'read_only', // read_only_sql_transaction: a standby after a fail-over
};

const ERRNO: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** SQLite primary result codes (https://www.sqlite.org/rescode.html). */
const SQLITE: Record<number, { name: string; reason: UnavailableReason }> = {
  5: { name: 'SQLITE_BUSY', reason: 'busy' },
  8: { name: 'SQLITE_READONLY', reason: 'read_only' },
  10: { name: 'SQLITE_IOERR', reason: 'io_error' },
  13: { name: 'SQLITE_FULL', reason: 'disk_full' },
  14: { name: 'SQLITE_CANTOPEN', reason: 'cannot_open' },
};

/** Messages of pg / pg-pool / Kysely that carry no code but mean "this connection is gone". */
const MESSAGES: ReadonlyArray<[RegExp, string, UnavailableReason]> = [
  [/^Connection terminated/, 'PG_CONNECTION_TERMINATED', 'connection_lost'],
  [/is not queryable$/, 'PG_NOT_QUERYABLE', 'connection_lost'],
  [/^timeout exceeded when trying to connect$/, 'PG_POOL_TIMEOUT', 'connect_timeout'],
  [/^Query read timeout$/, 'PG_QUERY_TIMEOUT', 'connect_timeout'],
  [/^Postgres connection has been discarded$/, 'PG_CONNECTION_DISCARDED', 'connection_lost'],
];

function classifyOne(err: object): DatabaseUnavailable | undefined {
  const e = err as { code?: unknown; errcode?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === 'string') {
    const sqlstate = e.code;
    const fromTable = SQLSTATE[sqlstate];
    if (fromTable) return { driverCode: sqlstate, reason: fromTable };
    if (/^08[0-9A-Z]{3}$/.test(sqlstate)) return { driverCode: sqlstate, reason: 'connection_lost' };
    if (ERRNO.has(sqlstate)) return { driverCode: sqlstate, reason: 'connection_lost' };
  }
  if (typeof e.errcode === 'number' && e.code === 'ERR_SQLITE_ERROR') {
    const primary = SQLITE[e.errcode & 0xff];
    if (primary) return { driverCode: primary.name, reason: primary.reason };
  }
  if (typeof e.message === 'string') {
    for (const [pattern, driverCode, reason] of MESSAGES) {
      if (pattern.test(e.message)) return { driverCode, reason };
    }
  }
  return undefined;
}

/**
 * If `err` (or its `cause` chain, or an AggregateError's members) says the database is unavailable:
 * the driver's code and a reason; otherwise undefined. Also recognises an error this module made.
 */
export function classifyDatabaseError(err: unknown): DatabaseUnavailable | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth++) {
    if (isGovbridgeError(current) && current.code === 'database_unavailable') {
      const driverCode = current.detail?.['driverCode'];
      const reason = current.detail?.['reason'];
      return {
        driverCode: typeof driverCode === 'string' ? driverCode : 'unknown',
        reason: typeof reason === 'string' ? (reason as UnavailableReason) : 'connection_lost',
      };
    }
    const found = classifyOne(current);
    if (found) return found;
    const members = (current as { errors?: unknown }).errors;
    if (Array.isArray(members)) {
      for (const m of members.slice(0, 8)) {
        if (m !== null && typeof m === 'object') {
          const inner = classifyOne(m);
          if (inner) return inner;
        }
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * True when `err` (or its `cause` chain) is the `database_unavailable` error that every query
 * raises during an outage. Only errors that came through storage count: an agency's HTTP
 * ECONNREFUSED in the same catch block is not a database outage.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth++) {
    if (isGovbridgeError(current) && current.code === 'database_unavailable') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * `err` as `GovbridgeError('database_unavailable')` when it is an outage (the raw error becomes the
 * `cause`, which reaches only the logs); any other error unchanged.
 */
export function toDatabaseUnavailableError(err: unknown): unknown {
  if (isGovbridgeError(err) && err.code === 'database_unavailable') return err;
  const found = classifyDatabaseError(err);
  if (!found) return err;
  return new GovbridgeError('database_unavailable', `The database is unavailable (${found.driverCode})`, {
    status: 503,
    expose: false,
    cause: err,
    detail: { driverCode: found.driverCode, reason: found.reason },
  });
}

/** The logger surface an OutageTracker needs (pino's, or anything alike). */
export interface OutageLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  /** The "back again" line; without it, that line is a warn too. */
  info?(obj: Record<string, unknown>, msg: string): void;
}

/**
 * For a background loop (delivery worker, checkpoint timer, sweeps): pause while the database is
 * away, with backoff, and log the outage once — when it begins and when it ends — not once per tick.
 *
 *   if (!tracker.due()) return;          // paused: skip this tick
 *   try { await work(); tracker.succeeded(); }
 *   catch (err) { if (!tracker.failed(err)) throw err; }   // false: not an outage, handle as before
 */
export class OutageTracker {
  readonly #log: OutageLogger | undefined;
  readonly #what: string;
  readonly #baseMs: number;
  readonly #maxMs: number;
  #since: number | undefined;
  #failures = 0;
  #nextAt = 0;
  #dbError: string | undefined;

  constructor(log: OutageLogger | undefined, what: string, opts: { baseMs?: number; maxMs?: number } = {}) {
    this.#log = log;
    this.#what = what;
    this.#baseMs = opts.baseMs ?? 250;
    this.#maxMs = opts.maxMs ?? 5000;
  }

  /** True while the database is known to be away. */
  get down(): boolean {
    return this.#since !== undefined;
  }

  /** Whether the loop should try now (always, unless an outage asked it to wait). */
  due(now = Date.now()): boolean {
    return now >= this.#nextAt;
  }

  /** How long to wait before the next try (0 when not in an outage). */
  delayMs(now = Date.now()): number {
    return Math.max(0, this.#nextAt - now);
  }

  /**
   * Record a failure. Returns true (and schedules the next try with backoff) when it is a database
   * outage; false for any other error, which the caller handles as it always did.
   */
  failed(err: unknown, now = Date.now()): boolean {
    if (!isDatabaseUnavailable(err)) return false;
    this.#failures++;
    const delay = Math.min(this.#maxMs, this.#baseMs * 2 ** Math.min(this.#failures - 1, 10));
    this.#nextAt = now + delay;
    if (this.#since === undefined) {
      this.#since = now;
      this.#dbError = classifyDatabaseError(err)?.driverCode;
      this.#log?.warn(
        { errorCode: 'database_unavailable', dbError: this.#dbError, work: this.#what },
        `database unavailable: ${this.#what} paused until it is back`,
      );
    }
    return true;
  }

  /** Record a success: ends an outage (logged once, with how long it lasted). */
  succeeded(now = Date.now()): void {
    if (this.#since !== undefined && this.#log) {
      const log = this.#log;
      (log.info ? log.info.bind(log) : log.warn.bind(log))(
        {
          errorCode: 'database_available',
          work: this.#what,
          outageMs: now - this.#since,
          tries: this.#failures,
        },
        `database available again: ${this.#what} resumed`,
      );
    }
    this.#since = undefined;
    this.#failures = 0;
    this.#nextAt = 0;
    this.#dbError = undefined;
  }
}
