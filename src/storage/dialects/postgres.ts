import { PostgresDialect } from 'kysely';
import pg from 'pg';

// int8 (bigint, used for epoch-millisecond timestamps and counters) as a JS number: every value we
// store fits in 2^53. Without this, pg returns strings.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export interface PostgresOptions {
  connectionString: string;
  /** Schema to use as search_path (tests isolate themselves in their own schema). */
  schema?: string;
  max?: number;
}

export function openPostgres(opts: PostgresOptions): { dialect: PostgresDialect; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return { dialect: new PostgresDialect({ pool }), pool };
}
