import { spawn } from 'node:child_process';
import {
  closeSync,
  createWriteStream,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type Catalogue,
  type CitizenInput,
  evaluateJourney,
  evaluateMany,
  loadCatalogue,
} from '../src/life-events/index.ts';
import { writeCatalogue } from '../src/life-events/test-fixtures.ts';
import type { Facts, FactValue } from '../src/rules/index.ts';

/**
 * `npm run bench:rules` — the rules engine's budgets (life-events issue):
 *  (a) journeys for one citizen at a time, with traces and explanations: p50/p99 (target p99 < 5 ms);
 *  (b) bulk evaluation of synthetic citizens for one event, streamed (facts generated on the fly,
 *      nothing kept): throughput (target ≥ 50,000 citizens/s) and RSS sampled during the run, at 100k
 *      and at the end, to show memory stays flat;
 *  (c) the bulk command end to end (`life-events evaluate`, target ≥ 50,000 citizens/s on a million
 *      records): the same synthetic citizens (5% of facts unknown) written to a JSON-lines and a CSV
 *      file in the system's temporary directory (deleted afterwards), then the command run on each as
 *      a separate process, output to /dev/null: wall time from start to exit (Node's start, loading
 *      the catalogue and starting worker threads included), citizens/s, the process's CPU time, its
 *      RSS sampled every 250 ms against the rows done, and its peak RSS (VmHWM).
 * Uses the real catalogue/ when it loads, else the test fixture. Each figure is printed with the
 * load average of the machine (other work slows every figure here).
 *
 *   BENCH_RULES_EVENT        event id (default: the event with the most services)
 *   BENCH_RULES_CITIZENS     bulk size, and rows in (c)'s files (default 1,000,000)
 *   BENCH_RULES_JOURNEYS     single-citizen journeys (default 20,000)
 *   BENCH_RULES_PARTS        which parts to run (default journeys,bulk,cli)
 *   BENCH_RULES_CLI_FORMATS  (c)'s input formats (default jsonl,csv)
 *   BENCH_RULES_CLI_THREADS  (c)'s runs per file: auto (the command's default), or a --threads value
 *                            (default auto,1: worker threads, then the single-thread path)
 *   BENCH_RULES_FILES_DIR    keep (c)'s input files in this directory and reuse them when they are
 *                            there already (for profiling the command on the same input)
 */

const CITIZENS = Number(process.env['BENCH_RULES_CITIZENS'] ?? 1_000_000);
const JOURNEYS = Number(process.env['BENCH_RULES_JOURNEYS'] ?? 20_000);
const list = (name: string, fallback: string) =>
  (process.env[name] ?? fallback)
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
const PARTS = new Set(list('BENCH_RULES_PARTS', 'journeys,bulk,cli'));
const CLI_FORMATS = list('BENCH_RULES_CLI_FORMATS', 'jsonl,csv');
const CLI_THREADS = list('BENCH_RULES_CLI_THREADS', 'auto,1');
const realDir = new URL('../catalogue/', import.meta.url).pathname;

let catalogue: Catalogue;
let source: string;
try {
  if (!existsSync(realDir)) throw new Error('no catalogue/ directory');
  catalogue = loadCatalogue(realDir);
  source = 'catalogue/ (real)';
} catch (error) {
  process.stdout.write(`real catalogue not used: ${(error as Error).message.split('\n')[0]}\n`);
  catalogue = loadCatalogue(writeCatalogue());
  source = 'test fixture';
}
const event =
  catalogue.events.get(process.env['BENCH_RULES_EVENT'] ?? '') ??
  [...catalogue.events.values()].sort((a, b) => b.services.length - a.services.length)[0]!;
const services = event.services.map((id) => catalogue.services.get(id)!);
const factIds = [...new Set(services.flatMap((s) => s.facts))];

// Event dates inside every series the event reads: from the latest first value, two years on.
const usedParameters = new Set(
  services.flatMap((s) =>
    [s.rules.eligibility, s.rules.deadline, s.rules.amount].flatMap((r) => r?.parameters ?? []),
  ),
);
const earliest =
  [...usedParameters]
    .map((id) => catalogue.parameters.get(id)!.series[0]!.from)
    .sort()
    .at(-1) ?? '2024-04-06';
const earliestMs = Date.parse(`${earliest}T00:00:00Z`);

/** mulberry32: a small deterministic PRNG, so every run evaluates the same citizens. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
// Date strings made once: the generator picks from them instead of formatting a Date per fact.
const EVENT_DAYS = Array.from({ length: 730 }, (_, i) => isoDay(earliestMs + i * 86_400_000));
const PAST_DAYS = Array.from({ length: 40 * 365 }, (_, i) => isoDay(earliestMs - i * 86_400_000));

/** Share of facts left unknown in the bulk run's second pass (the first knows every fact). */
let unknownShare = 0.05;

function citizen(random: () => number): CitizenInput {
  const eventDay = Math.floor(random() * 730);
  const facts: Record<string, FactValue | undefined> = {};
  for (const id of factIds) {
    if (random() < unknownShare) continue; // unknown: exercises the unknown path
    const fact = catalogue.facts.get(id)!;
    facts[id] = synthetic(fact.type, fact, random);
  }
  return { eventDate: EVENT_DAYS[eventDay]!, facts: facts as Facts };
}

function synthetic(
  type: string,
  fact: { options?: readonly { value: string }[]; min?: number; max?: number },
  random: () => number,
): FactValue {
  switch (type) {
    case 'boolean':
      return random() < 0.7;
    case 'integer': {
      const min = fact.min ?? 0;
      const max = Math.min(fact.max ?? min + 5, min + 5);
      return min + Math.floor(random() * (max - min + 1));
    }
    case 'money': {
      const min = fact.min ?? 0;
      const max = fact.max ?? 120_000;
      return Math.round((min + random() * (max - min)) * 100) / 100;
    }
    case 'enum':
      return fact.options![Math.floor(random() * fact.options!.length)]!.value;
    case 'date':
      // up to 40 years before the earliest event date (birth dates, dates of death…)
      return PAST_DAYS[Math.floor(random() * PAST_DAYS.length)]!;
    default:
      return 'Synthetic answer';
  }
}

function* citizens(n: number, seed: number): Generator<CitizenInput> {
  const random = prng(seed);
  for (let i = 0; i < n; i++) yield citizen(random);
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const gc = (globalThis as { gc?: () => void }).gc;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
process.stdout.write(
  `catalogue: ${source}; event ${event.id} (${services.length} services, ${factIds.length} facts); node ${process.version}; ${cpus().length} CPUs; load average ${load()}\n`,
);

// (a) one citizen at a time, with traces and explanations
if (PARTS.has('journeys')) {
  const random = prng(1);
  for (let i = 0; i < 2000; i++) {
    const c = citizen(random);
    evaluateJourney(catalogue, event.id, c.eventDate, c.facts);
  }
  const times = new Float64Array(JOURNEYS);
  let questions = 0;
  const start = performance.now();
  for (let i = 0; i < JOURNEYS; i++) {
    const c = citizen(random);
    const t0 = performance.now();
    const journey = evaluateJourney(catalogue, event.id, c.eventDate, c.facts);
    times[i] = performance.now() - t0;
    questions += journey.questions.length;
  }
  const wall = performance.now() - start;
  times.sort();
  const at = (q: number) => times[Math.min(JOURNEYS - 1, Math.floor(q * JOURNEYS))]!;
  process.stdout.write(
    `(a) journeys, one citizen each, with traces and explanations: ${JOURNEYS} journeys, ` +
      `${Math.round(JOURNEYS / (times.reduce((s, t) => s + t, 0) / 1000))} journeys/s (evaluation time), ` +
      `p50 ${at(0.5).toFixed(3)} ms, p99 ${at(0.99).toFixed(3)} ms, max ${at(1).toFixed(3)} ms; ` +
      `${(questions / JOURNEYS).toFixed(2)} questions per journey; wall ${(wall / 1000).toFixed(2)} s; load average ${load()}\n`,
  );
}

// (b) bulk, streamed: every fact known, then one fact in twenty unknown
for (const share of PARTS.has('bulk') ? [0, 0.05] : []) {
  unknownShare = share;
  // The cost of making up the citizens, measured alone, so evaluation's own rate can be shown too.
  const genN = Math.min(CITIZENS, 200_000);
  const g0 = performance.now();
  let sink = 0;
  for (const c of citizens(genN, 3)) sink += c.eventDate.length;
  const genPerCitizen = (performance.now() - g0) / 1000 / genN;
  if (sink === 0) process.stdout.write('');
  gc?.();
  const rssStart = process.memoryUsage.rss();
  let peak = rssStart;
  let rssAt100k = 0;
  let heapAt100k = 0;
  const counts = { eligible: 0, not_eligible: 0, may_be_eligible: 0, outside_rules: 0, errors: 0 };
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (const result of evaluateMany(catalogue, event.id, citizens(CITIZENS, 2))) {
    if ('error' in result) counts.errors++;
    else for (const s of result.services) counts[s.eligibility]++;
    n++;
    if (n % 10_000 === 0) {
      const rss = process.memoryUsage.rss();
      if (rss > peak) peak = rss;
      if (n === 100_000) {
        rssAt100k = rss;
        heapAt100k = process.memoryUsage().heapUsed;
      }
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rssEnd = process.memoryUsage.rss();
  const heapEnd = process.memoryUsage().heapUsed;
  process.stdout.write(
    `(b) bulk, ${share === 0 ? 'every fact known' : `${share * 100}% of facts unknown`}: ${n.toLocaleString('en-GB')} citizens in ${seconds.toFixed(2)} s = ${Math.round(n / seconds).toLocaleString('en-GB')} citizens/s ` +
      `including generating them; evaluation alone ≈ ${Math.round(n / (seconds - genPerCitizen * n)).toLocaleString('en-GB')} citizens/s ` +
      `(generation measured at ${(genPerCitizen * 1e6).toFixed(2)} µs per citizen); ` +
      `${Math.round(n / cpuSeconds).toLocaleString('en-GB')} citizens per CPU-second (${cpuSeconds.toFixed(2)} s CPU); decisions: ${JSON.stringify(counts)}\n` +
      `    RSS: start ${mb(rssStart)}, at 100k ${mb(rssAt100k)}, at ${n.toLocaleString('en-GB')} ${mb(rssEnd)}, peak ${mb(peak)}; ` +
      `heap used at 100k ${mb(heapAt100k)}, at end ${mb(heapEnd)}; load average ${load()}\n`,
  );
}

// (c) the bulk command end to end, on files of CITIZENS rows
if (PARTS.has('cli')) {
  unknownShare = 0.05;
  const keepDir = process.env['BENCH_RULES_FILES_DIR'];
  const dir = keepDir ?? mkdtempSync(join(tmpdir(), 'govbridge-bench-rules-'));
  try {
    for (const format of CLI_FORMATS) {
      if (format !== 'jsonl' && format !== 'csv') throw new Error(`unknown format ${format}`);
      const file = join(dir, keepDir ? `citizens-${event.id}-${CITIZENS}.${format}` : `citizens.${format}`);
      const w0 = performance.now();
      if (!keepDir || !existsSync(file)) await writeCitizens(file, format, CITIZENS);
      process.stdout.write(
        `(c) ${format}: ${CITIZENS.toLocaleString('en-GB')} rows, ${mb(statSync(file).size)}, written in ${((performance.now() - w0) / 1000).toFixed(1)} s\n`,
      );
      for (const threads of CLI_THREADS) {
        const run = await runCommand(file, threads);
        process.stdout.write(
          `    threads ${threads}: ${run.rows.toLocaleString('en-GB')} rows in ${run.seconds.toFixed(2)} s = ${Math.round(run.rows / run.seconds).toLocaleString('en-GB')} citizens/s end to end; ` +
            `CPU ${run.cpuSeconds.toFixed(2)} s (${(run.cpuSeconds / run.seconds).toFixed(2)} cores); exit ${run.code}; ` +
            `RSS ${run.rssAtRows.map(([rows, rss]) => `${mb(rss)} at ${Math.round(rows / 1000)}k`).join(', ')}; peak RSS ${mb(run.peak)}; ` +
            `load average before ${run.loadBefore}, after ${run.loadAfter}\n`,
        );
        if (run.code !== 0 || run.rows !== CITIZENS) {
          process.stdout.write(`    the command failed:\n${run.stderr}\n`);
          process.exitCode = 1;
        }
      }
      if (!keepDir) rmSync(file, { force: true });
    }
  } finally {
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  }
}

/** CITIZENS synthetic citizens (seed 2, as in (b)) as the command reads them: JSON lines or CSV. */
async function writeCitizens(path: string, format: 'jsonl' | 'csv', n: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', resolve));
  if (format === 'csv') await write(`id,eventDate,${factIds.join(',')}\n`);
  let batch = '';
  let i = 0;
  for (const c of citizens(n, 2)) {
    if (format === 'jsonl') {
      batch += `${JSON.stringify({ id: i, eventDate: c.eventDate, facts: c.facts })}\n`;
    } else {
      let line = `${i},${c.eventDate}`;
      for (const id of factIds) {
        const v = c.facts[id];
        line += v === undefined ? ',' : `,${csvCell(String(v))}`;
      }
      batch += `${line}\n`;
    }
    i++;
    if (batch.length >= 1 << 16) {
      await write(batch);
      batch = '';
    }
  }
  await write(batch);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

interface CommandRun {
  readonly code: number | null;
  readonly rows: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peak: number;
  readonly rssAtRows: readonly (readonly [number, number])[];
  readonly loadBefore: string;
  readonly loadAfter: string;
  readonly stderr: string;
}

/** Children's CPU seconds so far (cutime + cstime of /proc/self/stat: children waited for). */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function procStatus(pid: number): { rss: number; hwm: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

async function runCommand(file: string, threads: string): Promise<CommandRun> {
  const args = [
    'src/cli/main.ts',
    'life-events',
    'evaluate',
    '--event',
    event.id,
    '--file',
    file,
    '--progress',
  ];
  if (threads !== 'auto') args.push('--threads', threads);
  const devNull = openSync('/dev/null', 'w');
  const loadBefore = load();
  const cpu0 = childrenCpuSeconds();
  const start = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: new URL('../', import.meta.url).pathname,
    env: { ...process.env, NODE_ENV: 'test', GOVBRIDGE_CATALOGUE_DIR: catalogue.dir },
    stdio: ['ignore', devNull, 'pipe'],
  });
  closeSync(devNull);
  let stderr = '';
  let rowsDone = 0;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr += d;
    for (const m of d.matchAll(/life-events: ([\d,]+) rows/g)) rowsDone = Number(m[1]!.replaceAll(',', ''));
  });
  let peak = 0;
  const samples: [number, number][] = [];
  const timer = setInterval(() => {
    const s = procStatus(child.pid!);
    if (!s || s.rss === 0) return; // gone, or exiting
    peak = Math.max(peak, s.hwm);
    samples.push([rowsDone, s.rss]);
  }, 250);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(timer);
  const seconds = (performance.now() - start) / 1000;
  const cpuSeconds = childrenCpuSeconds() - cpu0;
  const summary = /life-events: ([\d,]+) rows, ([\d,]+) invalid/.exec(stderr);
  const rows = summary ? Number(summary[1]!.replaceAll(',', '')) : 0;
  // RSS at about a tenth, half and the end of the rows (the last sample before exit).
  const at = (share: number) => samples.find(([r]) => r >= rows * share) ?? samples.at(-1) ?? [0, 0];
  const rssAtRows = samples.length === 0 ? [] : [at(0.1), at(0.5), samples.at(-1)!];
  return { code, rows, seconds, cpuSeconds, peak, rssAtRows, loadBefore, loadAfter: load(), stderr };
}
