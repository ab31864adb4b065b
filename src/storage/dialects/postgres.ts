import { PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { classifyDatabaseError } from '../unavailable.ts';

// int8 (bigint, used for epoch-millisecond timestamps and counters) as a JS number: every value we
// store fits in 2^53. Without this, pg returns strings.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export interface PostgresOptions {
  connectionString: string;
  /** Schema to use as search_path (tests isolate themselves in their own schema). */
  schema?: string;
  max?: number;
  /**
   * How long a query may wait for a connection (a free one from the pool, or a new one) before it
   * fails as "database unavailable". A stopped server refuses at once; this bounds the cases that
   * would otherwise wait for ever (a server that accepts but does not answer, an exhausted pool).
   */
  connectionTimeoutMillis?: number;
}

export const DEFAULT_CONNECTION_TIMEOUT_MS = 5000;

/**
 * A PostgreSQL pool that no database error can take the process down with.
 *
 * - pg's `Pool` listens for 'error' only on IDLE clients. A client that is checked out (a
 *   transaction waiting for the application) and receives "terminating connection due to
 *   administrator command" (57P01) emits 'error' with no listener: an uncaught exception that ends
 *   the process (issue 10, 8 of 8 restarts). Every client gets its own permanent listener on
 *   'connect', so checked-out clients are covered too; the failure reaches the query in flight (or
 *   the next one) as an error instead.
 * - A client that failed that way is released WITH an error, so the pool destroys it instead of
 *   handing a dead connection to the next request. (Kysely releases without one; the adapter below
 *   adds it.)
 */
export function openPostgres(opts: PostgresOptions): { dialect: PostgresDialect; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectionTimeoutMillis ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    // Notice a dead peer (a pulled cable, a failed-over host) instead of waiting on a silent socket.
    keepAlive: true,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  const broken = new WeakSet<pg.PoolClient>();
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {
      broken.add(client);
    });
  });
  return { dialect: new PostgresDialect({ pool: new DiscardingPool(pool, broken) }), pool };
}

/** The subset of pg's Pool that Kysely uses, releasing broken clients with an error. */
class DiscardingPool implements PostgresPool {
  readonly #pool: pg.Pool;
  readonly #broken: WeakSet<pg.PoolClient>;
  readonly #clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();

  constructor(pool: pg.Pool, broken: WeakSet<pg.PoolClient>) {
    this.#pool = pool;
    this.#broken = broken;
  }

  get options(): object {
    return this.#pool.options;
  }

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.#pool.connect();
    let wrapped = this.#clients.get(client);
    if (!wrapped) {
      wrapped = this.#wrap(client);
      this.#clients.set(client, wrapped);
    }
    return wrapped;
  }

  #wrap(client: pg.PoolClient): PostgresPoolClient {
    const broken = this.#broken;
    const query = async (sql: string, parameters: readonly unknown[]) => {
      try {
        return await client.query(sql, parameters as unknown[]);
      } catch (err) {
        if (classifyDatabaseError(err)) broken.add(client);
        throw err;
      }
    };
    return {
      query,
      release: (destroy?: boolean) => {
        // The pool destroys a client released with an error (pg-pool `_release`).
        client.release(destroy || broken.has(client) ? new Error('connection discarded') : undefined);
      },
      get processID() {
        return (client as unknown as { processID?: number }).processID;
      },
    } as unknown as PostgresPoolClient;
  }

  end(): Promise<void> {
    return this.#pool.end();
  }
}
