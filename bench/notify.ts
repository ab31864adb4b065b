import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { loadConfig } from '../src/config/index.ts';
import { keyFromBase64url } from '../src/kernel/index.ts';
import { AgencyRegistry, ReportService } from '../src/notifications/index.ts';
import { openStorage, type Storage } from '../src/storage/index.ts';
import { loadTrustFramework } from '../src/trust/index.ts';
import { MOVE_FIELDS, now, type Times, writeSteadily } from './notify-load.ts';
import { connectionPorts, cpuMs, freePort, machineBusyMs } from './processes.ts';

/**
 * `npm run bench:notify`: Tell Us Once deliveries end to end — a report accepted (ReportService
 * commits the report and one notification per agency) → a hub process's DeliveryWorker claims,
 * encrypts, signs and POSTs each → the agency's receiver acknowledges — to local receivers, on SQLite
 * with one hub process and on PostgreSQL with two, and, on the same PostgreSQL, pg-boss moving the
 * same number of jobs (send → work → complete) as a baseline.
 *
 * Processes: the hub processes (bench/notify-hub.ts: the hub as `npm start` builds it, plus a report
 * writer driven over IPC, so reports are accepted in the hub processes as in production, each its
 * share), the receivers (bench/notify-receivers.ts, one process, one port per agency,
 * de-duplicating by Idempotency-Key), PostgreSQL, pg-boss worker processes
 * (bench/notify-pgboss-worker.ts) for the baseline, and this process: it paces the windows, inserts
 * the pg-boss jobs, and with --writer external writes the reports itself through a ReportService.
 *
 * Per window: reports written at a steady rate (open loop); deliveries/s; p50/p99/max of the delay
 * from the moment the report was handed to submit (in the writing process) to "receiver
 * acknowledged" (in the receivers' process), and p50/p99 of the writer's own wait (handed to submit →
 * submit resolved); a loss check (every notification the window wrote is delivered, and each was
 * received exactly once after de-duplication); duplicates dropped; CPU per delivery of each process,
 * PostgreSQL's backends included; statements per report, counted at the drivers in the hub processes
 * (bench/count-statements.ts). A "backlog" window writes reports with no worker running (one hub
 * process: its writer alone, so statements and CPU per report written), then starts the workers and
 * measures how fast they drain it: the highest delivery rate, report writing excluded.
 *
 * ONE clock for every latency and rate: the kernel's monotonic clock, read in each process where the
 * event happens (`now()` in notify-load.ts; `checkOneClock` checks at start that every spawned
 * process reads the same one). pg-boss without a POST has no receiver: its delays are PostgreSQL's
 * clock at both ends (the job's created_on → completed_on), and so is its rate. A latency below zero
 * is a broken measurement: the benchmark stops instead of printing it. The delay is not measured from
 * "accepted": the writer sees submit resolve only after the commit (and the ledger append) and once
 * its event loop gets round to it, while a worker may already have delivered, so "accepted →
 * acknowledged" can be negative with every clock right (the −128 / −21 ms printed on 7 December).
 *
 * Exits 0 when the benchmark ran (whether or not a target was met), 1 when it broke.
 */

const ROOT = resolve(import.meta.dirname, '..');
process.chdir(ROOT);
const PG_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const PG_PORT = Number(new URL(PG_URL).port || 5432);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(PG_URL).hostname)) {
  throw new Error('the benchmark talks to a PostgreSQL on this machine only (127.0.0.1)');
}
const TARGETS = { deliveriesPerSecond: 2000, p99Ms: 1000 };
/** Longest wait for a window's deliveries after its last report. */
const DRAIN_LIMIT_MS = 120_000;

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite,postgres' },
    rates: { type: 'string', default: '1000,1500,2000,2500' },
    // NOTIFY_BENCH_SECONDS: a short run without changing the command (e.g. 3 on a busy machine).
    seconds: { type: 'string', default: process.env['NOTIFY_BENCH_SECONDS'] ?? '10' },
    agencies: { type: 'string', default: '4' },
    backlog: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '1000' },
    'pg-processes': { type: 'string', default: '2' },
    'sqlite-processes': { type: 'string', default: '1' },
    concurrency: { type: 'string' },
    writer: { type: 'string', default: 'hub' },
    'writer-in-flight': { type: 'string', default: '32' },
    'poll-ms': { type: 'string' },
    'pg-boss': { type: 'string', default: 'none,post,envelope' },
    'pg-boss-batch': { type: 'string', default: '32' },
    'pg-boss-local-concurrency': { type: 'string', default: '2' },
    'cpu-prof': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`npm run bench:notify -- [options]
  --db LIST              sqlite,postgres (default both; PostgreSQL at ${PG_URL}, or BENCH_DATABASE_URL)
  --rates LIST           steady offered rates, deliveries/s (reports/s × agencies)
                         (default 1000,1500,2000,2500)
  --seconds N            length of each steady window (default 10, or NOTIFY_BENCH_SECONDS)
  --agencies N           agencies told of each report (default 4)
  --backlog N            notifications written before the workers start, to measure the maximum rate
                         (default 20000; 0 to skip)
  --warmup N             notifications delivered before measuring (default 1000)
  --sqlite-processes N   hub processes on SQLite (default 1)
  --pg-processes N       hub processes (and pg-boss worker processes) on PostgreSQL (default 2)
  --writer hub|external  who writes the reports (ReportService.submit): the hub processes, each its
                         share, as behind a load balancer (default; the report nudges that process's
                         worker), or this process on the same database (nobody nudges the workers)
  --writer-in-flight N   reports being submitted at once in each hub process (concurrent citizens;
                         default 32); the external writer uses 16 (PostgreSQL) or 1 (SQLite)
  --concurrency N        GOVBRIDGE_NOTIFICATION_CONCURRENCY for the hubs (default: the hub's default)
  --poll-ms N            GOVBRIDGE_NOTIFICATION_POLL_MS for the hubs (default: the hub's default)
  --pg-boss LIST         pg-boss baseline handlers: none (queue only), post (plain JSON POST),
                         envelope (POST of the hub's signed and encrypted envelope); "skip" for none
  --pg-boss-batch N      pg-boss batchSize per fetch (default 32)
  --pg-boss-local-concurrency N   pg-boss localConcurrency per process (default 2)
  --cpu-prof             hub processes write V8 CPU profiles (in the run's temporary directory;
                         summarise with node bench/profile-summary.ts FILE)
  --quick                shorter windows (5 s, backlog 8000, warm-up 500)
  --json FILE            also write the results as JSON
`);
  process.exit(0);
}

function int(value: string, what: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > 10_000_000)
    throw new Error(`${what} must be a whole number ≥ ${min}`);
  return n;
}
if (args.writer !== 'hub' && args.writer !== 'external') throw new Error('--writer must be hub or external');
const dbs = args.db.split(',').map((s) => s.trim()) as Array<'sqlite' | 'postgres'>;
for (const d of dbs) if (d !== 'sqlite' && d !== 'postgres') throw new Error(`unknown database ${d}`);
const rates = args.rates.split(',').map((r) => int(r.trim(), '--rates'));
const seconds = args.quick ? 5 : int(args.seconds, '--seconds');
const AGENCIES = int(args.agencies, '--agencies');
const backlog = args.quick ? 8000 : int(args.backlog, '--backlog', 0);
const warmup = args.quick ? 500 : int(args.warmup, '--warmup', 0);
const processesFor = {
  sqlite: int(args['sqlite-processes'], '--sqlite-processes'),
  postgres: int(args['pg-processes'], '--pg-processes'),
};
const bossModes =
  args['pg-boss'] === 'skip' ? [] : (args['pg-boss'].split(',').map((s) => s.trim()) as BossMode[]);
for (const m of bossModes)
  if (!['none', 'post', 'envelope'].includes(m)) throw new Error(`unknown pg-boss mode ${m}`);
type BossMode = 'none' | 'post' | 'envelope';

const tmp = mkdtempSync(join(tmpdir(), 'govbridge-bench-notify-'));
const children = new Set<HubProcess>();
const cleanups: Array<() => Promise<void>> = [];
const log = (line: string) => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// The receivers' process.

interface Collected {
  unique: number;
  duplicates: number;
  requests: number;
  records?: Array<[string, string, number]>;
}

class Receivers {
  readonly child: ChildProcess;
  readonly ports: number[];
  #waiting: Array<(m: unknown) => void> = [];

  private constructor(child: ChildProcess, ports: number[]) {
    this.child = child;
    this.ports = ports;
    child.on('message', (m) => this.#waiting.shift()?.(m));
  }

  static async start(agencies: number): Promise<Receivers> {
    const child = spawn(process.execPath, ['bench/notify-receivers.ts', String(agencies)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ports = await new Promise<number[]>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { ports: number[] }).ports));
      child.once('exit', (code) => reject(new Error(`receivers exited (${code})`)));
    });
    return new Receivers(child, ports);
  }

  #ask<T>(cmd: string): Promise<T> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve as (m: unknown) => void);
      this.child.send({ cmd });
    });
  }
  count = () => this.#ask<Collected>('count');
  collect = () => this.#ask<Required<Collected>>('collect');
  reset = () => this.#ask<unknown>('reset');
  clock = () => this.#ask<{ now: number }>('clock');
  cpuMs = () => cpuMs(this.child.pid!);
}

// ---------------------------------------------------------------------------------------------
// Measuring.

interface Row {
  system: string;
  /** How the workers were configured. */
  setup: string;
  db: 'sqlite' | 'postgres';
  processes: number;
  /** steady: reports written at a fixed rate while the workers run; backlog: written first, then drained. */
  window: 'steady' | 'backlog';
  offeredPerSecond: number | undefined;
  notifications: number;
  /** Reports/s × agencies the load generator actually wrote (steady windows). */
  writtenPerSecond: number | undefined;
  deliveriesPerSecond: number;
  /**
   * End to end: from the moment the report was handed to ReportService.submit (or pg-boss `insert`)
   * to the receiver's acknowledgement, on the one clock (pg-boss without a POST: created_on →
   * completed_on, PostgreSQL's clock at both ends).
   */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The writer's wait: handed to submit → submit resolved, in the writing process. */
  acceptP50Ms: number;
  acceptP99Ms: number;
  /**
   * Statements the hub processes sent per report (counted at the drivers). Steady windows: the hub
   * processes as a whole, writing and delivering; backlog windows: the writer alone (worker off).
   */
  statements: StatementsPerReport | undefined;
  /** Backlog windows: CPU of the writing hub process (worker off) per report written. */
  writerCpuMsPerReport: number | undefined;
  /** …and of the PostgreSQL backends serving it. */
  writerPostgresCpuMsPerReport: number | undefined;
  duplicates: number;
  lost: number;
  workerCpuMsPerDelivery: number | undefined;
  /** Of which for the workers' queries (the rest: the load generator's writes). */
  postgresCpuMsPerDelivery: number | undefined;
  postgresForWorkersCpuMsPerDelivery: number | undefined;
  loadgenCpuMsPerDelivery: number | undefined;
  receiversCpuMsPerDelivery: number | undefined;
  otherCores: number | undefined;
  loadAverage: string;
}

interface StatementCounts {
  seq: number;
  writes: number;
  transactions: number;
  reads: number;
  byTable: Record<string, number>;
}

interface StatementsPerReport {
  /** writes + transactions (BEGIN): what has to reach the disk. */
  durable: number;
  writes: number;
  transactions: number;
  reads: number;
  /** Writes by kind and table ("insert reports", "with-insert reports", "update notifications"). */
  byTable: Record<string, number>;
}

const ZERO_COUNTS: StatementCounts = { seq: 0, writes: 0, transactions: 0, reads: 0, byTable: {} };

function addCounts(a: StatementCounts, b: StatementCounts): StatementCounts {
  const byTable = { ...a.byTable };
  for (const [k, n] of Object.entries(b.byTable)) byTable[k] = (byTable[k] ?? 0) + n;
  return {
    seq: 0,
    writes: a.writes + b.writes,
    transactions: a.transactions + b.transactions,
    reads: a.reads + b.reads,
    byTable,
  };
}

function perReport(after: StatementCounts, before: StatementCounts, reports: number): StatementsPerReport {
  const byTable: Record<string, number> = {};
  for (const [k, n] of Object.entries(after.byTable)) {
    const d = n - (before.byTable[k] ?? 0);
    if (d > 0) byTable[k] = d / reports;
  }
  const writes = (after.writes - before.writes) / reports;
  const transactions = (after.transactions - before.transactions) / reports;
  return {
    durable: writes + transactions,
    writes,
    transactions,
    reads: (after.reads - before.reads) / reports,
    byTable,
  };
}

/**
 * Durations (ms) sorted, after checking each: a latency below zero (or not a number) means the two
 * ends were not read on one clock or not in causal order — a broken measurement. The benchmark
 * stops rather than print it.
 */
function checkedDurations(what: string, values: number[]): number[] {
  for (const v of values) {
    if (!(v >= 0)) {
      throw new Error(
        `${what}: a latency of ${v} ms — negative or not a number, so the benchmark measured it wrongly; refusing to print it`,
      );
    }
  }
  return values.sort((a, b) => a - b);
}

/** A rate over a span of the one clock; a span that is not positive is a broken measurement. */
function checkedRate(what: string, count: number, fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) throw new Error(`${what}: a rate over ${toMs - fromMs} ms; refusing to print it`);
  return count / ((toMs - fromMs) / 1000);
}

/**
 * Every process that timestamps events reads the benchmark's one clock: its reading, asked over IPC,
 * falls between this process's readings before and after asking. Fails otherwise.
 */
async function checkOneClock(name: string, ask: () => Promise<{ now: number }>): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const before = now();
    const { now: theirs } = await ask();
    const after = now();
    if (!(theirs >= before && theirs <= after)) {
      throw new Error(
        `${name} reads another clock: ${theirs} not within [${before}, ${after}] (ms, CLOCK_MONOTONIC)`,
      );
    }
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const la = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** CPU of the PostgreSQL backends serving these processes, by backend pid. */
async function backendCpu(
  client: pg.Client | undefined,
  pids: readonly number[],
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!client) return out;
  const ports = pids.flatMap((p) => {
    try {
      return connectionPorts(p, PG_PORT);
    } catch {
      return [];
    }
  });
  if (ports.length === 0) return out;
  const { rows } = await client.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE client_addr IN ('127.0.0.1', '::1') AND client_port = ANY($1::int[])",
    [ports],
  );
  for (const { pid } of rows) {
    try {
      out.set(pid, cpuMs(pid));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/** CPU counters of every process in the benchmark, to be subtracted at the end of a window. */
async function cpuSnapshot(o: {
  workers: readonly number[];
  receivers: Receivers;
  postgres: pg.Client | undefined;
}) {
  const workers = new Map(o.workers.map((p) => [p, cpuMs(p)]));
  const backends = await backendCpu(o.postgres, o.workers);
  const writerBackends = await backendCpu(o.postgres, [process.pid]);
  return {
    workers,
    backends,
    writerBackends,
    receivers: o.receivers.cpuMs(),
    self: process.cpuUsage(),
    machine: machineBusyMs(),
    t: now(),
  };
}

async function cpuSince(
  s0: Awaited<ReturnType<typeof cpuSnapshot>>,
  o: { workers: readonly number[]; receivers: Receivers; postgres: pg.Client | undefined },
  deliveries: number,
) {
  let workers = 0;
  for (const p of o.workers) workers += cpuMs(p) - (s0.workers.get(p) ?? 0);
  let workerBackends = 0;
  for (const [pid, ms] of await backendCpu(o.postgres, o.workers))
    workerBackends += ms - (s0.backends.get(pid) ?? 0);
  let writerBackends = 0;
  for (const [pid, ms] of await backendCpu(o.postgres, [process.pid]))
    writerBackends += ms - (s0.writerBackends.get(pid) ?? 0);
  const backends = workerBackends + writerBackends;
  const receivers = o.receivers.cpuMs() - s0.receivers;
  const self = process.cpuUsage(s0.self);
  const selfMs = (self.user + self.system) / 1000;
  const machine = machineBusyMs() - s0.machine;
  const wallMs = now() - s0.t;
  return {
    workerCpuMsPerDelivery: workers / deliveries,
    postgresCpuMsPerDelivery: o.postgres ? backends / deliveries : undefined,
    postgresForWorkersCpuMsPerDelivery: o.postgres ? workerBackends / deliveries : undefined,
    loadgenCpuMsPerDelivery: selfMs / deliveries,
    receiversCpuMsPerDelivery: receivers / deliveries,
    otherCores: Math.max(0, machine - workers - backends - receivers - selfMs) / wallMs,
  };
}

/** Wait until the receivers hold `expected` unique keys (or fail after DRAIN_LIMIT_MS). */
async function awaitReceived(receivers: Receivers, expected: number, what: string): Promise<void> {
  const deadline = now() + DRAIN_LIMIT_MS;
  let last = -1;
  let lastChange = now();
  for (;;) {
    const c = await receivers.count();
    if (c.unique >= expected) return;
    if (c.unique !== last) {
      last = c.unique;
      lastChange = now();
    }
    if (now() > deadline || now() - lastChange > 30_000) {
      throw new Error(`${what}: ${c.unique} of ${expected} notifications received; gave up`);
    }
    await sleep(25);
  }
}

interface Latencies {
  /** From the moment the report was handed to submit to the acknowledgement, sorted. */
  sorted: number[];
  /** The writer's wait per report (handed to submit → resolved), sorted. */
  accept: number[];
  firstAck: number;
  lastAck: number;
  /** When the first report of the window was handed to submit. */
  firstSubmitted: number;
}

/**
 * Delays per unique key received, matched by subject: submit → acknowledgement, and the writer's
 * wait. All on the one clock; checked not to be negative.
 */
function latencies(
  what: string,
  records: ReadonlyArray<[string, string, number]>,
  accepted: Map<string, Times>,
): Latencies {
  const out: number[] = [];
  let firstAck = Number.POSITIVE_INFINITY;
  let lastAck = 0;
  for (const [, subject, at] of records) {
    const t = accepted.get(subject);
    if (t === undefined)
      throw new Error(`received a notification for ${subject}, which this window did not write`);
    out.push(at - t[0]);
    firstAck = Math.min(firstAck, at);
    lastAck = Math.max(lastAck, at);
  }
  let firstSubmitted = Number.POSITIVE_INFINITY;
  const accept: number[] = [];
  for (const [submitted, done] of accepted.values()) {
    firstSubmitted = Math.min(firstSubmitted, submitted);
    accept.push(done - submitted);
  }
  return {
    sorted: checkedDurations(`${what}, submit → acknowledged`, out),
    accept: checkedDurations(`${what}, submit → accepted`, accept),
    firstAck,
    lastAck,
    firstSubmitted,
  };
}

// ---------------------------------------------------------------------------------------------
// The hub.

const trust = loadTrustFramework('trust/trust-framework.yaml');
const eventTypes = trust.events ?? {};
const ATTRIBUTES = [
  ['name', 'birthdate', 'new_address'],
  ['name', 'nationalities', 'previous_address', 'date_of_move'],
  ['name', 'email'],
  ['name', 'birthdate', 'to_country'],
];

interface Agencies {
  ids: string[];
  jwks: Record<string, JWK & { kid: string }>;
}

async function makeAgencies(): Promise<Agencies> {
  const ids: string[] = [];
  const jwks: Record<string, JWK & { kid: string }> = {};
  for (let i = 0; i < AGENCIES; i++) {
    const id = `${i % 2 === 0 ? 'uk' : 'sg'}_bench_${i}`;
    const { publicKey } = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
    ids.push(id);
    jwks[id] = { ...(await exportJWK(publicKey)), kid: `${id}-enc-1` };
  }
  return { ids, jwks };
}

const writerInFlight = int(args['writer-in-flight'], '--writer-in-flight');
const hubSetup = [
  `concurrency ${args.concurrency ?? '64 (default)'}`,
  `poll ${args['poll-ms'] ?? '250 (default)'} ms`,
  'LOG_LEVEL=warn',
].join(', ');

function hubEnv(db: Record<string, string>, port: number): Record<string, string> {
  return {
    ...db,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    GOVBRIDGE_SIMULATORS: 'false',
    GOVBRIDGE_DEMO_SERVICES: 'false',
    LOG_LEVEL: 'warn',
    ...(args.concurrency ? { GOVBRIDGE_NOTIFICATION_CONCURRENCY: args.concurrency } : {}),
    ...(args['poll-ms'] ? { GOVBRIDGE_NOTIFICATION_POLL_MS: args['poll-ms'] } : {}),
  };
}

/**
 * A hub process (bench/notify-hub.ts: the hub as `npm start` builds it, plus a report writer driven
 * over IPC), its output in the run's temporary directory.
 */
class HubProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** Where bench/count-statements.ts writes this process's statement counts on SIGUSR2. */
  readonly statementsFile: string;
  #answers: Array<(m: unknown) => void> = [];

  private constructor(name: string, child: ChildProcess, statementsFile: string) {
    this.name = name;
    this.child = child;
    this.statementsFile = statementsFile;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (m) => this.#answers.shift()?.(m));
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(db: Record<string, string>, name: string, env: Record<string, string> = {}) {
    const port = await freePort();
    const logFile = join(tmp, `${name}.log`);
    const statementsFile = join(tmp, `statements-${name}.json`);
    const fd = openSync(logFile, 'a');
    const child = spawn(
      process.execPath,
      [
        // Counts the SQL statements the hub sends, at the drivers (as bench:login does).
        '--import',
        './bench/count-statements.ts',
        ...(args['cpu-prof']
          ? ['--cpu-prof', '--cpu-prof-dir', join(tmp, 'profiles'), '--cpu-prof-name', `${name}.cpuprofile`]
          : []),
        'bench/notify-hub.ts',
      ],
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: process.env['HOME'] ?? '',
          ...hubEnv(db, port),
          BENCH_STATEMENTS_FILE: statementsFile,
          ...env,
        },
        stdio: ['ignore', fd, fd, 'ipc'],
      },
    );
    closeSync(fd);
    const hub = new HubProcess(name, child, statementsFile);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} not ready after 60 s; see ${logFile}`)),
        60_000,
      );
      hub.#answers.push(() => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) =>
        reject(new Error(`${name} exited (${code}) before it was ready; see ${logFile}`)),
      );
    });
    children.add(hub);
    await checkOneClock(name, () => hub.clock());
    return hub;
  }

  /** This process's reading of the benchmark's clock. */
  clock(): Promise<{ now: number }> {
    return new Promise((resolve) => {
      this.#answers.push((m) => resolve(m as { now: number }));
      this.child.send({ cmd: 'clock' });
    });
  }

  /** The statements this process has sent so far: asks it (SIGUSR2) to write them, then reads them. */
  async statements(): Promise<StatementCounts> {
    const read = (): StatementCounts | undefined => {
      try {
        return JSON.parse(readFileSync(this.statementsFile, 'utf8')) as StatementCounts;
      } catch {
        return undefined; // not written yet, or half written
      }
    };
    const before = read()?.seq ?? 0;
    this.child.kill('SIGUSR2');
    const deadline = now() + 10_000;
    for (;;) {
      const c = read();
      if (c && c.seq > before) return c;
      if (now() > deadline) throw new Error(`${this.name} did not report its statement counts`);
      await sleep(5);
    }
  }

  /** Write reports in this process (ReportService, which nudges its worker). */
  write(o: { account: string; prefix: string; count: number; perSecond: number; inFlight: number }) {
    return new Promise<{ accepted: Array<[string, Times]>; seconds: number }>((resolve, reject) => {
      this.#answers.push((m) => {
        const a = m as { accepted?: Array<[string, Times]>; seconds?: number; error?: string };
        if (a.error) reject(new Error(`${this.name}: ${a.error}`));
        else resolve({ accepted: a.accepted!, seconds: a.seconds! });
      });
      this.child.send({ cmd: 'write', ...o });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.send('stop');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
    children.delete(this);
  }
}

const startHubs = (
  db: Record<string, string>,
  count: number,
  tag: string,
  env: Record<string, string> = {},
) => Promise.all(Array.from({ length: count }, (_, i) => HubProcess.start(db, `hub-${tag}-${i + 1}`, env)));

const stopAll = (list: readonly HubProcess[]) => Promise.all(list.map((h) => h.stop()));

/** The statements of several hub processes so far, added up. */
const statementsOf = async (list: readonly HubProcess[]): Promise<StatementCounts> =>
  (await Promise.all(list.map((h) => h.statements()))).reduce(addCounts, ZERO_COUNTS);

/**
 * A fresh database (a PostgreSQL schema `bench_notify_<random>`, dropped at the end, or a SQLite file
 * in the run's temporary directory) with the bench agencies registered, and a ReportService on it in
 * this process (the external writer; it appends nothing to the ledger).
 */
async function database(dbName: 'sqlite' | 'postgres', receivers: Receivers, agencies: Agencies) {
  const env: Record<string, string> = {};
  let storage: Storage;
  if (dbName === 'postgres') {
    const schema = `bench_notify_${randomBytes(4).toString('hex')}`;
    env['DATABASE_URL'] = PG_URL;
    env['GOVBRIDGE_DATABASE_SCHEMA'] = schema;
    storage = await openStorage({ databaseUrl: PG_URL, postgresSchema: schema, poolSize: 16 });
    const s = storage;
    cleanups.push(async () => {
      await s.db.schema.dropSchema(schema).ifExists().cascade().execute();
      await s.close();
    });
  } else {
    env['GOVBRIDGE_SQLITE_PATH'] = join(tmp, `hub-${randomBytes(3).toString('hex')}.db`);
    storage = await openStorage({ sqlitePath: env['GOVBRIDGE_SQLITE_PATH'] });
    const s = storage;
    cleanups.push(() => s.close());
  }
  const kek = keyFromBase64url(loadConfig(hubEnv(env, 1)).keyEncryptionKey);
  const registry = new AgencyRegistry({
    storage,
    eventTypes,
    environments: new Set(['uk-public-cloud', 'sg-gcc']),
    allowLoopbackHttp: true,
    defaultMaxAttempts: 12,
  });
  for (const [i, id] of agencies.ids.entries()) {
    await registry.register({
      agencyId: id,
      name: `Bench agency ${i}`,
      country: id.startsWith('sg') ? 'SG' : 'GB',
      website: 'https://www.gov.uk',
      environment: id.startsWith('sg') ? 'sg-gcc' : 'uk-public-cloud',
      endpoint: `http://127.0.0.1:${receivers.ports[i]}/notifications`,
      encryptionJwk: agencies.jwks[id],
      subscriptions: [{ eventType: 'moving-abroad', attributes: ATTRIBUTES[i % ATTRIBUTES.length]! }],
    });
  }
  const reports = new ReportService({ storage, kek, agencies: registry, eventTypes });
  const submit = (account: string, i: number) =>
    reports
      .submit({
        accountId: account,
        eventType: 'moving-abroad',
        occurredOn: '2026-12-01',
        fields: { ...MOVE_FIELDS, name: `PERSON ${i}` },
        submissionKey: `k${i}`,
      })
      .then((r) => r.reportId);

  /** Loss check: every notification the window wrote is delivered, and was received exactly once. */
  async function check(account: string, records: ReadonlyArray<[string, string, number]>): Promise<number> {
    const deadline = now() + 30_000;
    for (;;) {
      const rows = await storage.db
        .selectFrom('notifications')
        .innerJoin('reports', 'reports.report_id', 'notifications.report_id')
        .select(['notifications.notification_id', 'notifications.state'])
        .where('reports.account_id', '=', account)
        .execute();
      const received = new Set(records.map((r) => r[0]));
      const missing = rows.filter((r) => !received.has(r.notification_id)).length;
      const extra = received.size - (rows.length - missing);
      const open = rows.filter((r) => r.state !== 'delivered').length;
      if (open === 0 || now() > deadline) {
        if (extra !== 0)
          throw new Error(`${account}: ${extra} notifications received that the database does not hold`);
        if (open !== 0) log(`    ! ${open} notifications of ${account} not recorded as delivered`);
        return missing + open;
      }
      await sleep(50);
    }
  }
  return { env, storage, submit, check };
}

async function benchHub(
  dbName: 'sqlite' | 'postgres',
  receivers: Receivers,
  agencies: Agencies,
  postgres: pg.Client | undefined,
): Promise<Row[]> {
  const { env: dbEnv, submit, check } = await database(dbName, receivers, agencies);
  const processes = processesFor[dbName];
  const inFlight = dbName === 'postgres' ? 16 : 1;
  let windowNo = 0;

  const rows: Row[] = [];
  let hubs = await startHubs(dbEnv, processes, dbName);
  /**
   * Write `count` reports at `perSecond`: in the hub processes (each its share, as behind a load
   * balancer), or from this process (--writer external).
   */
  async function write(account: string, count: number, perSecond: number) {
    if (args.writer === 'external') {
      return writeSteadily(count, perSecond, inFlight, (i) => submit(account, i));
    }
    const parts = await Promise.all(
      hubs.map((h, j) =>
        h.write({
          account,
          prefix: `${account}-h${j}-`,
          count: Math.floor(count / hubs.length) + (j < count % hubs.length ? 1 : 0),
          perSecond: perSecond / hubs.length,
          inFlight: writerInFlight,
        }),
      ),
    );
    return {
      accepted: new Map(parts.flatMap((p) => p.accepted)),
      seconds: Math.max(...parts.map((p) => p.seconds)),
    };
  }
  try {
    log(`  ${dbName}: ${processes} hub process(es) ready (pids ${hubs.map((h) => h.pid).join(', ')})`);
    const measured = () => ({ workers: hubs.map((h) => h.pid), receivers, postgres });
    // Warm-up.
    if (warmup > 0) {
      await receivers.reset();
      const account = `warm-${windowNo++}`;
      const n = Math.ceil(warmup / AGENCIES);
      await write(account, n, 100);
      await awaitReceived(receivers, n * AGENCIES, 'warm-up');
    }
    for (const rate of rates) {
      await receivers.reset();
      const account = `steady-${windowNo++}`;
      const n = Math.round((rate / AGENCIES) * seconds);
      const st0 = await statementsOf(hubs);
      const s0 = await cpuSnapshot(measured());
      const la0 = la();
      const { accepted, seconds: wrote } = await write(account, n, rate / AGENCIES);
      await awaitReceived(receivers, n * AGENCIES, `${dbName} ${rate}/s`);
      const cpu = await cpuSince(s0, measured(), n * AGENCIES);
      const st1 = await statementsOf(hubs);
      const got = await receivers.collect();
      const lat = latencies(`${dbName} ${rate}/s`, got.records, accepted);
      const lost = await check(account, got.records);
      rows.push({
        system: 'govbridge hub',
        setup: `${hubSetup}, reports written ${args.writer === 'external' ? 'by the load generator' : `in the hub processes (${writerInFlight} at once in each)`}`,
        db: dbName,
        processes,
        window: 'steady',
        offeredPerSecond: rate,
        notifications: n * AGENCIES,
        writtenPerSecond: (n * AGENCIES) / wrote,
        deliveriesPerSecond: checkedRate(`${dbName} ${rate}/s`, got.unique, lat.firstSubmitted, lat.lastAck),
        p50Ms: percentile(lat.sorted, 50),
        p99Ms: percentile(lat.sorted, 99),
        maxMs: lat.sorted.at(-1) ?? Number.NaN,
        acceptP50Ms: percentile(lat.accept, 50),
        acceptP99Ms: percentile(lat.accept, 99),
        statements: perReport(st1, st0, n),
        writerCpuMsPerReport: undefined,
        writerPostgresCpuMsPerReport: undefined,
        duplicates: got.duplicates,
        lost,
        ...cpu,
        loadAverage: `${la0} → ${la()}`,
      });
      log(`    ${fmt(rows.at(-1)!)}`);
    }
    if (backlog > 0) {
      // The maximum rate: a backlog written in a fresh database by one hub process with its worker
      // off (so the ledger is appended as in production, and no process has to heal it at start),
      // then drained by the hub processes.
      await stopAll(hubs);
      await receivers.reset();
      const fresh = await database(dbName, receivers, agencies);
      const account = `backlog-${windowNo++}`;
      const n = Math.ceil(backlog / AGENCIES);
      const la0 = la();
      const [writer] = await startHubs(fresh.env, 1, `${dbName}-backlog-writer`, {
        GOVBRIDGE_NOTIFICATION_WORKER: 'false',
      });
      // The report-writing side alone: this process writes and nothing else (its worker is off).
      const wst0 = await writer!.statements();
      const wcpu0 = cpuMs(writer!.pid);
      const wpg0 = await backendCpu(postgres, [writer!.pid]);
      const { accepted: acceptedList, seconds: writeSeconds } = await writer!.write({
        account,
        prefix: `${account}-`,
        count: n,
        perSecond: 1e9,
        inFlight: 16,
      });
      const writerCpu = (cpuMs(writer!.pid) - wcpu0) / n;
      let writerPg = 0;
      for (const [pid, ms] of await backendCpu(postgres, [writer!.pid]))
        writerPg += ms - (wpg0.get(pid) ?? 0);
      const writeStatements = perReport(await writer!.statements(), wst0, n);
      const accepted = new Map(acceptedList);
      await writer!.stop();
      log(
        `    backlog of ${n * AGENCIES} notifications written (${f0(n / writeSeconds)} reports/s, 16 at once): per report ${fmtStatements(writeStatements)}; writer CPU ${f2(writerCpu)} ms${postgres ? `, its PostgreSQL backends ${f2(writerPg / n)} ms` : ''}; starting the workers`,
      );
      hubs = await startHubs(fresh.env, processes, `${dbName}-backlog`);
      await awaitReceived(receivers, n * AGENCIES, `${dbName} backlog`);
      const got = await receivers.collect();
      const lat = latencies(`${dbName} backlog`, got.records, accepted);
      const lost = await fresh.check(account, got.records);
      rows.push({
        system: 'govbridge hub',
        setup: hubSetup,
        db: dbName,
        processes,
        window: 'backlog',
        offeredPerSecond: undefined,
        notifications: n * AGENCIES,
        writtenPerSecond: undefined,
        deliveriesPerSecond: checkedRate(`${dbName} backlog`, got.unique, lat.firstAck, lat.lastAck),
        p50Ms: Number.NaN,
        p99Ms: Number.NaN,
        maxMs: Number.NaN,
        acceptP50Ms: percentile(lat.accept, 50),
        acceptP99Ms: percentile(lat.accept, 99),
        statements: writeStatements,
        writerCpuMsPerReport: writerCpu,
        writerPostgresCpuMsPerReport: postgres ? writerPg / n : undefined,
        duplicates: got.duplicates,
        lost,
        workerCpuMsPerDelivery: undefined,
        postgresCpuMsPerDelivery: undefined,
        postgresForWorkersCpuMsPerDelivery: undefined,
        loadgenCpuMsPerDelivery: undefined,
        receiversCpuMsPerDelivery: undefined,
        otherCores: undefined,
        loadAverage: `${la0} → ${la()}`,
      });
      log(`    ${fmt(rows.at(-1)!)}`);
    }
  } finally {
    await stopAll(hubs);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// pg-boss.

async function benchPgBoss(
  mode: BossMode,
  receivers: Receivers,
  agencies: Agencies,
  postgres: pg.Client,
): Promise<Row[]> {
  const schema = `bench_pgboss_${randomBytes(4).toString('hex')}`;
  const queue = 'notifications';
  const boss = new PgBoss({
    connectionString: PG_URL,
    schema,
    max: 20,
    schedule: false,
    supervise: false,
    registerInstance: false,
  });
  boss.on('error', (err: unknown) => log(`    pg-boss error: ${String(err)}`));
  await boss.start();
  cleanups.push(async () => {
    await boss.stop({ graceful: false, close: true });
    await postgres.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
  await boss.createQueue(queue, { notify: true, retryLimit: 10, retryDelay: 1 });
  const processes = processesFor.postgres;
  const workerEnv = {
    BENCH_MODE: mode,
    BENCH_QUEUE: queue,
    BENCH_SCHEMA: schema,
    BENCH_DATABASE_URL: PG_URL,
    BENCH_ENDPOINTS: JSON.stringify(
      Object.fromEntries(
        agencies.ids.map((id, i) => [id, `http://127.0.0.1:${receivers.ports[i]}/notifications`]),
      ),
    ),
    BENCH_AGENCY_JWKS: JSON.stringify(agencies.jwks),
    BENCH_BATCH: args['pg-boss-batch'],
    BENCH_LOCAL_CONCURRENCY: args['pg-boss-local-concurrency'],
  };
  const startWorkers = async (): Promise<ChildProcess[]> =>
    Promise.all(
      Array.from({ length: processes }, async () => {
        const child = spawn(process.execPath, ['bench/notify-pgboss-worker.ts'], {
          env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...workerEnv },
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        await new Promise<void>((resolve, reject) => {
          child.once('message', () => resolve());
          child.once('exit', (code) => reject(new Error(`pg-boss worker exited (${code})`)));
        });
        return child;
      }),
    );
  const stopWorkers = async (list: ChildProcess[]) =>
    Promise.all(
      list.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.send('stop');
            setTimeout(() => c.kill('SIGKILL'), 15_000).unref();
          }),
      ),
    );

  let batchNo = 0;
  /** One "report": one insert of one job per agency. Resolves with the report's key. */
  const send = async (tag: string, i: number): Promise<string> => {
    const reportId = `${tag}-${i}`;
    await boss.insert(
      queue,
      agencies.ids.map((agency) => ({ data: { reportId, agency } })),
    );
    return reportId;
  };
  /**
   * Jobs of a window: delays created → completed (none mode) and the loss check from pg-boss's table.
   * All on PostgreSQL's clock (created_on, started_on and completed_on are its now()): with no POST
   * there is no receiver to timestamp the end, so both ends are the database's.
   */
  async function jobs(
    tag: string,
    expected: number,
  ): Promise<{ completed: number; sorted: number[]; created: number; first: number; last: number }> {
    const deadline = now() + DRAIN_LIMIT_MS;
    for (;;) {
      const { rows } = await postgres.query<{
        n: string;
        done: string;
        created: number;
        first: number;
        last: number;
      }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE state = 'completed') AS done,
                extract(epoch FROM min(created_on)) * 1000 AS created,
                extract(epoch FROM min(started_on)) * 1000 AS first,
                extract(epoch FROM max(completed_on)) * 1000 AS last
         FROM ${schema}.job WHERE name = $1 AND data->>'reportId' LIKE $2`,
        [queue, `${tag}-%`],
      );
      const r = rows[0]!;
      if (Number(r.done) >= expected || now() > deadline) {
        const { rows: d } = await postgres.query<{ ms: number }>(
          `SELECT extract(epoch FROM completed_on - created_on) * 1000 AS ms FROM ${schema}.job
           WHERE name = $1 AND data->>'reportId' LIKE $2 AND state = 'completed'`,
          [queue, `${tag}-%`],
        );
        return {
          completed: Number(r.done),
          sorted: checkedDurations(
            `pg-boss ${tag}, created_on → completed_on`,
            d.map((x) => Number(x.ms)),
          ),
          created: Number(r.created),
          first: Number(r.first),
          last: Number(r.last),
        };
      }
      await sleep(50);
    }
  }

  const bossSetup = `batchSize ${args['pg-boss-batch']} × localConcurrency ${args['pg-boss-local-concurrency']}, LISTEN/NOTIFY`;
  const system = `pg-boss ${mode === 'none' ? '(no POST)' : mode === 'post' ? '+ plain POST' : '+ hub envelope POST'}`;
  const rows: Row[] = [];
  let workers = await startWorkers();
  try {
    const measured = () => ({ workers: workers.map((w) => w.pid!), receivers, postgres });
    if (warmup > 0) {
      await receivers.reset();
      const tag = `warm${batchNo++}`;
      const n = Math.ceil(warmup / AGENCIES);
      await writeSteadily(n, 100, 16, (i) => send(tag, i));
      await jobs(tag, n * AGENCIES);
    }
    for (const rate of rates) {
      await receivers.reset();
      const tag = `steady${batchNo++}`;
      const n = Math.round((rate / AGENCIES) * seconds);
      const s0 = await cpuSnapshot(measured());
      const la0 = la();
      const { accepted, seconds: wrote } = await writeSteadily(n, rate / AGENCIES, 16, (i) => send(tag, i));
      if (mode !== 'none') await awaitReceived(receivers, n * AGENCIES, `pg-boss ${mode} ${rate}/s`);
      const done = await jobs(tag, n * AGENCIES);
      const cpu = await cpuSince(s0, measured(), n * AGENCIES);
      let lat: Latencies;
      let duplicates = 0;
      let lost = n * AGENCIES - done.completed;
      // The writer's wait (insert → resolved) on the one clock in this process, whatever the mode.
      const own = latencies(`pg-boss ${mode} ${rate}/s`, [], accepted);
      if (mode === 'none') {
        // PostgreSQL's clock at both ends: delays and the rate (first job created → last completed).
        lat = {
          sorted: done.sorted,
          accept: own.accept,
          firstAck: done.first,
          lastAck: done.last,
          firstSubmitted: done.created,
        };
      } else {
        const got = await receivers.collect();
        lat = latencies(`pg-boss ${mode} ${rate}/s`, got.records, accepted);
        duplicates = got.duplicates;
        lost = Math.max(lost, n * AGENCIES - got.unique);
      }
      rows.push({
        system,
        setup: bossSetup,
        db: 'postgres',
        processes,
        window: 'steady',
        offeredPerSecond: rate,
        notifications: n * AGENCIES,
        writtenPerSecond: (n * AGENCIES) / wrote,
        deliveriesPerSecond: checkedRate(
          `pg-boss ${mode} ${rate}/s`,
          n * AGENCIES - lost,
          lat.firstSubmitted,
          lat.lastAck,
        ),
        p50Ms: percentile(lat.sorted, 50),
        p99Ms: percentile(lat.sorted, 99),
        maxMs: lat.sorted.at(-1) ?? Number.NaN,
        acceptP50Ms: percentile(lat.accept, 50),
        acceptP99Ms: percentile(lat.accept, 99),
        statements: undefined,
        writerCpuMsPerReport: undefined,
        writerPostgresCpuMsPerReport: undefined,
        duplicates,
        lost,
        ...cpu,
        receiversCpuMsPerDelivery: mode === 'none' ? undefined : cpu.receiversCpuMsPerDelivery,
        loadAverage: `${la0} → ${la()}`,
      });
      log(`    ${fmt(rows.at(-1)!)}`);
    }
    if (backlog > 0) {
      await stopWorkers(workers);
      await receivers.reset();
      const tag = `backlog${batchNo++}`;
      const n = Math.ceil(backlog / AGENCIES);
      const la0 = la();
      const { accepted } = await writeSteadily(n, 1e9, 16, (i) => send(tag, i));
      workers = await startWorkers();
      if (mode !== 'none') await awaitReceived(receivers, n * AGENCIES, `pg-boss ${mode} backlog`);
      const done = await jobs(tag, n * AGENCIES);
      let rate = checkedRate(`pg-boss ${mode} backlog`, done.completed, done.first, done.last);
      let duplicates = 0;
      let lost = n * AGENCIES - done.completed;
      if (mode !== 'none') {
        const got = await receivers.collect();
        const lat = latencies(`pg-boss ${mode} backlog`, got.records, accepted);
        rate = checkedRate(`pg-boss ${mode} backlog`, got.unique, lat.firstAck, lat.lastAck);
        duplicates = got.duplicates;
        lost = Math.max(lost, n * AGENCIES - got.unique);
      }
      rows.push({
        system,
        setup: bossSetup,
        db: 'postgres',
        processes,
        window: 'backlog',
        offeredPerSecond: undefined,
        notifications: n * AGENCIES,
        writtenPerSecond: undefined,
        deliveriesPerSecond: rate,
        p50Ms: Number.NaN,
        p99Ms: Number.NaN,
        maxMs: Number.NaN,
        acceptP50Ms: Number.NaN,
        acceptP99Ms: Number.NaN,
        statements: undefined,
        writerCpuMsPerReport: undefined,
        writerPostgresCpuMsPerReport: undefined,
        duplicates,
        lost,
        workerCpuMsPerDelivery: undefined,
        postgresCpuMsPerDelivery: undefined,
        postgresForWorkersCpuMsPerDelivery: undefined,
        loadgenCpuMsPerDelivery: undefined,
        receiversCpuMsPerDelivery: undefined,
        otherCores: undefined,
        loadAverage: `${la0} → ${la()}`,
      });
      log(`    ${fmt(rows.at(-1)!)}`);
    }
  } finally {
    await stopWorkers(workers);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Report.

const f0 = (n: number | undefined): string => (n !== undefined && Number.isFinite(n) ? n.toFixed(0) : '-');
const f2 = (n: number | undefined): string => (n !== undefined && Number.isFinite(n) ? n.toFixed(2) : '-');

const pgCpu = (r: Row): string =>
  r.postgresCpuMsPerDelivery === undefined
    ? '-'
    : `${f2(r.postgresCpuMsPerDelivery)} (${f2(r.postgresForWorkersCpuMsPerDelivery)} + ${f2(r.postgresCpuMsPerDelivery - (r.postgresForWorkersCpuMsPerDelivery ?? 0))})`;

const f1 = (n: number | undefined): string => (n !== undefined && Number.isFinite(n) ? n.toFixed(1) : '-');

function fmtStatements(s: StatementsPerReport | undefined): string {
  if (!s) return '-';
  const tables = Object.entries(s.byTable)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${f2(n)}`)
    .join(', ');
  return `${f2(s.durable)} durable statements (${f2(s.writes)} writes, ${f2(s.transactions)} transactions; ${f2(s.reads)} reads)${tables ? ` [${tables}]` : ''}`;
}

function fmt(r: Row): string {
  return `${r.system} ${r.db} ×${r.processes} ${r.window}${r.offeredPerSecond ? ` @${r.offeredPerSecond}/s` : ''}: ${r.notifications} notifications, ${r.writtenPerSecond ? `written ${f0(r.writtenPerSecond)}/s, ` : ''}delivered ${f0(r.deliveriesPerSecond)}/s, from submit to acknowledged p50 ${f0(r.p50Ms)} ms, p99 ${f0(r.p99Ms)} ms, max ${f0(r.maxMs)} ms; writer's wait p50 ${f0(r.acceptP50Ms)} / p99 ${f0(r.acceptP99Ms)} ms; per report ${fmtStatements(r.statements)}${r.writerCpuMsPerReport !== undefined ? `, writer CPU ${f2(r.writerCpuMsPerReport)} ms + PostgreSQL ${f2(r.writerPostgresCpuMsPerReport)} ms` : ''}; duplicates ${r.duplicates}, lost ${r.lost}, worker CPU ${f2(r.workerCpuMsPerDelivery)} ms/delivery, PostgreSQL ${pgCpu(r)}, loadgen ${f2(r.loadgenCpuMsPerDelivery)}, receivers ${f2(r.receiversCpuMsPerDelivery)}, other load ${f2(r.otherCores)} cores, load average ${r.loadAverage}`;
}

function table(rows: readonly Row[]): string {
  const head = [
    'system',
    'setup',
    'db',
    'processes',
    'window',
    'offered /s',
    'notifications',
    'written /s',
    'delivered /s',
    'p50 ms submit → acknowledged',
    'p99 ms',
    'max ms',
    "p50 / p99 ms writer's wait (submit → accepted)",
    'durable statements per report (hub processes; backlog: the writer alone)',
    'writer CPU ms per report (+ PostgreSQL)',
    'duplicates',
    'lost',
    'hub / worker CPU ms/delivery',
    'PostgreSQL CPU ms/delivery (for workers + for writes)',
    'loadgen CPU ms/delivery',
    'receivers CPU ms/delivery',
    'other load (cores)',
    'load average (1/5/15 min)',
  ];
  const body = rows.map((r) => [
    r.system,
    r.setup,
    r.db,
    String(r.processes),
    r.window,
    r.offeredPerSecond ? String(r.offeredPerSecond) : '-',
    String(r.notifications),
    f0(r.writtenPerSecond),
    f0(r.deliveriesPerSecond),
    f0(r.p50Ms),
    f0(r.p99Ms),
    f0(r.maxMs),
    `${f0(r.acceptP50Ms)} / ${f0(r.acceptP99Ms)}`,
    r.statements ? `${f1(r.statements.durable)} (${f1(r.statements.reads)} reads)` : '-',
    r.writerCpuMsPerReport !== undefined
      ? `${f2(r.writerCpuMsPerReport)}${r.writerPostgresCpuMsPerReport !== undefined ? ` + ${f2(r.writerPostgresCpuMsPerReport)}` : ''}`
      : '-',
    String(r.duplicates),
    String(r.lost),
    f2(r.workerCpuMsPerDelivery),
    pgCpu(r),
    f2(r.loadgenCpuMsPerDelivery),
    f2(r.receiversCpuMsPerDelivery),
    f2(r.otherCores),
    r.loadAverage,
  ]);
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  log(
    `bench:notify — ${new Date().toISOString()} — ${cpus().length} vCPU, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, load average ${la()}`,
  );
  log(
    `  rates ${rates.join(', ')} deliveries/s for ${seconds} s; ${AGENCIES} agencies per report; backlog ${backlog}; warm-up ${warmup}; temporary files in ${tmp}`,
  );
  const agencies = await makeAgencies();
  const receivers = await Receivers.start(AGENCIES);
  await checkOneClock('the receivers', receivers.clock);
  let postgres: pg.Client | undefined;
  const rows: Row[] = [];
  try {
    if (dbs.includes('postgres')) {
      postgres = new pg.Client({ connectionString: PG_URL });
      await postgres.connect();
    }
    for (const db of dbs) {
      rows.push(...(await benchHub(db, receivers, agencies, db === 'postgres' ? postgres : undefined)));
    }
    if (postgres) {
      for (const mode of bossModes) {
        log(`  pg-boss (${mode}), ${processesFor.postgres} worker processes`);
        rows.push(...(await benchPgBoss(mode, receivers, agencies, postgres)));
      }
    }
  } finally {
    for (const c of [...children]) await c.stop();
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => log(`cleanup: ${String(err)}`));
    await postgres?.end();
    receivers.child.disconnect();
  }
  log('');
  log(table(rows));
  log('');
  for (const system of [...new Set(rows.map((r) => `${r.system}|${r.db}`))]) {
    const [name, db] = system.split('|');
    const mine = rows.filter((r) => r.system === name && r.db === db);
    const ok = mine.filter(
      (r) =>
        r.window === 'steady' &&
        r.writtenPerSecond! >= r.offeredPerSecond! * 0.98 &&
        r.deliveriesPerSecond >= r.offeredPerSecond! * 0.98 &&
        r.p99Ms < TARGETS.p99Ms &&
        r.lost === 0,
    );
    const drain = mine.find((r) => r.window === 'backlog');
    log(
      `${name} (${db}): highest steady rate kept (written and delivered ≥ 98% of offered, p99 < ${TARGETS.p99Ms} ms, no loss): ${ok.length > 0 ? `${Math.max(...ok.map((r) => r.offeredPerSecond!))}/s` : 'none of those tried'}; backlog drained at ${drain ? `${f0(drain.deliveriesPerSecond)}/s` : '-'}`,
    );
  }
  log('');
  for (const r of rows.filter(
    (x) => x.system === 'govbridge hub' && x.db === 'postgres' && x.window === 'steady',
  )) {
    const ok = r.offeredPerSecond! >= TARGETS.deliveriesPerSecond;
    if (!ok) continue;
    // The delay is judged from the moment the report was handed to submit (see the top comment).
    const p99 = r.p99Ms;
    log(
      `target ≥ ${TARGETS.deliveriesPerSecond}/s with p99 < ${TARGETS.p99Ms} ms and no loss (PostgreSQL, ${r.processes} processes, offered ${r.offeredPerSecond}/s): delivered ${f0(r.deliveriesPerSecond)}/s, p99 ${f0(r.p99Ms)} ms from submit to acknowledged, lost ${r.lost} → ${r.deliveriesPerSecond >= TARGETS.deliveriesPerSecond * 0.98 && p99 < TARGETS.p99Ms && r.lost === 0 ? 'MET' : 'MISSED'}`,
    );
  }
  if (args['cpu-prof']) log(`CPU profiles: ${join(tmp, 'profiles')}`);
  if (args.json)
    writeFileSync(args.json, `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:notify broke: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  for (const c of children) c.child.kill('SIGKILL');
  process.exit(1);
});
