import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
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
 * `npm run bench:rules` — the rules engine's two budgets (life-events issue):
 *  (a) journeys for one citizen at a time, with traces and explanations: p50/p99 (target p99 < 5 ms);
 *  (b) bulk evaluation of synthetic citizens for one event, streamed (facts generated on the fly,
 *      nothing kept): throughput (target ≥ 50,000 citizens/s) and RSS sampled during the run, at 100k
 *      and at the end, to show memory stays flat.
 * Uses the real catalogue/ when it loads, else the test fixture.
 *
 *   BENCH_RULES_EVENT      event id (default: the event with the most services)
 *   BENCH_RULES_CITIZENS   bulk size (default 1,000,000)
 *   BENCH_RULES_JOURNEYS   single-citizen journeys (default 20,000)
 */

const CITIZENS = Number(process.env['BENCH_RULES_CITIZENS'] ?? 1_000_000);
const JOURNEYS = Number(process.env['BENCH_RULES_JOURNEYS'] ?? 20_000);
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

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
const gc = (globalThis as { gc?: () => void }).gc;

// (a) one citizen at a time, with traces and explanations
{
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
    `catalogue: ${source}; event ${event.id} (${services.length} services, ${factIds.length} facts); node ${process.version}; ${cpus().length} CPUs\n` +
      `(a) journeys, one citizen each, with traces and explanations: ${JOURNEYS} journeys, ` +
      `${Math.round(JOURNEYS / (times.reduce((s, t) => s + t, 0) / 1000))} journeys/s (evaluation time), ` +
      `p50 ${at(0.5).toFixed(3)} ms, p99 ${at(0.99).toFixed(3)} ms, max ${at(1).toFixed(3)} ms; ` +
      `${(questions / JOURNEYS).toFixed(2)} questions per journey; wall ${(wall / 1000).toFixed(2)} s\n`,
  );
}

// (b) bulk, streamed: every fact known, then one fact in twenty unknown
for (const share of [0, 0.05]) {
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
  const counts = { eligible: 0, not_eligible: 0, may_be_eligible: 0, errors: 0 };
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
      `heap used at 100k ${mb(heapAt100k)}, at end ${mb(heapEnd)}\n`,
  );
}
