import { GovbridgeError } from '../kernel/index.ts';
import type { CompiledExpression } from './compile-expression.ts';
import { describe } from './compile-expression.ts';
import { setActiveEvaluation } from './create-environment.ts';
import { isIsoDate } from './date-functions.ts';
import type { CelFacts } from './prepare-facts.ts';
import type { Evaluation, FactRead, Outcome, ParameterReading, ParameterValue } from './types.ts';

/**
 * Evaluate a compiled expression for one citizen and one event date.
 *
 * Unknown facts are absent from the `facts` map, so reading one raises cel-js's `no_such_key`. CEL's
 * logical operators absorb errors when the other side decides (`true || error` is true, `false &&
 * error` is false — CEL language definition, "Logical operators"), which gives short-circuiting for
 * free in both orders. When the error reaches the top, the expression needed a fact it did not have:
 * the outcome is `unknown`, and `missing` lists the absent facts it read, in the order it read them.
 *
 * Fast path (no trace): the plain facts object, no recording. Only when the result is unknown, or a
 * trace is wanted, is the evaluation repeated over a Proxy that records which facts are read.
 */

export interface EvaluationContext {
  readonly facts: CelFacts;
  /** The event's date, `YYYY-MM-DD`; parameters are resolved for this date. */
  readonly eventDate: string;
  /** The parameter in force on the event date; throws when the catalogue has none. */
  readonly parameter: (id: string) => ParameterReading;
}

export function evaluateExpression(
  expr: CompiledExpression,
  ctx: EvaluationContext,
  options: { readonly trace?: boolean } = {},
): Evaluation {
  // cel-js raises (and CEL's logical operators then absorb) an EvaluationError for every absent fact
  // it reads; capturing a stack for each was most of the cost of a bulk run. Nothing here reads those
  // stacks, and evaluation is synchronous, so stacks are off for its duration only.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return evaluate(expr, ctx, options.trace === true);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

function evaluate(expr: CompiledExpression, ctx: EvaluationContext, trace: boolean): Evaluation {
  const event = { date: ctx.eventDate };
  if (!trace) {
    setActiveEvaluation({ resolve: ctx.parameter, reads: null });
    try {
      return { outcome: known(expr, expr.run({ facts: ctx.facts.values, event })) };
    } catch (error) {
      if (!isMissingFact(error)) throw failed(expr, error);
      // With one absent fact among those the expression can read, that one is what it needed: no
      // need to evaluate again to find out which were read.
      const absent = expr.facts.filter((id) => !Object.hasOwn(ctx.facts.values, id));
      if (absent.length === 1) return { outcome: { status: 'unknown', missing: absent } };
    } finally {
      setActiveEvaluation(null);
    }
  }
  const reads: ParameterReading[] = [];
  const factsRead: string[] = [];
  setActiveEvaluation({ resolve: ctx.parameter, reads });
  let outcome: Outcome;
  try {
    outcome = known(expr, expr.run({ facts: recording(ctx.facts.values, expr.facts, factsRead), event }));
  } catch (error) {
    if (!isMissingFact(error)) throw failed(expr, error);
    const missing = factsRead.filter((id) => !Object.hasOwn(ctx.facts.values, id));
    if (missing.length === 0) throw failed(expr, error);
    outcome = { status: 'unknown', missing };
  } finally {
    setActiveEvaluation(null);
  }
  if (!trace) return { outcome };
  const facts: FactRead[] = factsRead.map((id) => {
    const value = ctx.facts.known[id];
    return value === undefined ? { id, known: false } : { id, value, known: true };
  });
  return { outcome, trace: { expression: expr.source, facts, parameters: dedupe(reads), result: outcome } };
}

/** A view of the facts that notes each declared fact the evaluator looks up, present or not. */
function recording(values: Readonly<Record<string, unknown>>, declared: readonly string[], log: string[]) {
  const note = (key: string | symbol) => {
    if (typeof key === 'string' && declared.includes(key) && !log.includes(key)) log.push(key);
  };
  return new Proxy(values, {
    get(target, key) {
      note(key);
      return Reflect.get(target, key);
    },
    has(target, key) {
      note(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      note(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
}

function isMissingFact(error: unknown): boolean {
  return error instanceof Error && (error as Error & { code?: string }).code === 'no_such_key';
}

function known(expr: CompiledExpression, raw: unknown): Outcome {
  const value = typeof raw === 'bigint' ? Number(raw) : raw;
  const ok =
    expr.resultType === 'bool'
      ? typeof value === 'boolean'
      : expr.resultType === 'date'
        ? isIsoDate(value)
        : typeof value === 'number' && Number.isFinite(value);
  if (!ok) {
    throw new GovbridgeError(
      'rule_failed',
      `Expression ${JSON.stringify(expr.source)} must produce ${describe(expr.resultType)} but produced ${JSON.stringify(value)}`,
    );
  }
  return { status: 'known', value: value as ParameterValue };
}

function failed(expr: CompiledExpression, error: unknown): GovbridgeError {
  if (error instanceof GovbridgeError) return error;
  const reason =
    error instanceof Error
      ? ((error as Error & { summary?: string }).summary ?? error.message)
      : String(error);
  return new GovbridgeError('rule_failed', `Expression ${JSON.stringify(expr.source)} failed: ${reason}`, {
    cause: error,
  });
}

function dedupe(reads: readonly ParameterReading[]): ParameterReading[] {
  const seen = new Set<string>();
  return reads.filter((r) => !seen.has(r.id) && seen.add(r.id) !== undefined);
}
