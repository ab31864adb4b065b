import { acceptedDates, type DateRange, inDateRange, todayUtc } from '../kernel/index.ts';
import { isIsoDate } from '../rules/index.ts';
import type { FactDefinition } from './schema.ts';

/** Longest free-text answer accepted; facts are short answers, not documents. */
export const MAX_STRING_FACT = 500;

/**
 * Why a date given to the hub is outside the dates the rules compute with (kernel/date-range.ts), or
 * null: "must be between 1900-01-01 and 2035-06-30". Without `today`, today in UTC.
 */
export function dateRangeProblem(value: string, today: string = todayUtc()): string | null {
  const range = rangeOn(today);
  return inDateRange(value, range) ? null : `must be between ${range.earliest} and ${range.latest}`;
}

// Bulk runs check every date answer of every citizen against the same today: the range is made once.
let rangeToday = '';
let rangeCached: DateRange | undefined;
function rangeOn(today: string): DateRange {
  if (rangeCached === undefined || today !== rangeToday) {
    rangeCached = acceptedDates(today);
    rangeToday = today;
  }
  return rangeCached;
}

/** An enum fact's option values as a set, made once per fact. */
const optionSets = new WeakMap<FactDefinition, ReadonlySet<string>>();
function optionsOf(fact: FactDefinition): ReadonlySet<string> {
  let set = optionSets.get(fact);
  if (set === undefined) {
    set = new Set((fact.options ?? []).map((o) => o.value));
    optionSets.set(fact, set);
  }
  return set;
}

/**
 * Why a value is not acceptable for a fact, or null when it is. Used for the catalogue's rule cases
 * at load time and for citizens' answers before evaluation. `today` (`YYYY-MM-DD`) enables the
 * `notFuture` check.
 */
export function checkFactValue(fact: FactDefinition, value: unknown, today?: string): string | null {
  switch (fact.type) {
    case 'date':
      if (!isIsoDate(value)) return 'must be a real date written YYYY-MM-DD';
      if (fact.notFuture && today !== undefined && value > today)
        return `must not be in the future (after ${today})`;
      return dateRangeProblem(value, today);
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'integer':
    case 'money': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (fact.type === 'integer' && !Number.isInteger(value)) return 'must be a whole number';
      if (fact.min !== undefined && value < fact.min) return `must be at least ${fact.min}`;
      if (fact.max !== undefined && value > fact.max) return `must be at most ${fact.max}`;
      return null;
    }
    case 'enum':
      return typeof value === 'string' && optionsOf(fact).has(value)
        ? null
        : `must be one of ${(fact.options ?? []).map((o) => o.value).join(', ')}`;
    case 'string':
      if (typeof value !== 'string' || value.trim() === '') return 'must be a non-empty string';
      return value.length > MAX_STRING_FACT ? `must be at most ${MAX_STRING_FACT} characters` : null;
  }
}
