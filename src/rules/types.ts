/**
 * The vocabulary of the rules engine. Values crossing its boundary are plain JavaScript (numbers,
 * strings, booleans); CEL's own representation (BigInt integers) stays inside `src/rules/`.
 */

/** The type of a citizen fact (catalogue `facts.yaml`). */
export type FactType = 'date' | 'boolean' | 'integer' | 'money' | 'enum' | 'string';
export const FACT_TYPES: readonly FactType[] = ['date', 'boolean', 'integer', 'money', 'enum', 'string'];

/** A known fact's value: dates are ISO `YYYY-MM-DD` strings, integers and money are numbers. */
export type FactValue = string | number | boolean;
export type Facts = Readonly<Record<string, FactValue | undefined>>;

/** How a parameter's values are typed in CEL: whole counts (days, months…) are `int`, money `double`. */
export type ParameterKind = 'int' | 'double' | 'string' | 'bool';
export type ParameterValue = number | string | boolean;

/** One parameter as read on the event date: the value in force, when it took effect and why. */
export interface ParameterReading {
  readonly id: string;
  readonly value: ParameterValue;
  /** The date this value took effect (`YYYY-MM-DD`). */
  readonly from: string;
  readonly reference: string;
  readonly note?: string;
  /** True when the value comes from the announced (`expected`) part of the series. */
  readonly expected?: boolean;
}

/** What an expression must produce. `date` is an ISO date string, `number` an int or a double. */
export type ResultType = 'bool' | 'date' | 'number';

export type Outcome =
  | { readonly status: 'known'; readonly value: ParameterValue }
  | { readonly status: 'unknown'; readonly missing: readonly string[] };

export interface FactRead {
  readonly id: string;
  /** Absent when the fact is not known: the expression needed it and could not go on without it. */
  readonly value?: FactValue;
  readonly known: boolean;
}

/** What one evaluation did, in the spirit of OpenFisca's `/trace`: inputs read, parameters, result. */
export interface Trace {
  readonly expression: string;
  readonly facts: readonly FactRead[];
  readonly parameters: readonly ParameterReading[];
  readonly result: Outcome;
}

export interface Evaluation {
  readonly outcome: Outcome;
  /** Present when the caller asked for a trace. */
  readonly trace?: Trace;
}
