import { Environment } from '@marcbachmann/cel-js';
import { GovbridgeError } from '../kernel/index.ts';
import { addDays, addMonths, ageOn, daysBetween } from './date-functions.ts';
import type { FactType, ParameterKind, ParameterReading } from './types.ts';

/**
 * The CEL environments of the engine (cel-js 8, https://github.com/marcbachmann/cel-js), both built
 * once per catalogue (per compiler):
 *
 * - The run-time environment: `facts` is `map<string, dyn>`, so a fact that is not known is simply
 *   absent and reading it raises cel-js's `no_such_key` — never a default value. Each parameter is a
 *   nullary function of its own type (`param('id')` is rewritten to it at compile time), so calls
 *   such as `add_days(event.date, param('x'))` resolve their overload statically instead of at every
 *   evaluation (measured 25–50% faster on `add_days(event.date, param(…))` and
 *   `facts.x > double(param(…))` than with one `param(string): dyn` function).
 * - The check environment: the same, but `facts` has a field per declared fact with its CEL type, so
 *   `env.check` catches type errors (a date compared with a number, money multiplied by an int) at
 *   load time.
 *
 * No variables other than `facts` and `event` exist (`unlistedVariablesAreDyn` stays false), and the
 * parser's structural limits are tightened: an eligibility rule is a few lines, never a program.
 */

export const LIMITS = {
  maxAstNodes: 400,
  maxDepth: 24,
  maxListElements: 64,
  maxMapEntries: 64,
  maxCallArguments: 8,
};

/** CEL type of each fact type: dates are ISO strings, money is a double, integers are CEL ints. */
export const CEL_FACT_TYPE: Readonly<Record<FactType, string>> = {
  date: 'string',
  boolean: 'bool',
  integer: 'int',
  money: 'double',
  enum: 'string',
  string: 'string',
};

/**
 * The evaluation in progress. cel-js calls function handlers with their arguments only, so `param`
 * finds the event's parameter resolver here; evaluation is synchronous (no async handlers are
 * registered), so one slot per process is enough and is always cleared in a `finally`.
 */
export interface ActiveEvaluation {
  readonly resolve: (id: string) => ParameterReading;
  /** Parameters read so far, when tracing; null on the fast path. */
  readonly reads: ParameterReading[] | null;
}

let active: ActiveEvaluation | null = null;

export function setActiveEvaluation(next: ActiveEvaluation | null): void {
  active = next;
}

function readParameter(id: string, kind: ParameterKind): unknown {
  const current = active;
  if (current === null) throw new GovbridgeError('rule_failed', 'param() called outside an evaluation');
  const reading = current.resolve(id);
  current.reads?.push(reading);
  return kind === 'int' ? BigInt(reading.value as number) : reading.value;
}

const num = (v: bigint | number): number => (typeof v === 'bigint' ? Number(v) : v);

function registerFunctions(env: Environment): Environment {
  env
    .registerFunction('add_days(string, int): string', (d: string, n: bigint) => addDays(d, Number(n)))
    .registerFunction('add_months(string, int): string', (d: string, n: bigint) => addMonths(d, Number(n)))
    .registerFunction('days_between(string, string): int', (a: string, b: string) =>
      BigInt(daysBetween(a, b)),
    )
    .registerFunction('age_on(string, string): int', (b: string, d: string) => BigInt(ageOn(b, d)));
  // CEL's standard library has no min/max (cel-go keeps them in the math extension as math.least).
  for (const [name, pick] of [
    ['min', (a: number, b: number) => (a <= b ? 0 : 1)],
    ['max', (a: number, b: number) => (a >= b ? 0 : 1)],
  ] as const) {
    env.registerFunction(`${name}(int, int): int`, (a: bigint, b: bigint) =>
      pick(num(a), num(b)) === 0 ? a : b,
    );
    env.registerFunction(`${name}(double, double): double`, (a: number, b: number) =>
      pick(a, b) === 0 ? a : b,
    );
    env.registerFunction(`${name}(int, double): double`, (a: bigint, b: number) =>
      pick(num(a), b) === 0 ? num(a) : b,
    );
    env.registerFunction(`${name}(double, int): double`, (a: number, b: bigint) =>
      pick(a, num(b)) === 0 ? a : num(b),
    );
  }
  return env;
}

/** Name of the typed stand-in function for the n-th parameter: `param('id')` is rewritten to it. */
export const parameterFunctionName = (index: number): string => `__param_${index}`;

function registerParameters(
  env: Environment,
  parameters: readonly (readonly [string, ParameterKind])[],
): Environment {
  parameters.forEach(([id, kind], i) => {
    env.registerFunction(`${parameterFunctionName(i)}(): ${kind}`, () => readParameter(id, kind));
  });
  return env;
}

export function runtimeEnvironment(parameters: readonly (readonly [string, ParameterKind])[]): Environment {
  const env = new Environment({ limits: LIMITS })
    .registerVariable('facts', 'map<string, dyn>')
    .registerVariable('event', 'map<string, string>');
  return registerFunctions(registerParameters(env, parameters));
}

export function checkEnvironment(
  facts: ReadonlyMap<string, FactType>,
  parameters: readonly (readonly [string, ParameterKind])[],
): Environment {
  const schema: Record<string, string> = {};
  for (const [id, type] of facts) schema[id] = CEL_FACT_TYPE[type];
  const env = new Environment({ limits: LIMITS })
    .registerVariable({ name: 'facts', schema })
    .registerVariable({ name: 'event', schema: { date: 'string' } });
  return registerFunctions(registerParameters(env, parameters));
}
