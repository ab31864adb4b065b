import { writeFileSync } from 'node:fs';
import { StatementSync } from 'node:sqlite';
import pg from 'pg';

/**
 * Preloaded into the hub by `bench:login` (`node --import ./bench/count-statements.ts`): counts the
 * SQL statements the hub sends, at the drivers (node:sqlite's prepared statements, pg's
 * `Client.query`), so nothing the storage layer, the provider adapter or raw SQL does escapes it.
 *
 *   writes        INSERT, UPDATE, DELETE, REPLACE (and a WITH … that writes)
 *   transactions  BEGIN (each explicit transaction once)
 *   reads         everything else except transaction control
 *   byTable       writes by statement kind and table ("insert upstream_logins")
 *   explained     with BENCH_EXPLAIN_STATEMENTS=1 only: every statement by kind and table, and for
 *                 oidc-provider's artefacts by model ("select oidc_artefacts Interaction"), reads
 *                 included; the model is read from the statement's parameters
 *
 * "Durable statements" in the benchmark are writes + transactions. On SIGUSR2 the counts so far are
 * written, synchronously, as JSON to the file BENCH_STATEMENTS_FILE names, with a sequence number,
 * so the benchmark can read them before and after a measured window.
 */
const file = process.env['BENCH_STATEMENTS_FILE'];
const explain = process.env['BENCH_EXPLAIN_STATEMENTS'] === '1';
const counts = {
  seq: 0,
  writes: 0,
  transactions: 0,
  reads: 0,
  byTable: {} as Record<string, number>,
  explained: {} as Record<string, number>,
};

const WRITE = /^\s*(insert|update|delete|replace)\b/i;
/** The statement a write is, and its table: `UPDATE t [AS a] SET` (never `FOR UPDATE SKIP LOCKED`). */
const TARGET =
  /\b(?:(insert\s+into|delete\s+from|replace\s+into)\s+("?[\w.]+"?)|(update)\s+("?[\w.]+"?)(?:\s+(?:as\s+)?\w+)?\s+set\b)/i;
const WITH_WRITE = /^\s*with\b/i;
const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
const CONTROL = /^\s*(commit|rollback|savepoint|release|end)\b/i;
/** oidc-provider's models (the `model` column of oidc_artefacts). */
const MODELS = new Set([
  'Session',
  'Interaction',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
]);

const bare = (name: string): string => name.replaceAll('"', '').replace(/^\w+\./, '');

/** "insert oidc_artefacts Grant", "select accounts", "with-insert releases" … */
/** ["insert", "upstream_logins"] for a write, from its first INSERT INTO / UPDATE … SET / DELETE FROM. */
function target(sql: string): [string, string] | undefined {
  const w = TARGET.exec(sql);
  if (!w) return undefined;
  return [(w[1] ?? w[3]!).toLowerCase().split(/\s+/)[0]!, bare(w[2] ?? w[4]!)];
}

function describe(sql: string, params: readonly unknown[], write: boolean): string {
  let kind: string;
  let table: string | undefined;
  if (write) {
    const w = target(sql);
    kind = `${WITH_WRITE.test(sql) ? 'with-' : ''}${w ? w[0] : 'write'}`;
    table = w?.[1];
  } else {
    kind = (/^\s*(\w+)/.exec(sql)?.[1] ?? 'other').toLowerCase();
    const f = /\bfrom\s+("?[\w.]+"?)/i.exec(sql);
    table = f ? bare(f[1]!) : undefined;
  }
  const model =
    table === 'oidc_artefacts'
      ? params.flat().find((p): p is string => typeof p === 'string' && MODELS.has(p))
      : undefined;
  return [kind, table ?? '?', model].filter(Boolean).join(' ');
}

function count(sql: unknown, params: readonly unknown[]): void {
  if (typeof sql !== 'string') return;
  const write = WRITE.test(sql) || (WITH_WRITE.test(sql) && TARGET.test(sql));
  if (write) {
    counts.writes++;
    const w = target(sql);
    const name = w ? `${w[0]} ${w[1]}` : 'other';
    counts.byTable[name] = (counts.byTable[name] ?? 0) + 1;
  } else if (BEGIN.test(sql)) counts.transactions++;
  else if (CONTROL.test(sql)) return;
  else counts.reads++;
  if (explain) {
    const name = BEGIN.test(sql) ? 'begin' : describe(sql, params, write);
    counts.explained[name] = (counts.explained[name] ?? 0) + 1;
  }
}

for (const method of ['run', 'all', 'get', 'iterate'] as const) {
  const original = StatementSync.prototype[method] as (...a: unknown[]) => unknown;
  (StatementSync.prototype as unknown as Record<string, unknown>)[method] = function (
    this: StatementSync,
    ...a: unknown[]
  ) {
    count(this.sourceSQL, a);
    return original.apply(this, a);
  };
}

const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
(pg.Client.prototype as unknown as Record<string, unknown>)['query'] = function (
  this: pg.Client,
  ...a: unknown[]
) {
  const q = a[0];
  if (typeof q === 'string') count(q, Array.isArray(a[1]) ? a[1] : []);
  else {
    const config = q as { text?: unknown; values?: unknown } | undefined;
    count(config?.text, Array.isArray(config?.values) ? config.values : Array.isArray(a[1]) ? a[1] : []);
  }
  return query.apply(this, a);
};

if (file) {
  process.on('SIGUSR2', () => {
    counts.seq++;
    writeFileSync(file, JSON.stringify(counts));
  });
}
