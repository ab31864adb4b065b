import { GovbridgeError } from '../kernel/index.ts';
import { createCompiler, type FactType, type ParameterKind, type ResultType } from '../rules/index.ts';
import { checkFactValue } from './check-fact-value.ts';
import { parameterKind } from './resolve-parameter.ts';
import type {
  Agency,
  CaseDefinition,
  CatalogueFile,
  EventDefinition,
  FactDefinition,
  ParameterDefinition,
  ServiceDefinition,
} from './schema.ts';
import type {
  Catalogue,
  Fact,
  LifeEvent,
  Parameter,
  Path,
  Problem,
  RuleCase,
  SeriesPoint,
  Service,
} from './types.ts';

/**
 * The rules of a catalogue that its schemas cannot express, checked across all its files:
 * - ids are unique across files (agencies, facts, parameters, events, services);
 * - facts: `options` exactly for enums, with unique values; `min`/`max` only for integer and money, min ≤ max;
 *   `notFuture` only for dates; `verifiedFrom` names a known common claim (when the claims are given);
 * - parameters: `values` sorted by `from` with no two on one date; `expected` values come after the
 *   last value, also sorted; one value type per series, fitting the unit (whole numbers for days…);
 * - events: services exist, once each, in one of the event's countries;
 * - services: the agency exists and is in the service's country; facts exist, once each; every
 *   expression compiles (reads only its service's facts, known parameters, known functions, and
 *   produces the right type); `reusesVerified` names known claims (when given);
 * - cases: the event exists; facts are known and valid for their type; expectations name services of
 *   the event and known facts.
 * A file whose schema failed is skipped here; references into it are not checked, so one mistake
 * does not cascade into a page of consequences.
 */

export interface ParsedFiles {
  /** `catalogue.yaml` (absent: missing or broken, and already a problem). */
  readonly catalogue?: { file: string; data: CatalogueFile };
  readonly agencies?: { file: string; data: readonly Agency[] };
  readonly facts?: { file: string; data: Readonly<Record<string, FactDefinition>> };
  readonly parameters: readonly { file: string; data: Readonly<Record<string, ParameterDefinition>> }[];
  readonly events: readonly { file: string; data: EventDefinition }[];
  readonly services: readonly { file: string; data: ServiceDefinition }[];
  readonly cases: readonly { file: string; data: readonly CaseDefinition[] }[];
  /** False when some parameters file failed its schema: unknown-parameter checks are then skipped. */
  readonly parametersComplete: boolean;
  /** Ids of event and service files that failed their schema: references to them are not reported again. */
  readonly brokenIds: ReadonlySet<string>;
}

export interface ValidateOptions {
  /** Common claim names (trust framework) that `verifiedFrom` and `reusesVerified` may name. */
  readonly claims?: ReadonlySet<string>;
}

export function validateCatalogue(
  dir: string,
  files: ParsedFiles,
  options: ValidateOptions,
  problems: Problem[],
): Catalogue {
  const add = (file: string, path: Path, reason: string) => problems.push({ file, path, reason });

  const agencies = new Map<string, Agency>();
  files.agencies?.data.forEach((agency, i) => {
    if (agencies.has(agency.id)) add(files.agencies!.file, [i, 'id'], `duplicate agency id "${agency.id}"`);
    else agencies.set(agency.id, agency);
  });

  const facts = new Map<string, Fact>();
  const factTypes = new Map<string, FactType>();
  if (files.facts) {
    for (const [id, fact] of Object.entries(files.facts.data)) {
      checkFact(fact, (path, reason) => add(files.facts!.file, [id, ...path], reason), options.claims);
      facts.set(id, { id, ...fact });
      factTypes.set(id, fact.type);
    }
  }

  const parameters = new Map<string, Parameter>();
  const brokenParameters: string[] = [];
  for (const { file, data } of files.parameters) {
    for (const [id, definition] of Object.entries(data)) {
      const seen = parameters.get(id);
      if (seen) {
        add(file, [id], `duplicate parameter id (also in ${seen.file})`);
        continue;
      }
      const parameter = checkParameter(id, file, definition, (path, reason) =>
        add(file, [id, ...path], reason),
      );
      if (parameter) parameters.set(id, parameter);
      else brokenParameters.push(id);
    }
  }

  const events = new Map<string, LifeEvent>();
  for (const { file, data } of files.events) {
    const seen = events.get(data.id);
    if (seen) add(file, ['id'], `duplicate event id "${data.id}" (also in ${seen.file})`);
    else events.set(data.id, { ...data, file });
  }

  const compiler = createCompiler({
    facts: factTypes,
    parameters: new Map([...parameters].map(([id, p]) => [id, p.kind as ParameterKind])),
  });
  const canCompile = files.facts !== undefined && files.parametersComplete;
  const services = new Map<string, Service>();
  for (const { file, data } of files.services) {
    const at = (path: Path, reason: string) => add(file, path, reason);
    const seen = services.get(data.id);
    if (seen) {
      at(['id'], `duplicate service id "${data.id}" (also in ${seen.file})`);
      continue;
    }
    const agency = agencies.get(data.agency);
    if (files.agencies && !agency) at(['agency'], `unknown agency "${data.agency}"`);
    if (agency && agency.country !== data.country) {
      at(['country'], `is ${data.country} but agency "${agency.id}" is in ${agency.country}`);
    }
    checkList(data.facts, ['facts'], 'fact', files.facts ? facts : undefined, at);
    if (options.claims)
      checkList(data.reusesVerified ?? [], ['reusesVerified'], 'common claim', options.claims, at);
    // An expression naming a parameter whose series is broken is checked once the series is fixed.
    const sources = [data.eligibility, data.deadline?.expression ?? '', data.amount?.expression ?? ''].join(
      '\n',
    );
    if (
      !canCompile ||
      brokenParameters.some((id) => sources.includes(`"${id}"`) || sources.includes(`'${id}'`))
    )
      continue;
    const allowedFacts = new Set(data.facts);
    const compile = (source: string, resultType: ResultType, path: Path) => {
      try {
        return compiler.compile(source, { allowedFacts, resultType });
      } catch (error) {
        const reasons =
          error instanceof GovbridgeError
            ? ((error.detail?.['problems'] as string[] | undefined) ?? [error.message])
            : [String(error)];
        for (const reason of reasons) at(path, reason);
        return undefined;
      }
    };
    const eligibility = compile(data.eligibility, 'bool', ['eligibility']);
    const deadline = data.deadline && compile(data.deadline.expression, 'date', ['deadline', 'expression']);
    const amount = data.amount && compile(data.amount.expression, 'number', ['amount', 'expression']);
    if (eligibility) {
      services.set(data.id, {
        ...data,
        file,
        rules: { eligibility, ...(deadline ? { deadline } : {}), ...(amount ? { amount } : {}) },
      });
    }
  }

  for (const { file, data: event } of files.events) {
    const at = (path: Path, reason: string) => add(file, path, reason);
    const seen = new Set<string>();
    event.services.forEach((id, i) => {
      if (seen.has(id)) at(['services', i], `service "${id}" is listed twice`);
      seen.add(id);
      const service = files.services.find((s) => s.data.id === id)?.data;
      if (!service) {
        if (!files.brokenIds.has(id)) at(['services', i], `unknown service "${id}"`);
      } else if (!event.countries.includes(service.country)) {
        at(
          ['services', i],
          `service "${id}" is in ${service.country}, which is not among the event's countries`,
        );
      }
    });
  }

  const cases: RuleCase[] = [];
  for (const { file, data } of files.cases) {
    data.forEach((ruleCase, index) => {
      const at = (path: Path, reason: string) => add(file, [index, ...path], reason);
      const event = events.get(ruleCase.event);
      if (!event && !files.brokenIds.has(ruleCase.event)) at(['event'], `unknown event "${ruleCase.event}"`);
      if (files.facts) {
        for (const [id, value] of Object.entries(ruleCase.facts)) {
          const fact = facts.get(id);
          const reason = fact ? checkFactValue(fact, value) : `unknown fact "${id}"`;
          if (reason) at(['facts', id], reason);
        }
      }
      const expectations = Object.entries(ruleCase.expect);
      if (expectations.length === 0) at(['expect'], 'must name at least one service');
      for (const [serviceId, expected] of expectations) {
        if (event && !event.services.includes(serviceId)) {
          at(['expect', serviceId], `"${serviceId}" is not a service of event "${event.id}"`);
        }
        if (files.facts) {
          expected.missing?.forEach((id, i) => {
            if (!facts.has(id)) at(['expect', serviceId, 'missing', i], `unknown fact "${id}"`);
          });
        }
        // An eligible service may still need facts for its deadline or amount; one that is not
        // eligible needs none.
        if (expected.missing && expected.eligible === false) {
          at(['expect', serviceId, 'missing'], 'a service that is not eligible has no missing facts');
        }
      }
      cases.push({ ...ruleCase, file, index });
    });
  }

  const meta = files.catalogue?.data;
  return {
    dir,
    version: meta?.version ?? '',
    ...(meta?.description ? { description: meta.description } : {}),
    agencies,
    facts,
    factTypes,
    parameters,
    events,
    services,
    cases,
  };
}

function checkFact(
  fact: FactDefinition,
  at: (path: Path, reason: string) => void,
  claims?: ReadonlySet<string>,
): void {
  if (fact.type === 'enum') {
    if (!fact.options) at(['options'], 'an enum fact needs options');
    else {
      const values = new Set<string>();
      fact.options.forEach((o, i) => {
        if (values.has(o.value)) at(['options', i, 'value'], `duplicate option "${o.value}"`);
        values.add(o.value);
      });
    }
  } else if (fact.options) at(['options'], `only enum facts have options (this one is ${fact.type})`);
  const numeric = fact.type === 'integer' || fact.type === 'money';
  for (const key of ['min', 'max'] as const) {
    if (fact[key] !== undefined && !numeric)
      at([key], `only integer and money facts have ${key} (this one is ${fact.type})`);
    if (fact[key] !== undefined && fact.type === 'integer' && !Number.isInteger(fact[key]))
      at([key], 'must be a whole number');
  }
  if (fact.min !== undefined && fact.max !== undefined && fact.min > fact.max)
    at(['max'], `is less than min (${fact.min})`);
  if (fact.notFuture && fact.type !== 'date')
    at(['notFuture'], `only date facts can be notFuture (this one is ${fact.type})`);
  if (fact.verifiedFrom && claims && !claims.has(fact.verifiedFrom)) {
    at(['verifiedFrom'], `unknown common claim "${fact.verifiedFrom}"`);
  }
}

function checkParameter(
  id: string,
  file: string,
  definition: ParameterDefinition,
  at: (path: Path, reason: string) => void,
): Parameter | undefined {
  const sorted = (entries: readonly { from: string }[], key: string, after?: string) => {
    entries.forEach((entry, i) => {
      const before = i === 0 ? after : entries[i - 1]!.from;
      if (before !== undefined && entry.from <= before) {
        at(
          [key, i, 'from'],
          entry.from === before
            ? `${entry.from} appears twice; a series has one value per date`
            : `${entry.from} comes before ${before}; list values oldest first`,
        );
      }
    });
  };
  sorted(definition.values, 'values');
  const expected = definition.expected ?? [];
  sorted(expected, 'expected', definition.values.at(-1)!.from);
  const kind = parameterKind(
    definition.unit,
    [...definition.values, ...expected].map((v) => v.value),
  );
  if (!['int', 'double', 'string', 'bool'].includes(kind)) {
    at(['values'], kind);
    return undefined;
  }
  // Dates given to the hub are bounded (kernel/date-range.ts) so that rule arithmetic stays inside
  // the years 0000–9999; that holds only while a rule shifts a date by a bounded amount.
  const limit = SHIFT_LIMITS[definition.unit];
  if (limit !== undefined) {
    [...definition.values, ...expected].forEach((v, i) => {
      if (typeof v.value === 'number' && Math.abs(v.value) > limit) {
        const inValues = i < definition.values.length;
        at(
          [inValues ? 'values' : 'expected', inValues ? i : i - definition.values.length, 'value'],
          `${v.value} ${definition.unit} shifts a date by more than 100 years; dates given to the hub are bounded on that assumption`,
        );
      }
    });
  }
  const series: SeriesPoint[] = [
    ...definition.values.map((v) => ({ ...v, expected: false })),
    ...expected.map((v) => ({ ...v, expected: true })),
  ];
  const readings = series.map((point) =>
    Object.freeze({
      id,
      value: point.value,
      from: point.from,
      reference: point.reference,
      ...(point.note === undefined ? {} : { note: point.note }),
      ...(point.expected ? { expected: true } : {}),
    }),
  );
  return { ...definition, id, file, kind: kind as ParameterKind, series, readings };
}

/** The most a date parameter may shift a date by: 100 years in its unit. */
const SHIFT_LIMITS: Readonly<Record<string, number>> = {
  days: 36_525,
  weeks: 5_218,
  months: 1_200,
  years: 100,
};

function checkList(
  ids: readonly string[],
  path: Path,
  what: string,
  known: ReadonlyMap<string, unknown> | ReadonlySet<string> | undefined,
  at: (path: Path, reason: string) => void,
): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) at([...path, i], `${what} "${id}" is listed twice`);
    seen.add(id);
    if (known && !known.has(id)) at([...path, i], `unknown ${what} "${id}"`);
  });
}
