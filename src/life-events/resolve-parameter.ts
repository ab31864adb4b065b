import { GovbridgeError } from '../kernel/index.ts';
import type { ParameterKind, ParameterReading, ParameterValue } from '../rules/index.ts';
import type { Catalogue, Parameter } from './types.ts';

/**
 * Parameters are dated series (OpenFisca's model, https://openfisca.org/doc/coding-the-legislation/
 * legislation_parameters.html): the value in force on a date is the last one whose `from` is on or
 * before it. Announced (`expected`) values count once their date has come, and are marked so.
 *
 * A date before a parameter's first value is an error, not an unknown: the catalogue does not model
 * the law before then, and a citizen must not be told a rule from another era. The error is exposed
 * (`bad_request`) and names the earliest date the parameter covers.
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

export function parameterOn(parameter: Parameter, date: string): ParameterReading {
  const series = parameter.series;
  for (let i = series.length - 1; i >= 0; i--) {
    if (series[i]!.from <= date) return parameter.readings[i]!;
  }
  throw new GovbridgeError(
    'bad_request',
    `The catalogue has no value for ${parameter.description.toLowerCase()} (${parameter.id}) before ${series[0]!.from}; it cannot work out events dated ${date}`,
    { detail: { parameter: parameter.id, date, firstFrom: series[0]!.from } },
  );
}

/** The resolver one evaluation uses: every parameter read as on `date`. */
export function parametersOn(catalogue: Catalogue, date: string): (id: string) => ParameterReading {
  return (id) => {
    const parameter = catalogue.parameters.get(id);
    if (!parameter) throw new GovbridgeError('rule_failed', `Unknown parameter ${id}`);
    return parameterOn(parameter, date);
  };
}
