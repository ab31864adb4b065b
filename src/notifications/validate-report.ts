import { acceptedDates, GovbridgeError, inDateRange } from '../kernel/index.ts';
import type { EventTypeSpec, FieldValue, ReportFields } from './types.ts';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const COUNTRY = /^[A-Z]{2}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
const MAX_TEXT = 500;

export interface FieldProblem {
  field: string;
  message: string;
}

function realDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/**
 * Check a report's fields against its event type: known fields only, the right type, required fields
 * present, no date of birth or death in the future, every date between 1900-01-01 and ten years
 * after today (kernel/date-range.ts), and no contradictions (a death before the birth,
 * a move to the country left). Returns every problem, worded for the person who made the report.
 */
export function checkReport(
  eventType: string,
  spec: EventTypeSpec,
  fields: ReportFields,
  today: string,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const field = spec.fields[name];
    if (!field) {
      problems.push({ field: name, message: `"${name}" is not part of a ${eventType} report` });
      continue;
    }
    const p = checkValue(field.type, value);
    if (p) {
      problems.push({ field: name, message: p });
      continue;
    }
    if (field.notFuture && typeof value === 'string' && value > today) {
      problems.push({ field: name, message: 'must be today or in the past' });
      continue;
    }
    // Dates inside the range the hub computes with (kernel/date-range.ts), named in the message.
    if (field.type === 'date' && typeof value === 'string') {
      const range = acceptedDates(today, { notFuture: field.notFuture === true });
      if (!inDateRange(value, range)) {
        problems.push({ field: name, message: `must be between ${range.earliest} and ${range.latest}` });
      }
    }
  }
  for (const [name, field] of Object.entries(spec.fields)) {
    if (field.required && !(name in fields)) problems.push({ field: name, message: 'is required' });
  }
  // Contradictions between fields.
  const before = (a: string, b: string, message: string) => {
    const x = fields[a];
    const y = fields[b];
    if (typeof x === 'string' && typeof y === 'string' && realDate(x) && realDate(y) && x > y) {
      problems.push({ field: b, message });
    }
  };
  before('deceased_birthdate', 'date_of_death', 'the date of death is before the date of birth');
  if (
    typeof fields['from_country'] === 'string' &&
    fields['from_country'] === fields['to_country'] &&
    'to_country' in spec.fields
  ) {
    problems.push({ field: 'to_country', message: 'the country moved to is the country left' });
  }
  return problems;
}

function checkValue(type: string, value: FieldValue): string | undefined {
  if (type === 'countries') {
    if (!Array.isArray(value) || value.length === 0 || value.length > 10)
      return 'must be a list of country codes';
    return value.every((v) => typeof v === 'string' && COUNTRY.test(v))
      ? undefined
      : 'must be ISO 3166-1 alpha-2 country codes';
  }
  if (typeof value !== 'string') return 'must be text';
  if (value.trim().length === 0) return 'must not be empty';
  if (value.length > MAX_TEXT) return `must be at most ${MAX_TEXT} characters`;
  switch (type) {
    case 'date':
      return realDate(value) ? undefined : 'must be a real date (YYYY-MM-DD)';
    case 'country':
      return COUNTRY.test(value) ? undefined : 'must be an ISO 3166-1 alpha-2 country code';
    case 'email':
      return EMAIL.test(value) ? undefined : 'must be an email address';
    default:
      return undefined;
  }
}

export function reportInvalid(problems: FieldProblem[]): GovbridgeError {
  return new GovbridgeError(
    'invalid_request',
    `The report cannot be sent:\n  - ${problems.map((p) => `${p.field}: ${p.message}`).join('\n  - ')}`,
    { status: 422, detail: { problems } },
  );
}
