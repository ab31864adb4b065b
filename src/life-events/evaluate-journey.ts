import { acceptedDates, GovbridgeError, todayUtc } from '../kernel/index.ts';
import {
  type CelFacts,
  type CompiledExpression,
  type EvaluationContext,
  evaluateExpression,
  type Facts,
  type FactType,
  type FactValue,
  isIsoDate,
  type Outcome,
  type Trace,
} from '../rules/index.ts';
import { checkFactValue, dateRangeProblem } from './check-fact-value.ts';
import { type Eligibility, explainDecision } from './explain-decision.ts';
import {
  expressionRulesFrom,
  isOutsideRules,
  OutsideRulesError,
  parametersOn,
  serviceRulesFrom,
  uncoveredParameter,
} from './resolve-parameter.ts';
import type { Catalogue, LifeEvent, Service } from './types.ts';

/**
 * A personalised journey: for each service of a life event, in the event's order, whether the
 * citizen is eligible, by when to act and how much, with an explanation and a trace; and the
 * questions still to ask.
 *
 * - Parameters are those in force on the event's date. A service whose rules read a parameter that
 *   has no value on that date (the catalogue holds its rules only from a later date) is
 *   `outside_rules`, with `rulesFrom` (the date from which the catalogue holds all its rules) and no
 *   deadline or amount; the other services are worked out as usual.
 * - A service that is not eligible gets no deadline or amount. For a service that is or may be
 *   eligible, deadline and amount are worked out too: they may be known already, and the facts they
 *   need are asked for like the others.
 * - `missing` lists the facts a service still needs: for eligibility first, then the deadline, then
 *   the amount. `questions` lists them once each, in journey order.
 */

export interface Question {
  readonly factId: string;
  readonly type: FactType;
  readonly question: string;
  readonly hint?: string;
  readonly options?: readonly { readonly value: string; readonly text: string }[];
  readonly min?: number;
  readonly max?: number;
  readonly notFuture?: true;
  /** The common claim that can answer it from sign-in, when the citizen shares it. */
  readonly verifiedFrom?: string;
  /** The services that need the answer, in journey order. */
  readonly neededBy: readonly string[];
}

export type Dated =
  | { readonly status: 'known'; readonly date: string }
  | { readonly status: 'unknown'; readonly missing: readonly string[] };
export type Amount =
  | { readonly status: 'known'; readonly value: number }
  | { readonly status: 'unknown'; readonly missing: readonly string[] };

export interface ServiceDecision {
  readonly serviceId: string;
  readonly name: string;
  readonly agency: { readonly id: string; readonly name: string };
  readonly country: 'GB' | 'SG';
  readonly url: string;
  readonly howToApply: string;
  readonly eligibility: Eligibility;
  readonly missing: readonly string[];
  /**
   * Only with eligibility `outside_rules`: the first date (`YYYY-MM-DD`) from which the catalogue
   * holds this service's rules; the event's date is before it.
   */
  readonly rulesFrom?: string;
  readonly deadline?: Dated & { readonly description: string };
  readonly amount?: Amount & {
    readonly currency: 'GBP' | 'SGD';
    readonly period: 'once' | 'week' | 'month' | 'year';
    readonly description: string;
  };
  readonly explanation: readonly string[];
  /** One trace per rule that ran to the end (none when the service is `outside_rules`). */
  readonly trace: {
    readonly eligibility?: Trace;
    readonly deadline?: Trace;
    readonly amount?: Trace;
  };
}

export interface Journey {
  /** The catalogue's version (`catalogue.yaml`): which rules made this journey. */
  readonly catalogueVersion: string;
  readonly eventId: string;
  readonly eventName: string;
  readonly eventDate: string;
  readonly services: readonly ServiceDecision[];
  readonly questions: readonly Question[];
}

export interface JourneyOptions {
  /** Today (`YYYY-MM-DD`), for facts marked `notFuture`; unchecked when absent. */
  readonly today?: string;
}

export function evaluateJourney(
  catalogue: Catalogue,
  eventId: string,
  eventDate: string,
  facts: Facts,
  options: JourneyOptions = {},
): Journey {
  const event = eventOf(catalogue, eventId);
  checkEventDate(eventDate, options.today);
  const ctx: EvaluationContext = {
    facts: prepareCitizenFacts(catalogue, facts, options.today),
    eventDate,
    parameter: parametersOn(catalogue, eventDate),
  };
  const services = event.services.map((id) => decideWithTrace(catalogue, catalogue.services.get(id)!, ctx));
  const questions = new Map<string, { factId: string; neededBy: string[] }>();
  for (const decision of services) {
    for (const factId of decision.missing) {
      const q = questions.get(factId) ?? { factId, neededBy: [] };
      q.neededBy.push(decision.serviceId);
      questions.set(factId, q);
    }
  }
  return {
    catalogueVersion: catalogue.version,
    eventId,
    eventName: event.name,
    eventDate,
    services,
    questions: [...questions.values()].map((q) => toQuestion(catalogue, q.factId, q.neededBy)),
  };
}

export function eventOf(catalogue: Catalogue, eventId: string): LifeEvent {
  const event = catalogue.events.get(eventId);
  if (!event) throw new GovbridgeError('not_found', `There is no life event "${eventId}"`);
  return event;
}

/**
 * The event date must be a real date inside the dates the rules compute with (kernel/date-range.ts;
 * without `today`, today in UTC): `bad_request` naming the range, with `detail.field` `eventDate`.
 */
export function checkEventDate(eventDate: string, today?: string): void {
  if (!isIsoDate(eventDate)) {
    throw new GovbridgeError(
      'bad_request',
      `The event date must be a real date written YYYY-MM-DD (got ${JSON.stringify(eventDate)})`,
      { detail: { field: 'eventDate' } },
    );
  }
  const problem = dateRangeProblem(eventDate, today);
  if (problem) {
    throw new GovbridgeError('bad_request', `eventDate ${problem} (got ${eventDate})`, {
      detail: { field: 'eventDate', ...acceptedDates(today ?? todayUtc()) },
    });
  }
}

/**
 * Validate a citizen's answers against the catalogue's facts; `bad_request` naming every bad answer.
 * The answers are then in the engine's two forms (rules/prepare-facts.ts), made in the same pass with
 * one look-up of each fact: `values` as CEL reads them (integers as CEL ints), `known` the answers
 * given — the caller's own object when every answer in it is known (nothing to leave out), as bulk
 * runs mostly have it; it is only read.
 */
export function prepareCitizenFacts(catalogue: Catalogue, facts: Facts, today?: string): CelFacts {
  const problems: string[] = [];
  let unknown = 0;
  const values: Record<string, unknown> = {};
  for (const id in facts) {
    const value = facts[id];
    if (value === undefined || value === null) {
      unknown++;
      continue;
    }
    const fact = catalogue.facts.get(id);
    const reason = fact ? checkFactValue(fact, value, today) : 'is not a fact this catalogue knows';
    if (reason) {
      problems.push(`${id} ${reason}`);
      continue;
    }
    values[id] = fact!.type === 'integer' && typeof value === 'number' ? BigInt(value) : value;
  }
  if (problems.length > 0) {
    throw new GovbridgeError('bad_request', `Some answers are not valid: ${problems.join('; ')}`, {
      detail: { problems },
    });
  }
  if (unknown === 0) return { values, known: facts };
  const known: Record<string, FactValue> = {};
  for (const id in facts) {
    const value = facts[id];
    if (value !== undefined && value !== null) known[id] = value;
  }
  return { values, known };
}

function decideWithTrace(catalogue: Catalogue, service: Service, ctx: EvaluationContext): ServiceDecision {
  const traces = new Map<CompiledExpression, Trace>();
  const run = (expr: CompiledExpression): Outcome => {
    const { outcome, trace } = evaluateExpression(expr, ctx, { trace: true });
    traces.set(expr, trace!);
    return outcome;
  };
  const decision = decide(service, run, catalogue, ctx.eventDate);
  const trace = {
    ...(traces.has(service.rules.eligibility) && decision.eligibility !== 'outside_rules'
      ? { eligibility: traces.get(service.rules.eligibility)! }
      : {}),
    ...(service.rules.deadline && traces.has(service.rules.deadline)
      ? { deadline: traces.get(service.rules.deadline)! }
      : {}),
    ...(service.rules.amount && traces.has(service.rules.amount)
      ? { amount: traces.get(service.rules.amount)! }
      : {}),
  };
  const agency = catalogue.agencies.get(service.agency)!;
  return {
    serviceId: service.id,
    name: service.name,
    agency: { id: agency.id, name: agency.name },
    country: service.country,
    url: service.url,
    howToApply: service.howToApply,
    ...decision,
    explanation: explainDecision(catalogue, service, decision, trace, ctx.eventDate),
    trace,
  };
}

export interface Decision {
  readonly eligibility: Eligibility;
  readonly missing: readonly string[];
  readonly rulesFrom?: string;
  readonly deadline?: ServiceDecision['deadline'];
  readonly amount?: ServiceDecision['amount'];
}

/**
 * One service's decision from its rules; `run` evaluates an expression (with or without trace). A
 * rule that reads a parameter with no value on the event's date makes the whole service
 * `outside_rules` (its eligibility, deadline and amount would mix eras otherwise). With the catalogue
 * and the date, a rule that comes out unknown while it may read such a parameter is outside the rules
 * too (the missing fact would only lead to a rule the catalogue does not hold).
 */
export function decide(
  service: Service,
  run: (expr: CompiledExpression) => Outcome,
  catalogue?: Catalogue,
  eventDate?: string,
): Decision {
  try {
    return decideWithin(service, run, catalogue, eventDate);
  } catch (error) {
    if (!isOutsideRules(error)) throw error;
    const rulesFrom = catalogue ? serviceRulesFrom(catalogue, service) : error.firstFrom;
    return { eligibility: 'outside_rules', missing: [], rulesFrom: rulesFrom || error.firstFrom };
  }
}

/** `run`, and an unknown outcome of a rule that may read a parameter not held on the date is outside the rules. */
function runChecked(
  expr: CompiledExpression,
  run: (expr: CompiledExpression) => Outcome,
  catalogue: Catalogue | undefined,
  eventDate: string | undefined,
): Outcome {
  const outcome = run(expr);
  if (
    outcome.status === 'unknown' &&
    catalogue !== undefined &&
    eventDate !== undefined &&
    eventDate < expressionRulesFrom(catalogue, expr)
  ) {
    throw new OutsideRulesError(uncoveredParameter(catalogue, expr.parameters, eventDate)!, eventDate);
  }
  return outcome;
}

function decideWithin(
  service: Service,
  run: (expr: CompiledExpression) => Outcome,
  catalogue: Catalogue | undefined,
  eventDate: string | undefined,
): Decision {
  const eligible = runChecked(service.rules.eligibility, run, catalogue, eventDate);
  if (eligible.status === 'known' && eligible.value === false)
    return { eligibility: 'not_eligible', missing: [] };
  const missing = eligible.status === 'unknown' ? [...eligible.missing] : [];
  const need = (outcome: Outcome) => {
    if (outcome.status === 'unknown')
      for (const id of outcome.missing) if (!missing.includes(id)) missing.push(id);
  };
  let deadline: ServiceDecision['deadline'];
  if (service.rules.deadline && service.deadline) {
    const outcome = runChecked(service.rules.deadline, run, catalogue, eventDate);
    need(outcome);
    deadline =
      outcome.status === 'known'
        ? { status: 'known', date: outcome.value as string, description: service.deadline.description }
        : { status: 'unknown', missing: outcome.missing, description: service.deadline.description };
  }
  let amount: ServiceDecision['amount'];
  if (service.rules.amount && service.amount) {
    const outcome = runChecked(service.rules.amount, run, catalogue, eventDate);
    need(outcome);
    const { currency, period, description } = service.amount;
    amount =
      outcome.status === 'known'
        ? { status: 'known', value: toMinorUnit(outcome.value as number), currency, period, description }
        : { status: 'unknown', missing: outcome.missing, currency, period, description };
  }
  return {
    eligibility: eligible.status === 'unknown' ? 'may_be_eligible' : 'eligible',
    missing,
    ...(deadline ? { deadline } : {}),
    ...(amount ? { amount } : {}),
  };
}

/**
 * Money is stated to the penny or cent: binary floating point leaves 0.33899999999999997 where the
 * rule meant 0.339, and nobody is paid a fraction of a penny. Rounded half away from zero.
 */
export function toMinorUnit(value: number): number {
  return (Math.sign(value) * Math.round(Math.abs(value) * 100 + Number.EPSILON * 100)) / 100;
}

function toQuestion(catalogue: Catalogue, factId: string, neededBy: readonly string[]): Question {
  const { id: _id, ...fact } = catalogue.facts.get(factId)!;
  return { factId, ...fact, neededBy };
}
