import type { HostingEnvironment } from '../trust/index.ts';
import type { AttributeFacts } from './cedar-entities.ts';
import type { Recipient, ReleaseContext } from './types.ts';

/**
 * The {placeholders} a policy's @reason may use, filled in for one decision. Reasons are written for
 * the citizen (they appear on the consent page), so each value is words, not codes.
 */
export const REASON_PLACEHOLDERS = [
  'recipient',
  'environment',
  'environmentId',
  'attribute',
  'ukLabel',
  'ukMax',
  'sgLabel',
  'sgMax',
  'rank',
  'maxRank',
  'legalBasis',
] as const;
export type ReasonPlaceholder = (typeof REASON_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** Placeholders a template uses that the hub does not fill (a load-time error). */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(REASON_PLACEHOLDERS);
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((p) => !known.has(p));
}

const LEGAL_BASIS_WORDS: Record<string, string> = {
  consent: 'your consent',
  'uk-gdpr-art6-1e': 'a UK public task (UK GDPR Article 6(1)(e))',
  'sg-agency-authorisation': 'a Singapore agency authorisation',
  none: 'no legal basis',
};

export function fillReason(
  template: string,
  v: {
    recipient: Recipient;
    environment: HostingEnvironment;
    attribute: string;
    facts: AttributeFacts;
    context: ReleaseContext;
  },
): string {
  const values: Record<ReasonPlaceholder, string> = {
    recipient: v.recipient.name ?? v.recipient.id,
    environment: v.environment.name,
    environmentId: v.environment.id,
    attribute: v.attribute,
    ukLabel: v.facts.ukDescriptor ? `${v.facts.ukMarking} [${v.facts.ukDescriptor}]` : v.facts.ukMarking,
    ukMax: v.environment.uk.maxMarking === 'none' ? 'published information' : v.environment.uk.maxMarking,
    sgLabel: v.facts.sgClassification,
    sgMax: v.environment.sg.maxClassification,
    rank: String(v.facts.rank),
    maxRank: String(v.environment.maxRank),
    legalBasis: LEGAL_BASIS_WORDS[v.context.legalBasis] ?? v.context.legalBasis,
  };
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name as ReasonPlaceholder] : whole,
  );
}
