import { isGovbridgeError } from '../kernel/index.ts';
import {
  type CompiledExpression,
  type EvaluationContext,
  evaluateExpression,
  type Facts,
  type Outcome,
} from '../rules/index.ts';
import { checkEventDate, type Decision, decide, eventOf, prepareCitizenFacts } from './evaluate-journey.ts';
import { parametersOn } from './resolve-parameter.ts';
import type { Catalogue, Service } from './types.ts';

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
 * range — the outcome is looked up by them instead of evaluated again: an expression that reads no
 * facts (a deadline such as `add_days(event.date, param(…))`) once per date, an eligibility rule over
 * two yes/no facts at most nine times. Rules over amounts of money or dates are always evaluated.
 * The memo is bounded, so memory stays flat however many dates and answers a run meets.
 *
 * A service whose rules read a parameter with no value on a citizen's event date is `outside_rules`
 * with `rulesFrom`, exactly as in a journey (`decide` is shared); the citizen's other services are
 * worked out.
 */

const MEMO_ENTRIES = 1 << 15;
/** An integer fact is remembered by value when its min–max range has at most this many values. */
const SMALL_RANGE = 100;
/** A fact that is not known, as a key. */
const ABSENT = Symbol('absent');

/** What an expression's outcomes are looked up by; null: it is always evaluated. */
interface KeyPlan {
  readonly date: boolean;
  readonly facts: readonly string[];
  readonly parameters: readonly string[];
}

/** One level per input (the date, then each fact, then each parameter); outcomes at the last. */
type Level = Map<unknown, Level | Outcome>;

class OutcomeMemo {
  readonly #catalogue: Catalogue;
  readonly #plans = new Map<CompiledExpression, KeyPlan | null>();
  readonly #roots = new Map<CompiledExpression, Level>();
  readonly #key: unknown[] = [];
  #size = 0;

  constructor(catalogue: Catalogue) {
    this.#catalogue = catalogue;
  }

  outcome(expr: CompiledExpression, ctx: EvaluationContext): Outcome {
    const plan = this.#plan(expr);
    if (plan === null || !this.#keyOf(plan, ctx)) return evaluateExpression(expr, ctx).outcome;
    const key = this.#key;
    let level = this.#roots.get(expr);
    if (level === undefined) {
      level = new Map();
      this.#roots.set(expr, level);
    }
    const last = key.length - 1;
    for (let i = 0; i < last; i++) {
      let next = level.get(key[i]) as Level | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(key[i], next);
      }
      level = next;
    }
    let outcome = level.get(key[last]) as Outcome | undefined;
    if (outcome === undefined) {
      outcome = evaluateExpression(expr, ctx).outcome;
      if (++this.#size > MEMO_ENTRIES) {
        for (const root of this.#roots.values()) root.clear();
        this.#size = 1;
      }
      level.set(key[last], outcome);
    }
    return outcome;
  }

  /**
   * This citizen's inputs into `#key`; false when a parameter has no value on the event date (the
   * expression is then evaluated, and says so only if it reads that parameter).
   */
  #keyOf(plan: KeyPlan, ctx: EvaluationContext): boolean {
    const key = this.#key;
    key.length = 0;
    if (plan.date) key.push(ctx.eventDate);
    const known = ctx.facts.known;
    for (const id of plan.facts) key.push(known[id] ?? ABSENT);
    for (const id of plan.parameters) {
      try {
        key.push(ctx.parameter(id).value);
      } catch {
        return false;
      }
    }
    return true;
  }

  #plan(expr: CompiledExpression): KeyPlan | null {
    let plan = this.#plans.get(expr);
    if (plan === undefined) {
      const fewValues = expr.facts.every((id) => {
        const fact = this.#catalogue.facts.get(id);
        if (fact === undefined) return false;
        if (fact.type === 'boolean' || fact.type === 'enum') return true;
        return (
          fact.type === 'integer' &&
          fact.min !== undefined &&
          fact.max !== undefined &&
          fact.max - fact.min < SMALL_RANGE
        );
      });
      plan = !fewValues
        ? null
        : expr.facts.length === 0
          ? { date: true, facts: [], parameters: [] }
          : {
              date: expr.readsEventDate,
              facts: expr.facts,
              parameters: expr.readsEventDate ? [] : expr.parameters,
            };
      this.#plans.set(expr, plan);
    }
    return plan;
  }
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
  let index = 0;
  for (const citizen of citizens) {
    yield evaluateOne(catalogue, services, memo, citizen, index++);
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
  let index = 0;
  for await (const citizen of citizens) {
    yield evaluateOne(catalogue, services, memo, citizen, index++);
  }
}

function servicesOf(catalogue: Catalogue, eventId: string): readonly Service[] {
  return eventOf(catalogue, eventId).services.map((id) => catalogue.services.get(id)!);
}

function evaluateOne(
  catalogue: Catalogue,
  services: readonly Service[],
  memo: OutcomeMemo,
  citizen: CitizenInput,
  index: number,
): BulkResult {
  try {
    checkEventDate(citizen.eventDate);
    const ctx: EvaluationContext = {
      facts: prepareCitizenFacts(catalogue, citizen.facts),
      eventDate: citizen.eventDate,
      parameter: parametersOn(catalogue, citizen.eventDate),
    };
    const run = (expr: CompiledExpression): Outcome => memo.outcome(expr, ctx);
    return {
      index,
      services: services.map((s) => ({ serviceId: s.id, ...decide(s, run, catalogue, citizen.eventDate) })),
    };
  } catch (error) {
    if (isGovbridgeError(error) && error.expose) return { index, error: error.message };
    throw error;
  }
}
