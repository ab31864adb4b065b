import type { LedgerEntry } from '../../ledger/index.ts';
import { countryName } from '../reports/countries.ts';
import { fieldLabel } from '../reports/report-forms.ts';
import { claimLabel } from '../sign-in/display.ts';

/**
 * How one transparency-ledger entry is shown to the citizen it is about: who received what, when,
 * what was withheld and by which policy. Pure: the caller looks the recipient up.
 */

/** A recipient as the page names it. Unknown (deleted) recipients are shown by their id. */
export interface RecipientNames {
  /** The service's name, or the agency's. */
  readonly name: string;
  /** Who runs a service ('' for an agency: its name says it). */
  readonly runBy: string;
}

export interface ReleaseRow {
  readonly index: number;
  readonly heading: string;
  readonly kind: 'service' | 'agency';
  readonly runBy: string;
  readonly country: string;
  /** RFC 3339 UTC, as in the log. */
  readonly iso: string;
  readonly ukTime: string;
  readonly sgTime: string;
  readonly released: string;
  readonly withheld: readonly { readonly attribute: string; readonly policy: string }[];
  readonly reference: { readonly label: string; readonly value: string; readonly href?: string } | undefined;
  readonly receiptHref: string;
}

/** Tell Us Once event types, as the name of a report: "moving-abroad" → "move abroad". */
const EVENT_TYPE_NAMES: Readonly<Record<string, string>> = {
  'moving-abroad': 'move abroad',
  death: 'death',
  birth: 'birth',
};

const timeIn = (timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone });
const UK_TIME = timeIn('Europe/London');
const SG_TIME = timeIn('Asia/Singapore');

/**
 * An attribute named in the log, in words: a claim by the trust framework's label ("birthdate" →
 * "Date of birth"); a Tell Us Once field, logged as `<event type>.<field>`, with its report
 * ("moving-abroad.name" → "Full name (move abroad report)").
 */
export function attributeLabel(
  attribute: string,
  kind: 'service' | 'agency',
  describe: (claim: string) => string | undefined = () => undefined,
): string {
  if (kind === 'agency') {
    const dot = attribute.indexOf('.');
    if (dot > 0) {
      const eventType = attribute.slice(0, dot);
      const report = EVENT_TYPE_NAMES[eventType] ?? eventType.replace(/-/g, ' ');
      return `${fieldLabel(attribute.slice(dot + 1))} (${report} report)`;
    }
  }
  return claimLabel(attribute, describe(attribute));
}

export function releaseRow(
  index: number,
  entry: LedgerEntry,
  recipient: RecipientNames | undefined,
  describe: (claim: string) => string | undefined = () => undefined,
): ReleaseRow {
  const kind = entry.recipient.kind;
  const label = (a: string) => attributeLabel(a, kind, describe);
  const at = new Date(entry.time);
  const reference =
    entry.consentId === null
      ? undefined
      : kind === 'agency'
        ? {
            label: 'Tell Us Once report',
            value: entry.consentId,
            href: `/life-events/reports/${encodeURIComponent(entry.consentId)}`,
          }
        : { label: 'Consent reference', value: entry.consentId };
  return {
    index,
    heading: recipient?.name ?? entry.recipient.id,
    kind,
    runBy: recipient?.runBy ?? '',
    country: countryName(entry.recipient.country),
    iso: entry.time,
    ukTime: UK_TIME.format(at),
    sgTime: SG_TIME.format(at),
    released: entry.released.length > 0 ? entry.released.map(label).join(', ') : 'Nothing',
    withheld: entry.withheld.map((w) => ({ attribute: label(w.attribute), policy: w.policy })),
    reference,
    receiptHref: `/account/releases/${index}/receipt`,
  };
}
