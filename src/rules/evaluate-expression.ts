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
 * Fast path (no trace): which of the facts the expression can read are absent is counted first (a
 * few own-property checks). None or one absent: one run over the plain facts object; an absent-fact
 * error then names the one absent fact. Two or more absent, or a trace wanted: one run over a
 * recording view that notes which facts are read, in order — never a run and then a second one.
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
  const values = ctx.facts.values;
  if (!trace) {
    let absent: string | undefined;
    let absentCount = 0;
    for (const id of expr.facts) {
      if (!Object.hasOwn(values, id)) {
        absentCount++;
        absent ??= id;
      }
    }
    // With at most one absent fact among those the expression can read, an absent-fact error names
    // it: no need to record which facts were read.
    if (absentCount < 2) {
      setActiveEvaluation({ resolve: ctx.parameter, reads: null });
      try {
        return { outcome: known(expr, expr.run({ facts: values, event })) };
      } catch (error) {
        if (absent === undefined || !isMissingFact(error)) throw failed(expr, error);
        return { outcome: { status: 'unknown', missing: [absent] } };
      } finally {
        setActiveEvaluation(null);
      }
    }
  }
  const reads: ParameterReading[] | null = trace ? [] : null;
  const factsRead: string[] = [];
  setActiveEvaluation({ resolve: ctx.parameter, reads });
  let outcome: Outcome;
  try {
    outcome = known(expr, expr.run({ facts: startRecording(expr, values, factsRead), event }));
  } catch (error) {
    if (!isMissingFact(error)) throw failed(expr, error);
    const missing = factsRead.filter((id) => !Object.hasOwn(values, id));
    if (missing.length === 0) throw failed(expr, error);
    outcome = { status: 'unknown', missing };
  } finally {
    stopRecording();
    setActiveEvaluation(null);
  }
  if (!trace) return { outcome };
  const facts: FactRead[] = factsRead.map((id) => {
    const value = ctx.facts.known[id];
    return value === undefined ? { id, known: false } : { id, value, known: true };
  });
  return {
    outcome,
    trace: { expression: expr.source, facts, parameters: dedupe(reads!), result: outcome },
  };
}

/**
 * The recording view of the facts, one per expression, made once: an own accessor property per fact
 * the expression may read (present or not, so cel-js's own-property check reaches the getter), which
 * notes the read in the recording in progress and returns the citizen's value — undefined for an
 * absent fact, which cel-js then reports as a missing key. Evaluation is synchronous, so one
 * recording slot per process is enough; it is always cleared in a `finally`. (A Proxy did the same,
 * with a trap and a search of the declared facts on every read.)
 */
const views = new WeakMap<CompiledExpression, object>();
let recordingValues: Readonly<Record<string, unknown>> | null = null;
let recordingLog: string[] | null = null;

function startRecording(
  expr: CompiledExpression,
  values: Readonly<Record<string, unknown>>,
  log: string[],
): object {
  let view = views.get(expr);
  if (view === undefined) {
    view = {};
    for (const id of expr.facts) {
      Object.defineProperty(view, id, {
        enumerable: true,
        get() {
          const read = recordingLog;
          if (read !== null && !read.includes(id)) read.push(id);
          const current = recordingValues;
          return current !== null && Object.hasOwn(current, id) ? current[id] : undefined;
        },
      });
    }
    views.set(expr, view);
  }
  recordingValues = values;
  recordingLog = log;
  return view;
}

function stopRecording(): void {
  recordingValues = null;
  recordingLog = null;
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
