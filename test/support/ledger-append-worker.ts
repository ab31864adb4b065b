/**
 * A separate process appending to a shared ledger, for the ledger's multi-process tests and
 * benchmark. Reads one JSON argument:
 *   { databaseUrl?, postgresSchema?, sqlitePath?, privateKeyJwk, origin, prefix, count, concurrency,
 *     checkpointEvery?, accounts? }
 * appends `count` synthetic records in waves of `concurrency` concurrent appends (signing a checkpoint
 * every `checkpointEvery` records when given), and prints one JSON line:
 *   { indices: number[], ms: number, batches: number, startedAt: number, endedAt: number, maxRssKiB: number }
 * (`startedAt` / `endedAt`: epoch milliseconds around the appends, for throughput across processes).
 */
import type { JsonWebKey } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createLedger } from '../../src/ledger/index.ts';
import { syntheticRecord } from '../../src/ledger/test-fixtures.ts';
import { openStorage } from '../../src/storage/index.ts';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  databaseUrl?: string;
  postgresSchema?: string;
  sqlitePath?: string;
  privateKeyJwk: JsonWebKey;
  origin: string;
  prefix: string;
  count: number;
  concurrency: number;
  checkpointEvery?: number;
  accounts?: number;
  offset?: number;
};

const storage = await openStorage(
  args.databaseUrl
    ? {
        databaseUrl: args.databaseUrl,
        ...(args.postgresSchema ? { postgresSchema: args.postgresSchema } : {}),
        poolSize: 4,
      }
    : { sqlitePath: args.sqlitePath ?? ':memory:' },
);
let batches = 0;
const ledger = createLedger({
  storage,
  signer: args.privateKeyJwk,
  origin: args.origin,
  onBatch: () => {
    batches++;
  },
});
const indices: number[] = [];
const startedAt = Date.now();
const started = performance.now();
const offset = args.offset ?? 0;
for (let done = 0; done < args.count; ) {
  const n = Math.min(args.concurrency, args.count - done);
  const wave = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      ledger.append(
        syntheticRecord(offset + done + i, { prefix: args.prefix, accounts: args.accounts ?? 1000 }),
      ),
    ),
  );
  for (const r of wave) indices.push(r.index);
  done += n;
  if (
    args.checkpointEvery &&
    Math.floor(done / args.checkpointEvery) > Math.floor((done - n) / args.checkpointEvery)
  ) {
    await ledger.checkpoint();
  }
}
const ms = performance.now() - started;
const endedAt = Date.now();
await ledger.close();
await storage.close();
const maxRssKiB = process.resourceUsage().maxRSS;
process.stdout.write(`${JSON.stringify({ indices, ms, batches, startedAt, endedAt, maxRssKiB })}\n`);
