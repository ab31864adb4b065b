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
 *
 * "Durable statements" in the benchmark are writes + transactions. On SIGUSR2 the counts so far are
 * written, synchronously, as JSON to the file BENCH_STATEMENTS_FILE names, with a sequence number,
 * so the benchmark can read them before and after a measured window.
 */
const file = process.env['BENCH_STATEMENTS_FILE'];
const counts = { seq: 0, writes: 0, transactions: 0, reads: 0, byTable: {} as Record<string, number> };

const WRITE = /^\s*(insert|update|delete|replace)\b/i;
const WITH_WRITE = /^\s*with\b[\s\S]*\b(insert\s+into|update\s+\S+\s+set|delete\s+from)\b/i;
const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
const CONTROL = /^\s*(commit|rollback|savepoint|release|end)\b/i;

function count(sql: unknown): void {
  if (typeof sql !== 'string') return;
  if (WRITE.test(sql) || WITH_WRITE.test(sql)) {
    counts.writes++;
    const key = /(insert\s+into|update|delete\s+from|replace\s+into)\s+("?[\w.]+"?)/i.exec(sql);
    const name = key ? `${key[1]!.toLowerCase().split(/\s+/)[0]} ${key[2]!.replaceAll('"', '')}` : 'other';
    counts.byTable[name] = (counts.byTable[name] ?? 0) + 1;
  } else if (BEGIN.test(sql)) counts.transactions++;
  else if (!CONTROL.test(sql)) counts.reads++;
}

for (const method of ['run', 'all', 'get', 'iterate'] as const) {
  const original = StatementSync.prototype[method] as (...a: unknown[]) => unknown;
  (StatementSync.prototype as unknown as Record<string, unknown>)[method] = function (
    this: StatementSync,
    ...a: unknown[]
  ) {
    count(this.sourceSQL);
    return original.apply(this, a);
  };
}

const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
(pg.Client.prototype as unknown as Record<string, unknown>)['query'] = function (
  this: pg.Client,
  ...a: unknown[]
) {
  const q = a[0];
  count(typeof q === 'string' ? q : (q as { text?: unknown } | undefined)?.text);
  return query.apply(this, a);
};

if (file) {
  process.on('SIGUSR2', () => {
    counts.seq++;
    writeFileSync(file, JSON.stringify(counts));
  });
}
