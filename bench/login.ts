import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { sgDemo, ukDemo } from '../src/demo/definitions.ts';
import { type CryptoFloor, measureCryptoFloor } from './crypto-floor.ts';
import {
  type Child,
  connectionPorts,
  cpuMs,
  freePort,
  machineBusyMs,
  memoryMiB,
  startNode,
} from './processes.ts';
import { createRpKey, type LoginRequest, RelyingParty, rpMetadata } from './relying-party.ts';

/**
 * `npm run bench:login`: complete logins, relying party → hub → national-scheme simulator → hub →
 * relying party (token, userinfo), per scheme, database and concurrency level, with the hub, the
 * simulators and a bare oidc-provider reference each in a process of their own and the load
 * generator in this one. CPU time and peak memory are read from /proc for the measured process
 * only. See docs/benchmarks.md.
 *
 * Exits 0 when the benchmark ran (whether or not a target was met), 1 when it broke.
 */

type Scheme = 'singpass' | 'onelogin';
type Db = 'sqlite' | 'postgres';
type LogLevel = 'info' | 'warn' | 'error' | 'silent';

const execFileAsync = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
process.chdir(ROOT);
const ACR = 'urn:govbridge:loa:substantial';
const PG_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const PG_PORT = Number(new URL(PG_URL).port || 5432);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(PG_URL).hostname)) {
  throw new Error('the benchmark talks to a PostgreSQL on this machine only (127.0.0.1)');
}
/** No measured window may run longer than this: a stuck login ends the benchmark. */
const WINDOW_LIMIT_MS = 180_000;
/** Personas that reach `substantial` with each scheme's simulator (headless, via login_hint). */
const PERSONAS: Record<Scheme, readonly string[]> = {
  singpass: [
    'sg-citizen-young',
    'sg-citizen-mid',
    'sg-citizen-senior',
    'sg-pr',
    'gb-fin-worker',
    'sg-citizen-london',
  ],
  onelogin: ['eleanor-whitfield', 'rhys-pritchard', 'callum-mackenzie', 'oliver-bennett', 'sarah-adeyemi'],
};
const SCHEME_DEMO = { singpass: ukDemo, onelogin: sgDemo } as const;
const TARGETS = {
  cpuRatio: 2.0,
  loginsPerSecond: { sqlite: 60, postgres: 40 },
  p99Ms: 500,
  concurrency: 20,
  peakRssMiB: 300,
  durableStatements: 20,
};

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scheme: { type: 'string', default: 'singpass,onelogin' },
    db: { type: 'string', default: 'sqlite,postgres' },
    levels: { type: 'string', default: '1,5,20' },
    logins: { type: 'string' },
    warmup: { type: 'string' },
    'log-levels': { type: 'string', default: 'info,warn' },
    'no-bare': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'hub-node-options': { type: 'string' },
    'semi-space': { type: 'string', default: '8' },
    json: { type: 'string' },
    'explain-statements': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`npm run bench:login -- [options]
  --quick              fewer logins per level (a smoke run, about a minute)
  --scheme LIST        singpass,onelogin (default both)
  --db LIST            sqlite,postgres (default both; PostgreSQL at ${PG_URL}, or BENCH_DATABASE_URL)
  --levels LIST        concurrency levels (default 1,5,20)
  --logins N           measured logins per level (default 60 at concurrency 1, 200 above; quick 30/80)
  --warmup N           warm-up logins per scheme before measuring (default 40; quick 20)
  --log-levels LIST    hub LOG_LEVEL values (default info,warn); the first runs every level, the others
                       only the highest
  --no-bare            skip the bare oidc-provider reference
  --cpu-prof           run the hub and the bare provider with --cpu-prof (profiles in the run's
                       temporary directory; summarise with node bench/profile-summary.ts FILE)
  --semi-space LIST    extra hub runs, at the highest level only, with --max-semi-space-size=N (MiB)
                       (default 8; "none" for none)
  --hub-node-options S NODE_OPTIONS for every hub process (e.g. --import ./instrument.mjs)
  --json FILE          also write the results as JSON
  --explain-statements print, per measured window, every statement the hub sent per login by kind,
                       table and (for oidc-provider's artefacts) model, reads included
                       (also BENCH_EXPLAIN_STATEMENTS=1)
`);
  process.exit(0);
}

function list<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const i of items) {
    if (!allowed.includes(i as T)) throw new Error(`unknown ${what} "${i}" (allowed: ${allowed.join(', ')})`);
  }
  return items as T[];
}

function positive(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 100_000) throw new Error(`${what} must be a whole number from 1`);
  return n;
}

const schemes = list(args.scheme, ['singpass', 'onelogin'] as const, 'scheme');
const dbs = list(args.db, ['sqlite', 'postgres'] as const, 'database');
const logLevels = list(args['log-levels'], ['info', 'warn', 'error', 'silent'] as const, 'log level');
const semiSpaces =
  args['semi-space'] === 'none'
    ? []
    : args['semi-space'].split(',').map((n) => positive(n.trim(), '--semi-space')!);
const levels = args.levels.split(',').map((l) => positive(l.trim(), '--levels')!);
const loginsOverride = positive(args.logins, '--logins');
const warmupCount = positive(args.warmup, '--warmup') ?? (args.quick ? 20 : 40);
const loginsAt = (c: number): number =>
  loginsOverride ?? (args.quick ? (c === 1 ? 30 : 80) : c === 1 ? 60 : 200);
if (logLevels.length === 0 || levels.length === 0 || schemes.length === 0) {
  throw new Error('--log-levels, --levels and --scheme each need at least one value');
}
const maxLevel = Math.max(...levels);
const explainStatements = args['explain-statements'] || process.env['BENCH_EXPLAIN_STATEMENTS'] === '1';

interface Row {
  target: 'hub' | 'bare';
  scheme: Scheme | 'local';
  db: Db | 'memory';
  /** How the hub process was run: its LOG_LEVEL and extra Node options. */
  setup: string;
  concurrency: number;
  logins: number;
  seconds: number;
  loginsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuMsPerLogin: number;
  peakRssMiB: number;
  simulatorCpuMsPerLogin: number | undefined;
  loadgenCpuMsPerLogin: number;
  /** CPU of the PostgreSQL backends serving the hub (PostgreSQL runs only). */
  dbServerCpuMsPerLogin: number | undefined;
  /** Cores kept busy, on average over the window, by processes outside the benchmark. */
  otherCores: number;
  /**
   * SQL statements the hub sent per login (bench/count-statements.ts, counted at the drivers):
   * writes (INSERT/UPDATE/DELETE), transactions (BEGIN) and reads. Durable = writes + transactions.
   */
  statementsPerLogin:
    | {
        writes: number;
        transactions: number;
        reads: number;
        durable: number;
        /** Writes per login by kind and table, most first. */
        byTable: Record<string, number>;
        /** With --explain-statements: every statement per login by kind, table and model. */
        explained?: Record<string, number>;
      }
    | undefined;
}

interface StatementCounts {
  seq: number;
  writes: number;
  transactions: number;
  reads: number;
  byTable: Record<string, number>;
  explained?: Record<string, number>;
}

/** The hub's statement counts so far: asks it (SIGUSR2) to write them, then reads them. */
async function statementCounts(pid: number, file: string): Promise<StatementCounts> {
  let before = 0;
  try {
    before = (JSON.parse(readFileSync(file, 'utf8')) as StatementCounts).seq;
  } catch {
    // not written yet
  }
  process.kill(pid, 'SIGUSR2');
  const deadline = performance.now() + 10_000;
  for (;;) {
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as StatementCounts;
      if (c.seq > before) return c;
    } catch {
      // not written yet, or half written
    }
    if (performance.now() > deadline) throw new Error('the hub did not report its statement counts');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'govbridge-bench-'));
const children = new Set<Child>();
const pgSchemas: string[] = [];

/** Node flags that write a CPU profile of a child process when it exits (with --cpu-prof). */
function profileArgs(name: string): string[] {
  return args['cpu-prof']
    ? ['--cpu-prof', '--cpu-prof-dir', join(tmp, 'profiles'), '--cpu-prof-name', `${name}.cpuprofile`]
    : [];
}

async function start(o: Parameters<typeof startNode>[0]): Promise<Child> {
  const child = await startNode(o);
  children.add(child);
  return child;
}

async function stop(child: Child): Promise<void> {
  await child.stop();
  children.delete(child);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * `count` logins, `concurrency` at a time, each a fresh browser; measures wall time per login and
 * the CPU time of the processes named, over the window.
 */
async function runWindow(
  rp: RelyingParty,
  request: (i: number) => LoginRequest,
  concurrency: number,
  count: number,
  measured: {
    pid: number;
    simPid?: number | undefined;
    postgres?: pg.Client | undefined;
    statementsFile?: string | undefined;
  },
): Promise<Omit<Row, 'target' | 'scheme' | 'db' | 'setup'>> {
  const latencies: number[] = [];
  let next = 0;
  const statements0 = measured.statementsFile
    ? await statementCounts(measured.pid, measured.statementsFile)
    : undefined;
  const backends0 = measured.postgres ? await backendCpu(measured.postgres, measured.pid) : undefined;
  const hubCpu0 = cpuMs(measured.pid);
  const simCpu0 = measured.simPid ? cpuMs(measured.simPid) : 0;
  const self0 = process.cpuUsage();
  const machine0 = machineBusyMs();
  const t0 = performance.now();
  const deadline = t0 + WINDOW_LIMIT_MS;
  const worker = async (): Promise<void> => {
    while (next < count) {
      if (performance.now() > deadline) throw new Error(`window exceeded ${WINDOW_LIMIT_MS} ms`);
      const i = next++;
      const start = performance.now();
      await rp.login(request(i));
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const hubCpu = cpuMs(measured.pid) - hubCpu0;
  const statements1 =
    measured.statementsFile && statements0
      ? await statementCounts(measured.pid, measured.statementsFile)
      : undefined;
  const simCpu = measured.simPid ? cpuMs(measured.simPid) - simCpu0 : undefined;
  const self = process.cpuUsage(self0);
  let dbCpu: number | undefined;
  if (measured.postgres && backends0) {
    dbCpu = 0;
    for (const [pid, ms] of await backendCpu(measured.postgres, measured.pid))
      dbCpu += ms - (backends0.get(pid) ?? 0);
  }
  const selfMs = (self.user + self.system) / 1000;
  const machineMs = machineBusyMs() - machine0;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    logins: count,
    seconds,
    loginsPerSecond: count / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
    cpuMsPerLogin: hubCpu / count,
    peakRssMiB: memoryMiB(measured.pid).peak,
    simulatorCpuMsPerLogin: simCpu === undefined ? undefined : simCpu / count,
    loadgenCpuMsPerLogin: selfMs / count,
    dbServerCpuMsPerLogin: dbCpu === undefined ? undefined : dbCpu / count,
    otherCores: Math.max(0, machineMs - hubCpu - (simCpu ?? 0) - selfMs - (dbCpu ?? 0)) / (seconds * 1000),
    statementsPerLogin:
      statements0 && statements1
        ? {
            writes: (statements1.writes - statements0.writes) / count,
            transactions: (statements1.transactions - statements0.transactions) / count,
            reads: (statements1.reads - statements0.reads) / count,
            durable:
              (statements1.writes -
                statements0.writes +
                statements1.transactions -
                statements0.transactions) /
              count,
            byTable: perLogin(statements1.byTable, statements0.byTable, count),
            ...(statements1.explained && explainStatements
              ? { explained: perLogin(statements1.explained, statements0.explained ?? {}, count) }
              : {}),
          }
        : undefined,
  };
}

/** Counts per login between two readings, by key, most first (keys that did not move left out). */
function perLogin(
  after: Record<string, number>,
  before: Record<string, number>,
  count: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, n]): [string, number] => [k, (n - (before[k] ?? 0)) / count])
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
  );
}

/** CPU so far of each PostgreSQL backend connected to the hub (found by the hub's client ports). */
async function backendCpu(client: pg.Client, hubPid: number): Promise<Map<number, number>> {
  const ports = connectionPorts(hubPid, PG_PORT);
  const out = new Map<number, number>();
  if (ports.length === 0) return out;
  const { rows } = await client.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE client_addr IN ('127.0.0.1', '::1') AND client_port = ANY($1::int[])",
    [ports],
  );
  for (const { pid } of rows) {
    try {
      out.set(pid, cpuMs(pid));
    } catch {
      // the backend ended
    }
  }
  return out;
}

async function warm(rp: RelyingParty, request: (i: number) => LoginRequest, count: number): Promise<void> {
  let next = 0;
  const deadline = performance.now() + WINDOW_LIMIT_MS;
  const worker = async (): Promise<void> => {
    while (next < count) {
      if (performance.now() > deadline) throw new Error('warm-up took too long');
      await rp.login(request(next++));
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxLevel, count) }, worker));
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// The bare oidc-provider reference.

async function benchBare(): Promise<Row[]> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const key = await createRpKey('bench-rp-bare');
  const redirectUri = 'http://127.0.0.1:9/bench/callback';
  const child = await start({
    name: 'bare oidc-provider',
    args: [...profileArgs('bare'), 'bench/bare-provider.ts'],
    env: {
      BENCH_BARE_PORT: String(port),
      BENCH_BARE_CLIENT: JSON.stringify({ client_id: 'bench-rp', ...rpMetadata(key, redirectUri) }),
    },
    logFile: join(tmp, 'bare.log'),
    readyUrl: `${issuer}/.well-known/openid-configuration`,
  });
  try {
    const rp = await RelyingParty.connect(issuer, 'bench-rp', key, redirectUri);
    const request = (): LoginRequest => ({ scope: 'openid profile email', acr: ACR });
    await warm(rp, request, warmupCount);
    const rows: Row[] = [];
    for (const c of levels) {
      const r = await runWindow(rp, request, c, loginsAt(c), { pid: child.pid });
      rows.push({ target: 'bare', scheme: 'local', db: 'memory', setup: '-', ...r });
      log(`  bare oidc-provider c=${c}: ${fmtRow(rows.at(-1)!)}`);
    }
    return rows;
  } finally {
    await stop(child);
  }
}

// ---------------------------------------------------------------------------------------------
// The hub.

interface HubSetup {
  readonly logLevel: LogLevel;
  readonly nodeOptions: readonly string[];
}

const setupName = (s: HubSetup): string => [`LOG_LEVEL=${s.logLevel}`, ...s.nodeOptions].join(' ');

/**
 * Register a relying party the operator's way (`npm run cli -- clients register`), on the hub's
 * database: an operator-registered client is approved at once, as the demo services are.
 */
async function registerClient(
  hubEnv: Record<string, string>,
  tag: string,
  metadata: Record<string, unknown>,
): Promise<void> {
  const file = join(tmp, `client-${tag}-${String(metadata['client_id'])}.json`);
  writeFileSync(file, JSON.stringify(metadata));
  try {
    await execFileAsync(process.execPath, ['src/cli/main.ts', 'clients', 'register', '--file', file], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...hubEnv, LOG_LEVEL: 'warn' },
      timeout: 60_000,
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message?: string };
    throw new Error(
      `registering ${String(metadata['client_id'])} failed: ${e.stderr || e.stdout || e.message}`,
    );
  }
}

async function benchHub(db: Db, setup: HubSetup, hubLevels: readonly number[]): Promise<Row[]> {
  const { logLevel } = setup;
  const nodeOptions = [
    '--import ./bench/count-statements.ts',
    ...setup.nodeOptions,
    ...(args['hub-node-options'] ? [args['hub-node-options']] : []),
  ];
  const hubPort = await freePort();
  const simPort = await freePort();
  const hubUrl = `http://127.0.0.1:${hubPort}`;
  const simUrl = `http://127.0.0.1:${simPort}`;
  const tag = `${db}-${logLevel}${setup.nodeOptions.join('').replace(/[^a-z0-9]+/gi, '-')}`;
  const statementsFile = join(tmp, `statements-${tag}.json`);
  const sim = await start({
    name: 'simulators',
    args: ['bench/simulators-server.ts'],
    env: { BENCH_SIM_PORT: String(simPort), BENCH_HUB_URL: hubUrl },
    logFile: join(tmp, `simulators-${tag}.log`),
    readyUrl: `${simUrl}/singpass/fapi/.well-known/openid-configuration`,
  });
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(hubPort),
    LOG_LEVEL: logLevel,
    NODE_OPTIONS: nodeOptions.join(' '),
    BENCH_STATEMENTS_FILE: statementsFile,
    ...(explainStatements ? { BENCH_EXPLAIN_STATEMENTS: '1' } : {}),
    GOVBRIDGE_SIMULATORS: 'false',
    GOVBRIDGE_DEMO_SERVICES: 'false',
    GOVBRIDGE_SINGPASS_ISSUER: `${simUrl}/singpass/fapi`,
    GOVBRIDGE_SINGPASS_CLIENT_ID: 'govbridge-hub',
    GOVBRIDGE_ONELOGIN_ISSUER: `${simUrl}/onelogin`,
    GOVBRIDGE_ONELOGIN_CLIENT_ID: 'govbridge-hub',
    GOVBRIDGE_ONELOGIN_DID_URL: `${simUrl}/onelogin/identity/.well-known/did.json`,
    GOVBRIDGE_ONELOGIN_IDENTITY_ISSUER: `${simUrl}/onelogin/identity`,
  };
  if (db === 'postgres') {
    const schema = `bench_${randomBytes(5).toString('hex')}`;
    pgSchemas.push(schema);
    env['DATABASE_URL'] = PG_URL;
    env['GOVBRIDGE_DATABASE_SCHEMA'] = schema;
  } else {
    env['GOVBRIDGE_SQLITE_PATH'] = join(tmp, `hub-${tag}.db`);
  }
  let hub: Child | undefined;
  let postgres: pg.Client | undefined;
  try {
    if (db === 'postgres') {
      postgres = new pg.Client({ connectionString: PG_URL });
      await postgres.connect();
    }
    hub = await start({
      name: `hub (${tag})`,
      args: [...profileArgs(`hub-${tag}`), 'src/server.ts'],
      env,
      logFile: join(tmp, `hub-${tag}.log`),
      readyUrl: `${hubUrl}/readyz`,
    });
    const rows: Row[] = [];
    for (const scheme of schemes) {
      const demo = SCHEME_DEMO[scheme];
      const key = await createRpKey(`bench-rp-${scheme}`);
      const redirectUri = `http://127.0.0.1:9/bench/${scheme}/callback`;
      const clientId = `bench-rp-${scheme}`;
      await registerClient(env, tag, {
        client_id: clientId,
        ...rpMetadata(key, redirectUri),
        client_name: `Benchmark relying party (${scheme})`,
        govbridge_country: demo.country,
        govbridge_agency: 'Benchmark agency',
        govbridge_purpose: 'Load testing the hub',
        govbridge_attributes: [...demo.attributes],
        govbridge_min_acr: ACR,
        govbridge_security_profile: 'fapi2',
        govbridge_environment: demo.environment,
      });
      const rp = await RelyingParty.connect(hubUrl, clientId, key, redirectUri);
      const personas = PERSONAS[scheme];
      const request = (i: number): LoginRequest => ({
        scope: demo.scopes.join(' '),
        acr: ACR,
        idpHint: scheme,
        loginHint: personas[i % personas.length],
      });
      // Each persona's first login gives its consent (checked); then the warm-up proper.
      for (let i = 0; i < personas.length; i++) {
        const first = await rp.login(request(i));
        if (!first.consented) throw new Error(`no consent page on the first login of ${personas[i]}`);
        if (first.acr !== ACR) throw new Error(`acr ${first.acr} for ${personas[i]}, expected ${ACR}`);
      }
      await warm(rp, request, warmupCount);
      for (const c of hubLevels) {
        const r = await runWindow(rp, request, c, loginsAt(c), {
          pid: hub.pid,
          simPid: sim.pid,
          postgres,
          statementsFile,
        });
        rows.push({ target: 'hub', scheme, db, setup: setupName(setup), ...r });
        log(`  hub ${scheme} ${db} ${setupName(setup)} c=${c}: ${fmtRow(rows.at(-1)!)}`);
        const byTable = r.statementsPerLogin?.byTable ?? {};
        log(
          `    writes per login: ${Object.entries(byTable)
            .map(([k, n]) => `${k} ${f2(n)}`)
            .join(', ')}`,
        );
        if (r.statementsPerLogin?.explained) {
          log('    every statement per login (kind, table, model):');
          for (const [k, n] of Object.entries(r.statementsPerLogin.explained))
            log(`      ${f2(n).padStart(6)}  ${k}`);
        }
      }
    }
    return rows;
  } finally {
    if (hub) await stop(hub);
    await stop(sim);
    await postgres?.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Report.

const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '-');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');

function fmtRow(r: Row): string {
  const s = r.statementsPerLogin;
  const statements = s
    ? `, ${f1(s.durable)} durable statements/login (${f1(s.writes)} writes, ${f1(s.transactions)} transactions; ${f1(s.reads)} reads)`
    : '';
  return `${f1(r.loginsPerSecond)} logins/s, p50 ${f0(r.p50Ms)} ms, p99 ${f0(r.p99Ms)} ms, CPU ${f2(r.cpuMsPerLogin)} ms/login, peak RSS ${f0(r.peakRssMiB)} MiB, other load ${f2(r.otherCores)} cores${statements}`;
}

function table(rows: readonly Row[], bare: readonly Row[]): string {
  const bareAt = (c: number): Row | undefined => bare.find((b) => b.concurrency === c);
  const head = [
    'target',
    'scheme',
    'db',
    'hub setup',
    'conc',
    'logins',
    'logins/s',
    'p50 ms',
    'p99 ms',
    'CPU ms/login',
    '× bare',
    'peak RSS MiB',
    'sim CPU ms/login',
    'PostgreSQL CPU ms/login',
    'loadgen CPU ms/login',
    'other load (cores)',
    'durable statements/login',
    'writes/login',
    'transactions/login',
    'reads/login',
  ];
  const body = rows.map((r) => {
    const b = r.target === 'hub' ? bareAt(r.concurrency) : undefined;
    return [
      r.target === 'hub' ? 'hub' : 'bare oidc-provider',
      r.scheme,
      r.db,
      r.setup,
      String(r.concurrency),
      String(r.logins),
      f1(r.loginsPerSecond),
      f0(r.p50Ms),
      f0(r.p99Ms),
      f2(r.cpuMsPerLogin),
      b ? f2(r.cpuMsPerLogin / b.cpuMsPerLogin) : '-',
      f0(r.peakRssMiB),
      r.simulatorCpuMsPerLogin === undefined ? '-' : f2(r.simulatorCpuMsPerLogin),
      r.dbServerCpuMsPerLogin === undefined ? '-' : f2(r.dbServerCpuMsPerLogin),
      f2(r.loadgenCpuMsPerLogin),
      f2(r.otherCores),
      r.statementsPerLogin ? f1(r.statementsPerLogin.durable) : '-',
      r.statementsPerLogin ? f1(r.statementsPerLogin.writes) : '-',
      r.statementsPerLogin ? f1(r.statementsPerLogin.transactions) : '-',
      r.statementsPerLogin ? f1(r.statementsPerLogin.reads) : '-',
    ];
  });
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
}

function verdicts(rows: readonly Row[], bare: readonly Row[]): Verdict[] {
  const out: Verdict[] = [];
  for (const r of rows.filter((x) => x.concurrency === maxLevel)) {
    const b = bare.find((x) => x.concurrency === r.concurrency);
    const name = `${r.scheme} ${r.db} ${r.setup} c=${r.concurrency}`;
    if (b) {
      const ratio = r.cpuMsPerLogin / b.cpuMsPerLogin;
      out.push({
        target: `hub CPU/login ≤ ${TARGETS.cpuRatio}× bare (${name})`,
        measured: `${f2(r.cpuMsPerLogin)} / ${f2(b.cpuMsPerLogin)} ms = ${f2(ratio)}×`,
        pass: ratio <= TARGETS.cpuRatio,
      });
    }
    if (r.concurrency === TARGETS.concurrency && r.db !== 'memory') {
      const rate = TARGETS.loginsPerSecond[r.db];
      out.push({
        target: `≥ ${rate} logins/s with p99 < ${TARGETS.p99Ms} ms at c=${TARGETS.concurrency} (${name})`,
        measured: `${f1(r.loginsPerSecond)} logins/s, p99 ${f0(r.p99Ms)} ms`,
        pass: r.loginsPerSecond >= rate && r.p99Ms < TARGETS.p99Ms,
      });
    }
    if (r.statementsPerLogin) {
      out.push({
        target: `durable statements per login ≤ ${TARGETS.durableStatements} (${name})`,
        measured: `${f1(r.statementsPerLogin.durable)} (${f1(r.statementsPerLogin.writes)} writes + ${f1(r.statementsPerLogin.transactions)} transactions)`,
        pass: r.statementsPerLogin.durable <= TARGETS.durableStatements,
      });
    }
  }
  for (const setup of new Set(rows.map((r) => r.setup))) {
    const peak = Math.max(...rows.filter((r) => r.setup === setup).map((r) => r.peakRssMiB));
    out.push({
      target: `hub peak RSS < ${TARGETS.peakRssMiB} MB (${setup}, every run)`,
      measured: `${f0(peak)} MiB`,
      pass: peak < TARGETS.peakRssMiB,
    });
  }
  return out;
}

function machine(): Record<string, string> {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux
  }
  return {
    cpu: `${cpus().length} × ${model}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    date: new Date().toISOString(),
  };
}

async function dropSchemas(): Promise<void> {
  if (pgSchemas.length === 0) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const s of pgSchemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await client.end();
  }
}

async function cleanup(): Promise<void> {
  for (const child of [...children]) await stop(child).catch(() => undefined);
  await dropSchemas().catch((err: unknown) => log(`could not drop PostgreSQL schemas: ${String(err)}`));
}

async function main(): Promise<void> {
  const info = machine();
  log(`govbridge login benchmark — ${info['date']}`);
  log(`machine: ${info['cpu']}, ${info['memory']}, Node ${info['node']}`);
  log(
    `schemes ${schemes.join(',')}; databases ${dbs.join(',')}; concurrency ${levels.join(',')}; ` +
      `logins per level ${levels.map(loginsAt).join('/')}; warm-up ${warmupCount}; hub LOG_LEVEL ${logLevels.join(',')}; semi-space ${semiSpaces.join(',') || 'default only'}`,
  );
  log(`logs and databases: ${tmp}\n`);

  log('cryptographic floor (node:crypto, one core) …');
  const floor: CryptoFloor = measureCryptoFloor(args.quick ? 300 : 1000);
  log(
    `  ECDSA P-256 sign ${f0(floor.signPerSecond)}/s, verify ${f0(floor.verifyPerSecond)}/s, ` +
      `ECDH P-256 ${f0(floor.ecdhPerSecond)}/s, P-256 keygen ${f0(floor.keygenPerSecond)}/s, ` +
      `RSA-2048 sign ${f0(floor.rsaSignPerSecond)}/s\n`,
  );

  let bare: Row[] = [];
  if (!args['no-bare']) {
    log('bare oidc-provider (in-memory adapter, local auto-login) …');
    bare = await benchBare();
    log('');
  }

  const rows: Row[] = [];
  for (const db of dbs) {
    const setups: HubSetup[] = [
      ...logLevels.map((logLevel) => ({ logLevel, nodeOptions: [] })),
      ...semiSpaces.map((n) => ({ logLevel: logLevels[0]!, nodeOptions: [`--max-semi-space-size=${n}`] })),
    ];
    for (const [i, setup] of setups.entries()) {
      log(`hub on ${db}, ${setupName(setup)} …`);
      rows.push(...(await benchHub(db, setup, i === 0 ? levels : [maxLevel])));
      log('');
    }
  }

  log('results (latency end to end per login at the load generator; CPU of the named process only)\n');
  log(table([...bare, ...rows], bare));
  log('');
  const v = verdicts(rows, bare);
  log('targets');
  for (const x of v) log(`  ${x.pass ? 'PASS' : 'FAIL'}  ${x.target}: ${x.measured}`);
  log('');
  log(
    `cryptographic floor: ECDSA P-256 sign ${f0(floor.signPerSecond)}/s (${f2(1000 / floor.signPerSecond)} ms), ` +
      `verify ${f0(floor.verifyPerSecond)}/s (${f2(1000 / floor.verifyPerSecond)} ms), ` +
      `ECDH ${f0(floor.ecdhPerSecond)}/s (${f2(1000 / floor.ecdhPerSecond)} ms), ` +
      `keygen ${f0(floor.keygenPerSecond)}/s (${f2(1000 / floor.keygenPerSecond)} ms), ` +
      `RSA-2048 sign ${f0(floor.rsaSignPerSecond)}/s (${f2(1000 / floor.rsaSignPerSecond)} ms)`,
  );
  if (args['cpu-prof']) log(`hub CPU profiles: ${join(tmp, 'profiles')}`);
  if (args.json) {
    writeFileSync(
      args.json,
      `${JSON.stringify({ machine: info, floor, bare, rows, verdicts: v }, null, 2)}\n`,
    );
    log(`JSON: ${args.json}`);
  }
}

let interrupted = false;
const onSignal = (): void => {
  if (interrupted) return;
  interrupted = true;
  log('interrupted; stopping child processes');
  cleanup().finally(() => process.exit(130));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  await main();
  await cleanup();
  process.exit(0);
} catch (err) {
  const oauth = err as { error?: unknown; error_description?: unknown };
  const detail =
    typeof oauth.error === 'string' ? ` (${oauth.error}: ${String(oauth.error_description ?? '')})` : '';
  process.stderr.write(
    `benchmark failed${detail}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  await cleanup();
  process.exit(1);
}
