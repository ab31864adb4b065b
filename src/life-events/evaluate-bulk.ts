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
 * An expression that reads no facts (a deadline such as `add_days(event.date, param(…))`) depends
 * only on the event date, through parameters resolved for that date, so within one run its outcome is
 * remembered per date (OpenFisca's advice: never recompute what a date already determines). The memo
 * is bounded, so memory stays flat however many dates a run meets.
 */

const MEMO_DATES = 4096;

class DateMemo {
  readonly #outcomes = new Map<CompiledExpression, Map<string, Outcome>>();
  #size = 0;

  get(expr: CompiledExpression, date: string, compute: () => Outcome): Outcome {
    let byDate = this.#outcomes.get(expr);
    if (!byDate) {
      byDate = new Map();
      this.#outcomes.set(expr, byDate);
    }
    let outcome = byDate.get(date);
    if (outcome === undefined) {
      if (++this.#size > MEMO_DATES * 8) {
        for (const m of this.#outcomes.values()) m.clear();
        this.#size = 1;
      }
      outcome = compute();
      byDate.set(date, outcome);
    }
    return outcome;
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
  const memo = new DateMemo();
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
  const memo = new DateMemo();
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
  memo: DateMemo,
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
    const run = (expr: CompiledExpression): Outcome =>
      expr.facts.length === 0
        ? memo.get(expr, citizen.eventDate, () => evaluateExpression(expr, ctx).outcome)
        : evaluateExpression(expr, ctx).outcome;
    return { index, services: services.map((s) => ({ serviceId: s.id, ...decide(s, run) })) };
  } catch (error) {
    if (isGovbridgeError(error) && error.expose) return { index, error: error.message };
    throw error;
  }
}
