/**
 * The dates a person or client may give the hub (event dates, dates of birth and death, date answers,
 * report dates): from 1 January 1900 to ten years after today, inclusive.
 *
 * Why this range: the rules compute with dates only by shifting them a little — the catalogue's
 * deadlines and backdating move a date by days or months (at most 21 months today), and ages are
 * differences of years — and `rules/date-functions.ts` works on the years 0000–9999 only. A date
 * from the range, shifted by anything a rule may do (the catalogue is refused at load when a date
 * parameter would shift by more than 100 years: validate-catalogue.ts), stays in 1800–2200, far from
 * both ends, so no given date can make the arithmetic fail. 1900 is before the birth of anyone alive
 * and of every event a living citizen reports; ten years ahead leaves room to plan (a baby due, a
 * move) without accepting dates no rule has parameters for. The upper end moves with today, so a
 * date accepted once stays accepted.
 */
export const EARLIEST_DATE = '1900-01-01';
export const YEARS_AHEAD = 10;

export interface DateRange {
  /** `YYYY-MM-DD`, inclusive. */
  readonly earliest: string;
  /** `YYYY-MM-DD`, inclusive. */
  readonly latest: string;
}

/** The accepted dates for `today` (`YYYY-MM-DD`); `notFuture` ends the range at today. */
export function acceptedDates(today: string, options: { notFuture?: boolean } = {}): DateRange {
  if (options.notFuture) return { earliest: EARLIEST_DATE, latest: today };
  const year = String(Number(today.slice(0, 4)) + YEARS_AHEAD).padStart(4, '0');
  const monthDay = today.slice(5);
  // 29 February ten years on is usually not a date: the range ends on the 28th.
  return { earliest: EARLIEST_DATE, latest: `${year}-${monthDay === '02-29' ? '02-28' : monthDay}` };
}

/** Whether an ISO date (`YYYY-MM-DD`, already known to be real) is in the range. */
export function inDateRange(iso: string, range: DateRange): boolean {
  return iso >= range.earliest && iso <= range.latest;
}

let cachedDay = -1;
let cachedToday = '';

/** Today in UTC as `YYYY-MM-DD`, for checks that are given no "today" (bulk runs call it per date). */
export function todayUtc(): string {
  const day = Math.floor(Date.now() / 86_400_000);
  if (day !== cachedDay) {
    cachedToday = new Date(day * 86_400_000).toISOString().slice(0, 10);
    cachedDay = day;
  }
  return cachedToday;
}
