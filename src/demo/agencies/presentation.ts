import type { AttributeValue } from './receive-notification.ts';
import type { AgencySubscription, NotificationEventType } from './types.ts';

/**
 * Words for the agency pages: event and attribute labels, GOV.UK-style dates and times, country
 * names. Values become display strings here, so templates only ever print text. Pure.
 */

export const EVENT_LABELS: Readonly<Record<NotificationEventType, string>> = {
  death: 'A death',
  birth: 'A birth',
  'moving-abroad': 'Moving abroad',
};

const ATTRIBUTE_LABELS: Readonly<Record<string, string>> = {
  deceased_name: 'Name of the person who died',
  deceased_birthdate: 'Their date of birth',
  date_of_death: 'Date of death',
  place_of_death: 'Country of death',
  deceased_address: 'Their last address',
  informant_name: 'Name of the person telling us',
  informant_relationship: 'Their relationship to the person who died',
  informant_email: 'Email address of the person telling us',
  child_name: 'Child’s name',
  child_birthdate: 'Child’s date of birth',
  place_of_birth: 'Country of birth',
  parent_name: 'Parent’s name',
  parent_address: 'Parent’s address',
  name: 'Name',
  birthdate: 'Date of birth',
  nationalities: 'Nationalities',
  date_of_move: 'Date of move',
  from_country: 'Moving from',
  to_country: 'Moving to',
  previous_address: 'Previous address',
  new_address: 'New address',
  email: 'Email address',
};

const DATE_ATTRIBUTES = new Set([
  'deceased_birthdate',
  'date_of_death',
  'child_birthdate',
  'birthdate',
  'date_of_move',
]);
const COUNTRY_ATTRIBUTES = new Set([
  'place_of_death',
  'place_of_birth',
  'from_country',
  'to_country',
  'nationalities',
]);

export function attributeLabel(name: string): string {
  return ATTRIBUTE_LABELS[name] ?? name;
}

/** "Name, Date of birth and Date of move" — what a subscription entitles the agency to. */
export function entitlementText(subscription: AgencySubscription): string {
  const labels = subscription.attributes.map((a, i) => {
    const label = attributeLabel(a);
    return i === 0 ? label : label.charAt(0).toLowerCase() + label.slice(1);
  });
  if (labels.length <= 1) return labels.join('');
  return `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;
}

/** Attribute rows in the order the agency subscribed to them, then anything else alphabetically. */
export function attributeRows(
  attributes: Readonly<Record<string, AttributeValue>>,
  order: readonly string[],
): Array<{ label: string; value: string }> {
  const names = Object.keys(attributes).sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    if (ia !== -1 || ib !== -1) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib);
    return a.localeCompare(b);
  });
  return names.map((name) => ({
    label: attributeLabel(name),
    value: attributeText(name, attributes[name]!),
  }));
}

export function attributeText(name: string, value: AttributeValue): string {
  const values = typeof value === 'string' ? [value] : [...value];
  const shown = values.map((v) => {
    if (DATE_ATTRIBUTES.has(name)) return govukDate(v);
    if (COUNTRY_ATTRIBUTES.has(name)) return countryName(v);
    return v;
  });
  return shown.length > 0 ? shown.join(', ') : 'None given';
}

const regions = new Intl.DisplayNames(['en-GB'], { type: 'region', fallback: 'none' });

/** `SG` → "Singapore (SG)"; anything that is not a region code is shown as it is. */
export function countryName(code: string): string {
  if (!/^[A-Z]{2}$/.test(code)) return code;
  const name = regions.of(code);
  return name ? `${name} (${code})` : code;
}

/** `2026-03-14` → "14 March 2026" (GOV.UK style); anything else as it is. */
export function govukDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}

/** Epoch ms → "14 March 2026 at 3:05pm (UK time)", in the agency's own country's time. */
export function govukDateTime(epochMs: number, country: 'GB' | 'SG'): string {
  const timeZone = country === 'GB' ? 'Europe/London' : 'Asia/Singapore';
  const at = new Date(epochMs);
  const day = new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone,
  }).format(at);
  const parts = new Intl.DateTimeFormat('en-GB', {
    hour: 'numeric',
    minute: '2-digit',
    hour12: true,
    timeZone,
  }).formatToParts(at);
  const hour = parts.find((p) => p.type === 'hour')?.value ?? '';
  const minute = parts.find((p) => p.type === 'minute')?.value ?? '';
  const period = (parts.find((p) => p.type === 'dayPeriod')?.value ?? '').toLowerCase().replace(/\W/g, '');
  return `${day} at ${hour}:${minute}${period} (${country === 'GB' ? 'UK' : 'Singapore'} time)`;
}
