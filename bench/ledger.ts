import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { sql } from 'kysely';
import { createLedger, type Ledger, verifyConsistency, verifyReceipt } from '../src/ledger/index.ts';
import { syntheticRecord } from '../src/ledger/test-fixtures.ts';
import { openStorage, type Storage } from '../src/storage/index.ts';
import { machineBusyMs } from './processes.ts';

/**
 * `npm run bench:ledger` — the transparency ledger's budgets (issue "Data security"):
 *  1. appends/s with durable commits, in this process at several numbers of concurrent callers,
 *     and from several processes appending to the same database at once;
 *  2. the log built to --entries (default 1,000,000) through the real append path, throughput per
 *     100,000 entries (does it hold as the tree grows?);
 *  3. at that size: inclusion proofs (target < 1 ms), receipts, consistency proofs — p50/p99;
 *  4. the integrity check over the whole log; 5. peak RSS, database size.
 * Durable means: SQLite in WAL with synchronous = FULL for every ledger transaction (the WAL is
 * synced at each commit), PostgreSQL with synchronous_commit = on (and the server's fsync, reported).
 * Every figure is printed with the load average at that moment, and the append windows with the
 * cores kept busy over the window — the whole machine's (from /proc/stat; PostgreSQL's backends
 * included) and this process's: the machine is shared with other people's test suites.
 */

const ROOT = resolve(import.meta.dirname, '..');
const PG_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const WORKER = join(ROOT, 'test/support/ledger-append-worker.ts');
const ORIGIN = 'bench.govbridge.example/ledger';
const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite,postgres' },
    entries: { type: 'string', default: '1000000' },
    levels: { type: 'string', default: '1,64,1024' },
    window: { type: 'string', default: '30000' },
    processes: { type: 'string', default: '2' },
    'per-process': { type: 'string', default: '30000' },
    proofs: { type: 'string', default: '20000' },
    'max-batch': { type: 'string', default: '1000' },
    integrity: { type: 'boolean', default: true },
    'no-integrity': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(`npm run bench:ledger -- [options]
  --db sqlite,postgres   databases (PostgreSQL at BENCH_DATABASE_URL or ${PG_URL})
  --entries N            size to build the log to before measuring proofs (default 1000000)
  --levels 1,64,1024     concurrent in-process callers for the append windows
  --window N             appends per window (default 30000; 1000 at concurrency 1)
  --processes P          processes appending at once in the multi-process window (default 2; 0 skips)
  --per-process N        appends per process there (default 30000)
  --proofs N             inclusion proofs measured (default 20000; consistency and receipts: N/4)
  --max-batch N          most appends per group commit (default 1000)
  --no-integrity         skip the full integrity check
  --quick                100,000 entries, smaller windows
  --json FILE            also write the results as JSON
`);
  process.exit(0);
}
const quick = args.quick;
const ENTRIES = quick ? 100_000 : Number(args.entries);
const LEVELS = args.levels.split(',').map(Number);
const WINDOW = quick ? 10_000 : Number(args.window);
const PROCESSES = Number(args.processes);
const PER_PROCESS = quick ? 10_000 : Number(args['per-process']);
const PROOFS = quick ? 5_000 : Number(args.proofs);
const MAX_BATCH = Number(args['max-batch']);
/** About two entries per citizen: most appends create a citizen's salt, as a young log would. */
const ACCOUNTS = Math.max(1000, Math.floor(ENTRIES / 2));

const load = () => loadavg()[0]!.toFixed(2);
const rssMiB = () => (process.memoryUsage().rss / 1048576).toFixed(0);
const peakMiB = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
function summary(samples: number[]): { p50: number; p99: number; max: number; mean: number } {
  const s = Float64Array.from(samples).sort();
  return {
    p50: percentile(s, 0.5),
    p99: percentile(s, 0.99),
    max: s[s.length - 1]!,
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
}
function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

interface Db {
  name: 'sqlite' | 'postgres';
  open: () => Promise<Storage>;
  where: { databaseUrl?: string; postgresSchema?: string; sqlitePath?: string };
  size: (s: Storage) => Promise<number>;
  cleanup: (s: Storage) => Promise<void>;
}

function sqliteDb(): Db {
  const dir = mkdtempSync(join(tmpdir(), 'govbridge-bench-ledger-'));
  const sqlitePath = join(dir, 'ledger.db');
  return {
    name: 'sqlite',
    open: () => openStorage({ sqlitePath }),
    where: { sqlitePath },
    size: async () => ['', '-wal'].reduce((a, ext) => a + (statSafe(`${sqlitePath}${ext}`) ?? 0), 0),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
function statSafe(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}
function postgresDb(): Db {
  const postgresSchema = `bench_ledger_${randomBytes(4).toString('hex')}`;
  return {
    name: 'postgres',
    open: () => openStorage({ databaseUrl: PG_URL, postgresSchema, poolSize: 5 }),
    where: { databaseUrl: PG_URL, postgresSchema },
    size: async (s) => {
      const r = await sql<{ n: string }>`select sum(pg_total_relation_size(c.oid))::text as n from pg_class c
        join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${postgresSchema} and c.relkind = 'r'`.execute(
        s.db,
      );
      return Number(r.rows[0]?.n ?? 0);
    },
    cleanup: async (s) => {
      await sql.raw(`drop schema if exists ${postgresSchema} cascade`).execute(s.db);
    },
  };
}

const results: Record<string, unknown>[] = [];
function record(row: Record<string, unknown>): void {
  results.push({ ...row, load1: Number(load()) });
}

/** `count` appends by `concurrency` callers, each awaiting its own append before the next. */
async function appendWindow(
  ledger: Ledger,
  from: number,
  count: number,
  concurrency: number,
  stats: { batches: number },
) {
  const latencies: number[] = [];
  let next = from;
  const end = from + count;
  const batchesBefore = stats.batches;
  const busyBefore = machineBusyMs();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < end) {
        const n = next++;
        const t = performance.now();
        await ledger.append(syntheticRecord(n, { accounts: ACCOUNTS, prefix: 'bench' }));
        latencies.push(performance.now() - t);
      }
    }),
  );
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    perSecond: (count / ms) * 1000,
    ms,
    latency: summary(latencies),
    batches: stats.batches - batchesBefore,
    machineCores: (machineBusyMs() - busyBefore) / ms,
    ownCores: (cpu.user + cpu.system) / 1000 / ms,
  };
}

async function benchDb(db: Db): Promise<void> {
  out(`\n## ${db.name}`);
  const storage = await db.open();
  const { privateKey } = generateKeyPairSync('ed25519');
  const stats = { batches: 0 };
  const ledger = createLedger({
    storage,
    signer: privateKey,
    origin: ORIGIN,
    maxBatch: MAX_BATCH,
    onBatch: () => {
      stats.batches++;
    },
  });
  try {
    if (db.name === 'postgres') {
      const r = await sql<{ fsync: string }>`show fsync`.execute(storage.db);
      const c = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(storage.db);
      out(
        `server: fsync=${r.rows[0]?.fsync}, synchronous_commit=${c.rows[0]?.synchronous_commit} (the ledger sets it on for its own transactions)`,
      );
    } else {
      out('SQLite: WAL, synchronous=FULL for each ledger transaction');
    }

    // 1. Append windows at several concurrencies.
    out(
      '\n| callers | appends | appends/s | p50 ms | p99 ms | transactions | entries/transaction | busy cores: machine / this process | load |',
    );
    out('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    let size = 0;
    for (const k of LEVELS) {
      const count = k === 1 ? Math.min(1000, WINDOW) : WINDOW;
      const w = await appendWindow(ledger, size, count, k, stats);
      size += count;
      out(
        `| ${k} | ${fmt(count)} | ${fmt(w.perSecond)} | ${fmt(w.latency.p50, 1)} | ${fmt(w.latency.p99, 1)} | ${w.batches} | ${fmt(count / w.batches, 0)} | ${fmt(w.machineCores, 2)} / ${fmt(w.ownCores, 2)} | ${load()} |`,
      );
      record({
        db: db.name,
        phase: 'append',
        callers: k,
        appends: count,
        perSecond: w.perSecond,
        p50: w.latency.p50,
        p99: w.latency.p99,
        transactions: w.batches,
        machineCores: w.machineCores,
        ownCores: w.ownCores,
      });
    }

    // 2. Several processes at once, on the same database.
    if (PROCESSES > 0) {
      const privateKeyJwk = privateKey.export({ format: 'jwk' });
      const started = Date.now();
      const workers = await Promise.all(
        Array.from({ length: PROCESSES }, (_, p) =>
          run(
            process.execPath,
            [
              WORKER,
              JSON.stringify({
                ...db.where,
                privateKeyJwk,
                origin: ORIGIN,
                prefix: `proc${p}`,
                count: PER_PROCESS,
                concurrency: 512,
                accounts: ACCOUNTS,
                offset: size,
              }),
            ],
            { maxBuffer: 64 * 1024 * 1024 },
          ).then(
            ({ stdout }) =>
              JSON.parse(stdout.trim().split('\n').at(-1)!) as {
                startedAt: number;
                endedAt: number;
                batches: number;
                maxRssKiB: number;
              },
          ),
        ),
      );
      const first = Math.min(...workers.map((w) => w.startedAt));
      const last = Math.max(...workers.map((w) => w.endedAt));
      const total = PROCESSES * PER_PROCESS;
      const perSecond = (total / (last - first)) * 1000;
      size += total;
      out(
        `\n${PROCESSES} processes × ${fmt(PER_PROCESS)} appends (512 callers each) at once: ${fmt(perSecond)} appends/s together ` +
          `(${fmt(last - first)} ms from the first start to the last end, ${workers.reduce((a, w) => a + w.batches, 0)} transactions, ` +
          `worker peak RSS ${workers.map((w) => (w.maxRssKiB / 1024).toFixed(0)).join(' / ')} MiB; spawn to done ${fmt(Date.now() - started)} ms), load ${load()}`,
      );
      record({ db: db.name, phase: 'processes', processes: PROCESSES, appends: total, perSecond });
    }
    await ledger.verifyIntegrity().catch((e: Error) => {
      throw new Error(`integrity after the concurrent windows: ${e.message}`);
    });

    // 3. Build to ENTRIES through the real append path.
    out(`\nBuilding to ${fmt(ENTRIES)} entries (1,024 callers):`);
    out('\n| entries | appends/s (this 100k) | busy cores: machine / this process | load | RSS MiB |');
    out('| --- | --- | --- | --- | --- |');
    const buildStarted = performance.now();
    const builtFrom = size;
    while (size < ENTRIES) {
      const step = Math.min(100_000 - (size % 100_000), ENTRIES - size);
      const w = await appendWindow(ledger, size, step, 1024, stats);
      size += step;
      out(
        `| ${fmt(size)} | ${fmt(w.perSecond)} | ${fmt(w.machineCores, 2)} / ${fmt(w.ownCores, 2)} | ${load()} | ${rssMiB()} |`,
      );
      record({ db: db.name, phase: 'build', entries: size, perSecond: w.perSecond });
    }
    const buildPerSecond = ((size - builtFrom) / (performance.now() - buildStarted)) * 1000;
    out(`\nsustained over the build: ${fmt(buildPerSecond)} appends/s (${fmt(size - builtFrom)} appends)`);
    record({ db: db.name, phase: 'build-total', appends: size - builtFrom, perSecond: buildPerSecond });

    // 4. Proofs at that size.
    const cpStarted = performance.now();
    const cp = await ledger.checkpoint();
    const cpMs = performance.now() - cpStarted;
    const n = cp.size;
    const rand = (m: number) => Math.floor(Math.random() * m);
    for (let i = 0; i < 200; i++) await ledger.inclusionProof(rand(n), n); // warm-up
    const incl: number[] = [];
    for (let i = 0; i < PROOFS; i++) {
      const idx = rand(n);
      const t = performance.now();
      await ledger.inclusionProof(idx, n);
      incl.push(performance.now() - t);
    }
    const receipts: number[] = [];
    let verified = 0;
    for (let i = 0; i < PROOFS / 4; i++) {
      const idx = rand(n);
      const t = performance.now();
      const r = await ledger.receipt(idx);
      receipts.push(performance.now() - t);
      if (i % 50 === 0 && verifyReceipt(r, ledger.verifierKey).ok) verified++;
    }
    const cons: number[] = [];
    const old = await ledger.checkpointAt(n);
    for (let i = 0; i < PROOFS / 4; i++) {
      const m = 1 + rand(n - 1);
      const t = performance.now();
      await ledger.consistencyProof(m, n);
      cons.push(performance.now() - t);
    }
    const proofLength = (await ledger.inclusionProof(rand(n), n)).hashes.length;
    const consOk = verifyConsistency(
      old!.note,
      cp.note,
      (await ledger.consistencyProof(n, n)).hashes,
      ledger.verifierKey,
    ).ok;
    const si = summary(incl);
    const sr = summary(receipts);
    const sc = summary(cons);
    out(`\nAt ${fmt(n)} entries (checkpoint signed in ${fmt(cpMs, 1)} ms), load ${load()}:`);
    out('\n| operation | count | p50 ms | p99 ms | max ms |');
    out('| --- | --- | --- | --- | --- |');
    out(
      `| inclusion proof (${proofLength} hashes) | ${fmt(PROOFS)} | ${fmt(si.p50, 3)} | ${fmt(si.p99, 3)} | ${fmt(si.max, 2)} |`,
    );
    out(
      `| receipt (entry + proof + checkpoint) | ${fmt(PROOFS / 4)} | ${fmt(sr.p50, 3)} | ${fmt(sr.p99, 3)} | ${fmt(sr.max, 2)} |`,
    );
    out(
      `| consistency proof (random m → n) | ${fmt(PROOFS / 4)} | ${fmt(sc.p50, 3)} | ${fmt(sc.p99, 3)} | ${fmt(sc.max, 2)} |`,
    );
    out(
      `(sampled receipts verified offline: ${verified}/${Math.ceil(PROOFS / 4 / 50)}; consistency check ${consOk ? 'ok' : 'FAILED'})`,
    );
    record({ db: db.name, phase: 'proofs', entries: n, inclusion: si, receipt: sr, consistency: sc });

    // 5. Integrity over everything.
    if (args.integrity && !args['no-integrity']) {
      const report = await ledger.verifyIntegrity();
      out(
        `\nverifyIntegrity: ${fmt(report.size)} entries, ${fmt(report.nodes)} nodes, ${report.checkpoints} checkpoints in ${fmt(report.durationMs / 1000, 1)} s ` +
          `(${fmt((report.size / report.durationMs) * 1000)} entries/s), load ${load()}`,
      );
      record({ db: db.name, phase: 'integrity', entries: report.size, ms: report.durationMs });
    }
    const bytes = await db.size(storage);
    out(
      `\ndatabase size: ${fmt(bytes / 1048576)} MiB (${fmt(bytes / size)} bytes per entry); this process: RSS ${rssMiB()} MiB, peak ${peakMiB()} MiB`,
    );
    record({ db: db.name, phase: 'size', bytes, peakRssMiB: Number(peakMiB()) });
  } finally {
    await ledger.close();
    await db.cleanup(storage);
    await storage.close();
  }
}

out(`# bench:ledger — ${new Date().toISOString()}`);
out(
  `${cpus().length} vCPU (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; ` +
    `entries ${fmt(ENTRIES)}, ${fmt(ACCOUNTS)} citizens, max batch ${MAX_BATCH}; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
try {
  for (const name of args.db.split(',')) {
    await benchDb(name === 'postgres' ? postgresDb() : sqliteDb());
  }
  out(`\npeak RSS of this process over the run: ${peakMiB()} MiB`);
  if (args.json)
    writeFileSync(
      args.json,
      JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2),
    );
} catch (error) {
  process.stderr.write(`bench:ledger failed: ${(error as Error).stack}\n`);
  process.exit(1);
}
