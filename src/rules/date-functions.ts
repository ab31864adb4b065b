import { GovbridgeError } from '../kernel/index.ts';

/**
 * Calendar arithmetic on ISO dates (`YYYY-MM-DD`), on whole days of the proleptic Gregorian
 * calendar, so time zones and daylight saving never move a deadline. These are the functions CEL
 * expressions call. Pure integer arithmetic (Howard Hinnant's days-from-civil algorithm,
 * https://howardhinnant.github.io/date_algorithms.html) rather than `Date` objects: bulk runs call
 * them millions of times.
 */

export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 10 || value[4] !== '-' || value[7] !== '-') return false;
  const y = digits(value, 0, 4);
  const m = digits(value, 5, 7);
  const d = digits(value, 8, 10);
  return y >= 0 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** The number written in value[from, to), or -1 if any character is not a digit. */
function digits(value: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]!;
}

function parts(value: string, role: string): [number, number, number] {
  if (!isIsoDate(value)) {
    throw new GovbridgeError(
      'rule_failed',
      `${role} must be a date written YYYY-MM-DD (got ${JSON.stringify(value)})`,
    );
  }
  return [digits(value, 0, 4), digits(value, 5, 7), digits(value, 8, 10)];
}

/** Days since 1970-01-01 of a civil date. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return format(yoe + era * 400 + (m <= 2 ? 1 : 0), m, d);
}

function format(y: number, m: number, d: number): string {
  if (y < 0 || y > 9999)
    throw new GovbridgeError('rule_failed', `date arithmetic left the years 0000–9999 (year ${y})`);
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = parts(date, 'add_days: the date');
  return civilFromDays(daysFromCivil(y, m, d) + days);
}

/**
 * Calendar months; a day that does not exist in the target month becomes that month's last day
 * (31 January + 1 month = 28 or 29 February), as java.time's `plusMonths` reads it.
 */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = parts(date, 'add_months: the date');
  const index = y * 12 + (m - 1) + months;
  const ty = Math.floor(index / 12);
  const tm = index - ty * 12 + 1;
  return format(ty, tm, Math.min(d, daysInMonth(ty, tm)));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const [y1, m1, d1] = parts(from, 'days_between: the first date');
  const [y2, m2, d2] = parts(to, 'days_between: the second date');
  return daysFromCivil(y2, m2, d2) - daysFromCivil(y1, m1, d1);
}

/**
 * Age in whole years on `date`. Someone born on 29 February turns a year older on 1 March in a
 * common year: the birthday has not been reached while (month, day) < (2, 29).
 */
export function ageOn(birthdate: string, date: string): number {
  const [y1, m1, d1] = parts(birthdate, 'age_on: the birth date');
  const [y2, m2, d2] = parts(date, 'age_on: the date');
  const before = m2 < m1 || (m2 === m1 && d2 < d1);
  return y2 - y1 - (before ? 1 : 0);
}
