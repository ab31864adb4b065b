import type { FactValue, ParameterValue } from '../rules/index.ts';
import type { Fact } from './types.ts';

/** Words for values in explanations: GOV.UK style dates ("6 April 2025"), £ and S$ amounts. */

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export function formatDate(iso: string): string {
  return `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
}

/** 1234.5 → "1,234.50", 42 → "42". By hand: `toLocaleString` goes through Intl and costs microseconds. */
function number(n: number): string {
  const fixed = Number.isInteger(n) ? String(n) : n.toFixed(2);
  const [whole, fraction] = fixed.split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

export function formatMoney(value: number, currency: string): string {
  const symbol = currency === 'GBP' ? '£' : currency === 'SGD' ? 'S$' : `${currency} `;
  return `${value < 0 ? '-' : ''}${symbol}${number(Math.abs(value))}`;
}

const PERIODS: Readonly<Record<string, string>> = {
  week: 'a week',
  month: 'a month',
  year: 'a year',
  once: '',
};

export function formatAmount(value: number, currency: string, period: string): string {
  const per = PERIODS[period] ?? `per ${period}`;
  return per ? `${formatMoney(value, currency)} ${per}` : formatMoney(value, currency);
}

/** A parameter value in its unit: `GBP/week` → "£26.05 a week", `days` → "42 days". */
export function formatParameterValue(value: ParameterValue, unit: string): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value;
  const [currency, period] = unit.split('/');
  if (currency === 'GBP' || currency === 'SGD')
    return period ? formatAmount(value, currency, period) : formatMoney(value, currency);
  if (unit === 'percent') return `${number(value)}%`;
  if (unit === 'count') return number(value);
  if (['days', 'weeks', 'months', 'years'].includes(unit))
    return `${number(value)} ${value === 1 ? unit.slice(0, -1) : unit}`;
  return `${number(value)} ${unit}`;
}

export function formatFactValue(fact: Fact | undefined, value: FactValue): string {
  switch (fact?.type) {
    case 'date':
      return formatDate(String(value));
    case 'boolean':
      return value ? 'yes' : 'no';
    case 'enum':
      return fact.options?.find((o) => o.value === value)?.text ?? String(value);
    case 'money':
      return number(Number(value));
    default:
      return String(value);
  }
}
