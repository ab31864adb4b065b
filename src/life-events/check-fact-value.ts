import { acceptedDates, inDateRange, todayUtc } from '../kernel/index.ts';
import { isIsoDate } from '../rules/index.ts';
import type { FactDefinition } from './schema.ts';

/** Longest free-text answer accepted; facts are short answers, not documents. */
export const MAX_STRING_FACT = 500;

/**
 * Why a date given to the hub is outside the dates the rules compute with (kernel/date-range.ts), or
 * null: "must be between 1900-01-01 and 2035-06-30". Without `today`, today in UTC.
 */
export function dateRangeProblem(value: string, today: string = todayUtc()): string | null {
  const range = acceptedDates(today);
  return inDateRange(value, range) ? null : `must be between ${range.earliest} and ${range.latest}`;
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
    case 'enum': {
      const options = fact.options ?? [];
      return typeof value === 'string' && options.some((o) => o.value === value)
        ? null
        : `must be one of ${options.map((o) => o.value).join(', ')}`;
    }
    case 'string':
      if (typeof value !== 'string' || value.trim() === '') return 'must be a non-empty string';
      return value.length > MAX_STRING_FACT ? `must be at most ${MAX_STRING_FACT} characters` : null;
  }
}
