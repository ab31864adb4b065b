import type { NotificationStatus, ReportView } from '../../notifications/index.ts';
import { countryName } from './countries.ts';
import { fieldLabel } from './report-forms.ts';

/**
 * Where a report is, per agency, in the citizen's words (issue "Report once": "pending, delivered
 * (when), failing and being retried, needs action"), with GOV.UK tag colours.
 */
export interface AgencyStatus {
  name: string;
  fields: string;
  tag: { text: string; classes: string };
  sentence: string;
  /** "Needs action": where to contact the agency. */
  website?: string;
}

const ZONES: Readonly<Record<string, { zone: string; words: string }>> = {
  GB: { zone: 'Europe/London', words: 'UK time' },
  SG: { zone: 'Asia/Singapore', words: 'Singapore time' },
};

/** "3 March 2026 at 2:05pm (UK time)": GOV.UK style, in the agency's country's time. */
export function formatDateTime(epochMs: number, country: string): string {
  const z = ZONES[country] ?? ZONES['GB']!;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: z.zone,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    hour12: true,
  }).formatToParts(new Date(epochMs));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const minute = get('minute');
  const time =
    minute === '00' ? `${get('hour')}${get('dayPeriod')}` : `${get('hour')}:${minute}${get('dayPeriod')}`;
  return `${get('day')} ${get('month')} ${get('year')} at ${time.toLowerCase().replace(/\s/g, '')} (${z.words})`;
}

/** "3 March 2026", in Singapore (the later calendar of the two countries). */
export function formatDay(epochMs: number): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Singapore',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(new Date(epochMs));
}

function safeWebsite(url: string): string | undefined {
  return /^https:\/\/[^\s"'<>]+$/.test(url) ? url : undefined;
}

export function agencyStatus(n: NotificationStatus): AgencyStatus {
  const base = { name: n.agency.name, fields: n.attributes.map(fieldLabel).join(', ') };
  switch (n.state) {
    case 'delivered':
      return {
        ...base,
        tag: { text: 'Delivered', classes: 'govuk-tag--green' },
        sentence: n.deliveredAt
          ? `Delivered on ${formatDateTime(n.deliveredAt, n.agency.country)}.`
          : 'Delivered.',
      };
    case 'dead': {
      const website = safeWebsite(n.agency.website);
      return {
        ...base,
        tag: { text: 'Needs action', classes: 'govuk-tag--red' },
        sentence: `We could not tell ${n.agency.name}. Contact them${website ? ' at' : ' directly.'}`,
        ...(website ? { website } : {}),
      };
    }
    case 'retrying':
      return {
        ...base,
        tag: { text: 'Not delivered yet', classes: 'govuk-tag--yellow' },
        sentence: `We are trying again (attempt ${n.attempts + 1}).`,
      };
    case 'sending':
      // The delivery worker counts an attempt when it claims the notification, so `attempts` is the
      // attempt in progress: 1 is the first delivery (not "trying again"), 2 or more a retry.
      return n.attempts > 1
        ? {
            ...base,
            tag: { text: 'Not delivered yet', classes: 'govuk-tag--yellow' },
            sentence: `We are trying again (attempt ${n.attempts}).`,
          }
        : { ...base, tag: { text: 'Pending', classes: 'govuk-tag--grey' }, sentence: 'Being sent now.' };
    default:
      return {
        ...base,
        tag: { text: 'Pending', classes: 'govuk-tag--grey' },
        sentence: 'Waiting to be sent.',
      };
  }
}

/** The agencies of a report grouped by country: United Kingdom first, then Singapore. */
export function statusByCountry(view: ReportView): { name: string; agencies: AgencyStatus[] }[] {
  const out: { name: string; agencies: AgencyStatus[] }[] = [];
  for (const country of ['GB', 'SG']) {
    const agencies = view.notifications.filter((n) => n.agency.country === country).map(agencyStatus);
    if (agencies.length > 0) out.push({ name: countryName(country), agencies });
  }
  return out;
}

/** "2 delivered, 1 pending" for a report in a list. */
export function statusSummary(view: ReportView): string {
  const counts = new Map<string, number>();
  for (const n of view.notifications) {
    const word = agencyStatus(n).tag.text.toLowerCase();
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const order = ['needs action', 'not delivered yet', 'pending', 'delivered'];
  return order
    .filter((w) => counts.has(w))
    .map((w) => `${counts.get(w)} ${w}`)
    .join(', ');
}
