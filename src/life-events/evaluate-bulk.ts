import { isGovbridgeError } from '../kernel/index.ts';
import {
  type CompiledExpression,
  type EvaluationContext,
  evaluateExpression,
  type Facts,
  type Outcome,
  type ParameterReading,
} from '../rules/index.ts';
import { checkEventDate, type Decision, decide, eventOf, prepareCitizenFacts } from './evaluate-journey.ts';
import { parametersOn } from './resolve-parameter.ts';
import type { Catalogue, Fact, Parameter, Service } from './types.ts';

/**
 * Evaluate one life event for many citizens, streaming: one result per citizen, in input order,
 * without traces or explanations (the fast path of the rules engine), holding nothing between
 * citizens — memory stays flat however long the input. A citizen whose answers are invalid gets an
 * `error` result; the run goes on. For the CLI's bulk command and the benchmark.
 *
 * Outcomes are remembered within a run (OpenFisca's advice: never recompute what the inputs already
 * determine). An expression's outcome depends only on the values of the facts it may read (or their
 * absence), the values of the parameters it may read, and the event date when it reads `event.date`.
 * Where those take few values — facts that are yes/no, one of a list, or a whole number in a short
 * range — the outcome is looked up by them instead of evaluated again, by one whole number: the
 * facts' codes, and a date part. The date part is the day only for an expression that computes with
 * the date (a deadline such as `add_days(event.date, param(…))`: once per date); a guard that only
 * compares it with literals (`event.date >= "2019-01-01"`) counts where the date falls among them,
 * and parameters count by which of their values is in force — so a rule over a birth order and a
 * date guard is evaluated once per era, not once per day (keyed by day, such rules filled the memo
 * and emptied it again every few thousand citizens). Rules over amounts of money or dates are always
 * evaluated. Parameters are resolved once per event date. The memo and the dates are bounded, so
 * memory stays flat however many dates and answers a run meets.
 *
 * A service whose rules read a parameter with no value on a citizen's event date is `outside_rules`
 * with `rulesFrom`, exactly as in a journey (`decide` is shared); the citizen's other services are
 * worked out.
 */

const MEMO_ENTRIES = 1 << 17;
/** Event dates whose parameters and keys are kept at once (a run over many dates clears them). */
const DATE_ENTRIES = 1 << 12;
/** An integer fact is remembered by value when its min–max range has at most this many values. */
const SMALL_RANGE = 100;
/** Keys stay exact integers: a plan whose key could pass this is always evaluated instead. */
const MAX_KEY = 2 ** 52;
/** Days from 1900-01-01 (the earliest date accepted) fit below this: a key's date part by day. */
const DAY_RADIX = 1 << 20;
const FIRST_DAY_MS = Date.UTC(1900, 0, 1);

/** A fact's value as a small whole number: 0 when not known; -1 when it has no code (evaluate). */
type FactCoder = (value: unknown) => number;

/**
 * What an expression's outcomes are looked up by: one whole number made of the codes of the facts it
 * may read and a date part — the event's day when it reads `event.date` (other than to compare it with
 * literals); else where the date falls among the literals it compares `event.date` with, and which
 * value of each parameter it may read is in force (or none). Outcomes of the plan in `memo` by key.
 */
interface Plan {
  readonly slot: number;
  readonly facts: readonly string[];
  readonly coders: readonly FactCoder[];
  readonly radices: readonly number[];
  /** The product of the facts' radices: the key is date part × span + facts' code. */
  readonly span: number;
  readonly byDay: boolean;
  readonly literals: readonly string[];
  readonly parameters: readonly Parameter[];
  readonly memo: Map<number, Outcome>;
}

/** What a bulk run keeps per event date: its parameters (resolved once) and each plan's date part. */
interface DateEntry {
  readonly resolve: (id: string) => ParameterReading;
  /** Date part by plan slot; undefined until worked out. */
  readonly parts: number[];
}

class OutcomeMemo {
  readonly #catalogue: Catalogue;
  readonly #plans = new Map<CompiledExpression, Plan | null>();
  readonly #memos: Map<number, Outcome>[] = [];
  readonly #dates = new Map<string, DateEntry>();
  #size = 0;
  /** Whether the last `outcome` came from (or went into) the memo: the same object for the same key. */
  fromMemo = false;
  /** Called when the memo is emptied: whatever was keyed by its outcomes must go too. */
  onClear: (() => void) | null = null;

  constructor(catalogue: Catalogue) {
    this.#catalogue = catalogue;
  }

  /** The parameters in force on a date, each resolved once per date in a run. */
  date(eventDate: string): DateEntry {
    let entry = this.#dates.get(eventDate);
    if (entry === undefined) {
      if (this.#dates.size >= DATE_ENTRIES) this.#dates.clear();
      const resolve = parametersOn(this.#catalogue, eventDate);
      const readings = new Map<string, ParameterReading>();
      entry = {
        resolve: (id) => {
          let reading = readings.get(id);
          if (reading === undefined) {
            reading = resolve(id);
            readings.set(id, reading);
          }
          return reading;
        },
        parts: [],
      };
      this.#dates.set(eventDate, entry);
    }
    return entry;
  }

  outcome(expr: CompiledExpression, ctx: EvaluationContext, date: DateEntry): Outcome {
    this.fromMemo = false;
    const plan = this.#plan(expr);
    if (plan === null) return evaluateExpression(expr, ctx).outcome;
    let part = date.parts[plan.slot];
    if (part === undefined) {
      part = datePart(plan, ctx.eventDate);
      date.parts[plan.slot] = part;
    }
    let code = 0;
    const known = ctx.facts.known;
    for (let i = 0; i < plan.coders.length; i++) {
      const c = plan.coders[i]!(known[plan.facts[i]!]);
      if (c < 0) return evaluateExpression(expr, ctx).outcome;
      code = code * plan.radices[i]! + c;
    }
    const key = part * plan.span + code;
    let outcome = plan.memo.get(key);
    if (outcome === undefined) {
      outcome = evaluateExpression(expr, ctx).outcome;
      if (++this.#size > MEMO_ENTRIES) {
        for (const memo of this.#memos) memo.clear();
        this.#size = 1;
        this.onClear?.();
      }
      plan.memo.set(key, outcome);
    }
    this.fromMemo = true;
    return outcome;
  }

  #plan(expr: CompiledExpression): Plan | null {
    let plan = this.#plans.get(expr);
    if (plan === undefined) {
      plan = this.#makePlan(expr);
      this.#plans.set(expr, plan);
    }
    return plan;
  }

  #makePlan(expr: CompiledExpression): Plan | null {
    const coders: FactCoder[] = [];
    const radices: number[] = [];
    for (const id of expr.facts) {
      const fact = this.#catalogue.facts.get(id);
      const coded = fact === undefined ? null : factCoder(fact);
      if (coded === null) return null;
      coders.push(coded.coder);
      radices.push(coded.radix);
    }
    const span = radices.reduce((a, b) => a * b, 1);
    const byDay = expr.readsEventDate && expr.eventDateComparedWith === undefined;
    const literals = byDay ? [] : (expr.eventDateComparedWith ?? []);
    const parameters = byDay
      ? []
      : expr.parameters.map((id) => this.#catalogue.parameters.get(id)).filter((p) => p !== undefined);
    if (parameters.length !== (byDay ? 0 : expr.parameters.length)) return null;
    const dateRadix = byDay
      ? DAY_RADIX
      : parameters.reduce((a, p) => a * (p.series.length + 1), 2 * literals.length + 1);
    if (dateRadix * span > MAX_KEY) return null;
    const memo = new Map<number, Outcome>();
    this.#memos.push(memo);
    return {
      slot: this.#memos.length - 1,
      facts: expr.facts,
      coders,
      radices,
      span,
      byDay,
      literals,
      parameters,
      memo,
    };
  }
}

/** How a fact's values are coded in a key (0 is "not known"), or null: money, dates, text, wide ranges. */
function factCoder(fact: Fact): { readonly coder: FactCoder; readonly radix: number } | null {
  if (fact.type === 'boolean') {
    return { coder: (v) => (v === undefined ? 0 : v === true ? 2 : v === false ? 1 : -1), radix: 3 };
  }
  if (fact.type === 'enum') {
    const index = new Map((fact.options ?? []).map((o, i) => [o.value, i + 1]));
    return {
      coder: (v) => (v === undefined ? 0 : (index.get(v as string) ?? -1)),
      radix: index.size + 1,
    };
  }
  if (fact.type === 'integer' && fact.min !== undefined && fact.max !== undefined) {
    const { min, max } = fact;
    if (max - min >= SMALL_RANGE) return null;
    return {
      coder: (v) =>
        v === undefined
          ? 0
          : Number.isInteger(v) && (v as number) >= min && (v as number) <= max
            ? (v as number) - min + 1
            : -1,
      radix: max - min + 2,
    };
  }
  return null;
}

/**
 * A plan's date part for a date: the day (from 1900-01-01) when it reads the date itself; else where
 * the date falls among its literals (twice the count of those before it, plus one when it equals
 * one: that decides every comparison with them), then for each parameter the index of the value in
 * force plus one (0: none, outside the rules).
 */
function datePart(plan: Plan, date: string): number {
  if (plan.byDay) return Math.round((Date.parse(`${date}T00:00:00Z`) - FIRST_DAY_MS) / 86_400_000);
  let before = 0;
  let equal = 0;
  for (const literal of plan.literals) {
    if (literal < date) before++;
    else if (literal === date) equal = 1;
  }
  let part = 2 * before + equal;
  for (const parameter of plan.parameters) {
    const series = parameter.series;
    let i = series.length - 1;
    while (i >= 0 && series[i]!.from > date) i--;
    part = part * (series.length + 1) + (i + 1);
  }
  return part;
}

/**
 * Decisions shared between citizens. A service's decision is a function of the outcomes of its rules
 * (`decide` is pure; whether an unknown outcome is outside the rules depends on the date only through
 * which parameter values are in force, which the memo's key holds), so where every outcome came from
 * the memo the decision is looked up by those outcome objects instead of made again, and the same
 * frozen result object is handed out — the command's output caches its JSON by it (`isSharedResult`).
 * Emptied with the memo; bounded like it.
 */
class DecisionCache {
  /** Per service, by the eligibility outcome: the decision when it alone decided, else by the others. */
  readonly #byService: Map<Outcome, DecisionNode>[];
  #size = 0;

  constructor(services: number, memo: OutcomeMemo) {
    this.#byService = Array.from({ length: services }, () => new Map());
    memo.onClear = () => this.#clear();
  }

  /** The decision when the eligibility outcome alone decided it (decide asked for nothing else). */
  alone(service: number, eligibility: Outcome): BulkServiceResult | undefined {
    return this.#byService[service]!.get(eligibility)?.alone;
  }

  get(service: number, outcomes: readonly (Outcome | null)[]): BulkServiceResult | undefined {
    return this.#byService[service]!.get(outcomes[0]!)
      ?.byRest?.get(outcomes[1] ?? null)
      ?.get(outcomes[2] ?? null);
  }

  /** `asked`: how many of `outcomes` decide asked for (1: eligibility alone). */
  set(
    service: number,
    outcomes: readonly (Outcome | null)[],
    asked: number,
    result: BulkServiceResult,
  ): BulkServiceResult {
    if (++this.#size > MEMO_ENTRIES) this.#clear();
    const first = this.#byService[service]!;
    let node = first.get(outcomes[0]!);
    if (node === undefined) {
      node = {};
      first.set(outcomes[0]!, node);
    }
    const shared = Object.freeze(result);
    sharedResults.add(shared);
    if (asked <= 1) {
      node.alone = shared;
      return shared;
    }
    node.byRest ??= new Map();
    let third = node.byRest.get(outcomes[1] ?? null);
    if (third === undefined) {
      third = new Map();
      node.byRest.set(outcomes[1] ?? null, third);
    }
    third.set(outcomes[2] ?? null, shared);
    return shared;
  }

  #clear(): void {
    for (const map of this.#byService) map.clear();
    this.#size = 0;
  }
}

interface DecisionNode {
  alone?: BulkServiceResult;
  byRest?: Map<Outcome | null, Map<Outcome | null, BulkServiceResult>>;
}

const sharedResults = new WeakSet<BulkServiceResult>();

/**
 * Whether a result is one the bulk evaluator hands out again, unchanged, for other citizens with the
 * same outcomes: a caller may cache what it derives from it (the command's JSON) by the object.
 */
export function isSharedResult(result: BulkServiceResult): boolean {
  return sharedResults.has(result);
}

export interface CitizenInput {
  readonly eventDate: string;
  readonly facts: Facts;
}

export interface BulkServiceResult extends Decision {
  readonly serviceId: string;
}

export type BulkResult =
  | { readonly index: number; readonly services: readonly BulkServiceResult[] }
  | { readonly index: number; readonly error: string };

export function* evaluateMany(
  catalogue: Catalogue,
  eventId: string,
  citizens: Iterable<CitizenInput>,
): Generator<BulkResult, void, undefined> {
  const services = servicesOf(catalogue, eventId);
  const memo = new OutcomeMemo(catalogue);
  const decisions = new DecisionCache(services.length, memo);
  let index = 0;
  for (const citizen of citizens) {
    yield evaluateOne(catalogue, services, memo, decisions, citizen, index++);
  }
}

/** The same over an async source (a file or a network stream), with backpressure from the consumer. */
export async function* evaluateBulk(
  catalogue: Catalogue,
  eventId: string,
  citizens: AsyncIterable<CitizenInput> | Iterable<CitizenInput>,
): AsyncGenerator<BulkResult, void, undefined> {
  const services = servicesOf(catalogue, eventId);
  const memo = new OutcomeMemo(catalogue);
  const decisions = new DecisionCache(services.length, memo);
  let index = 0;
  for await (const citizen of citizens) {
    yield evaluateOne(catalogue, services, memo, decisions, citizen, index++);
  }
}

function servicesOf(catalogue: Catalogue, eventId: string): readonly Service[] {
  return eventOf(catalogue, eventId).services.map((id) => catalogue.services.get(id)!);
}

function evaluateOne(
  catalogue: Catalogue,
  services: readonly Service[],
  memo: OutcomeMemo,
  decisions: DecisionCache,
  citizen: CitizenInput,
  index: number,
): BulkResult {
  try {
    checkEventDate(citizen.eventDate);
    const date = memo.date(citizen.eventDate);
    const ctx: EvaluationContext = {
      facts: prepareCitizenFacts(catalogue, citizen.facts),
      eventDate: citizen.eventDate,
      parameter: date.resolve,
    };
    // The outcomes `decide` asks for, in its order (eligibility, deadline, amount): all from the memo,
    // the decision is looked up by them.
    const outcomes: (Outcome | null)[] = [null, null, null];
    let shareable = true;
    let asked = 0;
    const run = (expr: CompiledExpression): Outcome => {
      // A rule that reads a parameter not in force throws (the service is outside the rules): that
      // decision depends on the date, not on outcomes alone, so it is never shared.
      const before = shareable;
      shareable = false;
      const outcome = memo.outcome(expr, ctx, date);
      shareable = before && memo.fromMemo;
      outcomes[asked++] = outcome;
      return outcome;
    };
    const results: BulkServiceResult[] = new Array(services.length);
    for (let i = 0; i < services.length; i++) {
      const service = services[i]!;
      outcomes[0] = outcomes[1] = outcomes[2] = null;
      shareable = true;
      asked = 0;
      // Most services are decided by eligibility alone; look it up before asking for the rest. When
      // it throws (outside the rules, a rule failing), `decide` asks again and deals with it.
      let eligibility: Outcome | undefined;
      try {
        eligibility = run(service.rules.eligibility);
      } catch {
        eligibility = undefined;
      }
      let result = shareable && eligibility !== undefined ? decisions.alone(i, eligibility) : undefined;
      if (result === undefined) {
        asked = 0;
        const replay = (expr: CompiledExpression): Outcome => {
          if (eligibility === undefined || asked !== 0 || expr !== service.rules.eligibility)
            return run(expr);
          asked = 1;
          return eligibility;
        };
        const decision = decide(service, replay, catalogue, citizen.eventDate);
        const cached = shareable && asked > 1 ? decisions.get(i, outcomes) : undefined;
        result =
          cached ??
          (shareable
            ? decisions.set(i, outcomes, asked, { serviceId: service.id, ...decision })
            : { serviceId: service.id, ...decision });
      }
      results[i] = result;
    }
    return { index, services: results };
  } catch (error) {
    if (isGovbridgeError(error) && error.expose) return { index, error: error.message };
    throw error;
  }
}
