import { acceptedDates, inDateRange } from '../../kernel/index.ts';
import type { Fact } from '../../life-events/index.ts';
import { checkFactValue, formatDate } from '../../life-events/index.ts';

/**
 * A form's answer to one catalogue fact, read from text fields into the fact's type, with GOV.UK
 * error messages (https://design-system.service.gov.uk/components/date-input/, …/text-input/).
 * `checkFactValue` backs every accepted value up, so the page never stores what the rules refuse.
 */

export type ReadResult =
  | { ok: true; value: string | number | boolean }
  | { ok: false; message: string; field: 'day' | 'month' | 'year' | 'value' };

export type DateFields = { day?: unknown; month?: unknown; year?: unknown };

/** Words for a fact in messages ("Income must be 0 or more"); the catalogue has only questions. */
const NOUNS: Readonly<Record<string, string>> = {
  adjusted_net_income: 'Income',
  average_weekly_earnings: 'Earnings',
  monthly_fixed_salary_sgd: 'Salary',
  child_birth_order: 'The child’s place in the family',
  death_registration_date: 'The date the death was registered',
  applicant_birthdate: 'Date of birth',
  funeral_date: 'The date of the funeral',
  last_day_of_employment_sg: 'Your last day of employment',
};

export function factNoun(fact: Fact): string {
  return (
    NOUNS[fact.id] ??
    (fact.type === 'money' ? 'The amount' : fact.type === 'date' ? 'The date' : 'The number')
  );
}

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** A GOV.UK date input's three fields as `YYYY-MM-DD`, or the message for what is wrong. */
export function readDate(
  fields: DateFields,
  noun: string,
  options: { notFuture?: boolean; today: string },
): ReadResult {
  const day = text(fields.day);
  const month = text(fields.month);
  const year = text(fields.year);
  if (!day && !month && !year) return { ok: false, message: `Enter ${lowerFirst(noun)}`, field: 'day' };
  if (!day) return { ok: false, message: `${noun} must include a day`, field: 'day' };
  if (!month) return { ok: false, message: `${noun} must include a month`, field: 'month' };
  if (!year) return { ok: false, message: `${noun} must include a year`, field: 'year' };
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) {
    return {
      ok: false,
      message: 'Enter a real date',
      field: !/^\d{1,2}$/.test(day) ? 'day' : !/^\d{1,2}$/.test(month) ? 'month' : 'year',
    };
  }
  const iso = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  const d = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso) {
    return { ok: false, message: 'Enter a real date', field: 'day' };
  }
  if (options.notFuture && iso > options.today) {
    return { ok: false, message: `${noun} must be today or in the past`, field: 'day' };
  }
  const outside = dateRangeMessage(iso, noun, options);
  if (outside) return { ok: false, message: outside, field: 'day' };
  return { ok: true, value: iso };
}

/**
 * The GOV.UK message for a date outside the dates the rules compute with (kernel/date-range.ts):
 * "Date of birth must be between 1 January 1900 and 30 June 2035"; undefined when inside.
 */
export function dateRangeMessage(
  iso: string,
  noun: string,
  options: { notFuture?: boolean; today: string },
): string | undefined {
  const range = acceptedDates(options.today, { notFuture: options.notFuture === true });
  if (inDateRange(iso, range)) return undefined;
  return `${noun} must be between ${formatDate(range.earliest)} and ${formatDate(range.latest)}`;
}

function lowerFirst(s: string): string {
  return s.startsWith('The ') ? `the ${s.slice(4)}` : s.charAt(0).toLowerCase() + s.slice(1);
}

/** Number of pounds or dollars as typed: "1,234.50", "£600", "S$ 11000". */
const MONEY = /^-?\d+(\.\d{1,2})?$/;
const INTEGER = /^-?\d+$/;

export function readAnswer(fact: Fact, body: Record<string, unknown>, today: string): ReadResult {
  const noun = factNoun(fact);
  let result: ReadResult;
  switch (fact.type) {
    case 'boolean': {
      const v = text(body['value']);
      result =
        v === 'yes' || v === 'no'
          ? { ok: true, value: v === 'yes' }
          : { ok: false, message: 'Select yes or no', field: 'value' };
      break;
    }
    case 'enum': {
      const v = text(body['value']);
      result = (fact.options ?? []).some((o) => o.value === v)
        ? { ok: true, value: v }
        : { ok: false, message: 'Select one option', field: 'value' };
      break;
    }
    case 'date':
      result = readDate(
        { day: body['value-day'], month: body['value-month'], year: body['value-year'] },
        noun,
        { notFuture: fact.notFuture === true, today },
      );
      break;
    case 'integer':
    case 'money': {
      const raw = text(body['value'])
        .replace(/^(£|S\$)\s*/i, '')
        .replace(/,/g, '');
      if (!raw) {
        result = { ok: false, message: 'Enter a number', field: 'value' };
        break;
      }
      if (!(fact.type === 'money' ? MONEY : INTEGER).test(raw)) {
        const wholeNeeded = fact.type === 'integer' && MONEY.test(raw);
        result = {
          ok: false,
          message: wholeNeeded ? 'Enter a whole number' : 'Enter a number',
          field: 'value',
        };
        break;
      }
      const n = Number(raw);
      if (fact.min !== undefined && n < fact.min) {
        result = { ok: false, message: `${noun} must be ${fact.min} or more`, field: 'value' };
      } else if (fact.max !== undefined && n > fact.max) {
        result = { ok: false, message: `${noun} must be ${fact.max} or less`, field: 'value' };
      } else {
        result = { ok: true, value: n };
      }
      break;
    }
    case 'string': {
      const v = text(body['value']);
      result = v ? { ok: true, value: v } : { ok: false, message: 'Enter your answer', field: 'value' };
      break;
    }
  }
  if (result.ok) {
    const reason = checkFactValue(fact, result.value, today);
    if (reason) return { ok: false, message: `Your answer ${reason}`, field: 'value' };
  }
  return result;
}
