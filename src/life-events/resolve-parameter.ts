import { GovbridgeError } from '../kernel/index.ts';
import type { CompiledExpression, ParameterKind, ParameterReading, ParameterValue } from '../rules/index.ts';
import type { Catalogue, Parameter, Service } from './types.ts';

/**
 * Parameters are dated series (OpenFisca's model, https://openfisca.org/doc/coding-the-legislation/
 * legislation_parameters.html): the value in force on a date is the last one whose `from` is on or
 * before it. Announced (`expected`) values count once their date has come, and are marked so.
 *
 * A date before a parameter's first value has no value: the catalogue does not model the law before
 * then, and a citizen must not be told a rule from another era. Reading it throws `OutsideRulesError`
 * (an exposed `bad_request` naming the earliest date the parameter covers); a journey catches it per
 * service, which is then "unknown — we hold rules for this service from <date>" (`rulesFrom`), and
 * the rest of the journey is worked out.
 *
 * Series are short (a value a year), so a backwards scan is faster than a cache keyed by date and
 * keeps memory flat however many different event dates a bulk run meets.
 */

/** Whole counts are CEL ints so that `add_days(date, param('x'))` type-checks; money is a double. */
const INT_UNITS = new Set(['days', 'weeks', 'months', 'years', 'count']);

export function parameterKind(unit: string, values: readonly ParameterValue[]): ParameterKind | string {
  const types = new Set(values.map((v) => typeof v));
  if (types.size > 1)
    return `mixes value types (${[...types].join(', ')}); every value must have the same type`;
  const type = [...types][0];
  if (unit === 'boolean') return type === 'boolean' ? 'bool' : 'unit boolean needs true/false values';
  if (type === 'boolean') return 'true/false values need unit boolean';
  if (type === 'string') return 'string';
  if (INT_UNITS.has(unit)) {
    return values.every((v) => Number.isInteger(v)) ? 'int' : `unit ${unit} needs whole numbers`;
  }
  return 'double';
}

/** A parameter read on a date before its first value: the catalogue holds no rule for that date. */
export class OutsideRulesError extends GovbridgeError {
  readonly parameter: string;
  readonly date: string;
  readonly firstFrom: string;
  constructor(parameter: Parameter, date: string) {
    const firstFrom = parameter.series[0]!.from;
    super(
      'bad_request',
      `The catalogue has no value for ${parameter.description.toLowerCase()} (${parameter.id}) before ${firstFrom}; it cannot work out events dated ${date}`,
      { detail: { parameter: parameter.id, date, firstFrom } },
    );
    this.parameter = parameter.id;
    this.date = date;
    this.firstFrom = firstFrom;
  }
}

export function isOutsideRules(error: unknown): error is OutsideRulesError {
  return error instanceof OutsideRulesError;
}

export function parameterOn(parameter: Parameter, date: string): ParameterReading {
  const series = parameter.series;
  for (let i = series.length - 1; i >= 0; i--) {
    if (series[i]!.from <= date) return parameter.readings[i]!;
  }
  throw new OutsideRulesError(parameter, date);
}

/**
 * The first parameter an expression may read that has no value on `date`, if any. CEL's logical
 * operators absorb errors when the other side decides, so a rule can come out "unknown" (a fact
 * missing) although it also tried a parameter the catalogue does not hold for that date: such an
 * outcome is outside the rules, not a question to ask.
 */
export function uncoveredParameter(
  catalogue: Catalogue,
  parameters: readonly string[],
  date: string,
): Parameter | undefined {
  for (const id of parameters) {
    const parameter = catalogue.parameters.get(id);
    if (parameter && parameter.series[0]!.from > date) return parameter;
  }
  return undefined;
}

const expressionCoverage = new WeakMap<CompiledExpression, string>();

/** The latest first `from` of the parameters an expression may read ('' when it reads none); cached. */
export function expressionRulesFrom(catalogue: Catalogue, expr: CompiledExpression): string {
  let from = expressionCoverage.get(expr);
  if (from === undefined) {
    from = '';
    for (const id of expr.parameters) {
      const first = catalogue.parameters.get(id)?.series[0]?.from ?? '';
      if (first > from) from = first;
    }
    expressionCoverage.set(expr, from);
  }
  return from;
}

const coverage = new WeakMap<Service, string>();

/**
 * The first date from which the catalogue holds every parameter a service's rules may read: the
 * latest first `from` among them (an empty string when its rules read no parameter). Before it, a
 * journey may find the service outside its rules (only when a rule actually reads a parameter that
 * has no value then: a date guard may decide first).
 */
export function serviceRulesFrom(catalogue: Catalogue, service: Service): string {
  let from = coverage.get(service);
  if (from === undefined) {
    from = '';
    const { eligibility, deadline, amount } = service.rules;
    for (const rule of [eligibility, deadline, amount]) {
      for (const id of rule?.parameters ?? []) {
        const first = catalogue.parameters.get(id)?.series[0]?.from ?? '';
        if (first > from) from = first;
      }
    }
    coverage.set(service, from);
  }
  return from;
}

/** The resolver one evaluation uses: every parameter read as on `date`. */
export function parametersOn(catalogue: Catalogue, date: string): (id: string) => ParameterReading {
  return (id) => {
    const parameter = catalogue.parameters.get(id);
    if (!parameter) throw new GovbridgeError('rule_failed', `Unknown parameter ${id}`);
    return parameterOn(parameter, date);
  };
}
