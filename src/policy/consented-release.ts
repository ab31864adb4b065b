import type { PolicyEngine } from './policy-engine.ts';
import type { AttributeDecision, Recipient } from './types.ts';

/**
 * The one place the release policy is asked about a release that rests on the citizen's consent —
 * a sign-in to a relying party (broker, decide-release step) and a Tell Us Once notification to an
 * agency (notifications, release-policy.ts) — so both build the same context: the recipient's stated
 * purpose, legal basis `consent`, whether the data crosses a border, and `consentGiven` COMPUTED per
 * attribute from what the citizen agreed to, never assumed.
 *
 * Rules it enforces:
 * - an attribute is decided with `consentGiven: true` only when it is among `agreed` (an unwithdrawn
 *   consent of the citizen for this recipient and purpose, or their confirmation of this report to
 *   this agency); every other attribute is decided with `consentGiven: false`;
 * - at `release` (the data goes now) an attribute not agreed to is refused by the policy
 *   (`consent-basis-needs-consent`, UK GDPR Art. 6(1)(a) and 7);
 * - `before-asking` (the decision is what the citizen is about to be asked: the consent page, "check
 *   before you send"): an attribute the consent rule refuses is decided again as it would be once
 *   they agree. Allowed then: it is marked `onAgreement`, and the caller releases it only after the
 *   citizen agrees (broker: check consent; Tell Us Once: the confirmation). Refused then: it is
 *   refused by the other rules, named as the reason — whatever the citizen answers, it does not go.
 */
export const CONSENT_POLICY_ID = 'consent-basis-needs-consent';

export interface ConsentedReleaseQuestion {
  readonly recipient: Recipient;
  /** Common claim names, or `<eventType>.<field>` for a life-event payload. */
  readonly attributes: readonly string[];
  /** The purpose stated to the citizen (the relying party's registered purpose, or the report's). */
  readonly purpose: string;
  /** The data leaves the country it comes from. */
  readonly crossBorder: boolean;
  /** The attributes the citizen has agreed to release to this recipient for this purpose. */
  readonly agreed: readonly string[];
  readonly stage: 'before-asking' | 'release';
}

export interface ConsentedDecision extends AttributeDecision {
  /** Allowed only once the citizen agrees (before-asking): not agreed to yet, and nothing else forbids it. */
  readonly onAgreement: boolean;
}

/** Per attribute, in the order asked. Throws what `decideRelease` throws (`environment_unknown` …). */
export function decideConsentedRelease(
  policy: PolicyEngine,
  q: ConsentedReleaseQuestion,
): ConsentedDecision[] {
  const agreed = new Set(q.agreed);
  const ask = (attributes: readonly string[], consentGiven: boolean) =>
    attributes.length === 0
      ? []
      : policy.decideRelease({
          recipient: q.recipient,
          attributes,
          context: { purpose: q.purpose, consentGiven, crossBorder: q.crossBorder, legalBasis: 'consent' },
        });
  const byAttribute = new Map<string, ConsentedDecision>();
  for (const d of ask(
    q.attributes.filter((a) => agreed.has(a)),
    true,
  ))
    byAttribute.set(d.attribute, { ...d, onAgreement: false });
  const refusedForConsent: string[] = [];
  for (const d of ask(
    q.attributes.filter((a) => !agreed.has(a)),
    false,
  )) {
    if (q.stage === 'before-asking' && d.decision === 'deny' && d.policies.includes(CONSENT_POLICY_ID)) {
      refusedForConsent.push(d.attribute);
    } else {
      byAttribute.set(d.attribute, { ...d, onAgreement: false });
    }
  }
  for (const d of ask(refusedForConsent, true)) {
    byAttribute.set(d.attribute, { ...d, onAgreement: d.decision === 'allow' });
  }
  return q.attributes.flatMap((a) => {
    const d = byAttribute.get(a);
    return d ? [d] : [];
  });
}
