import { decideConsentedRelease, type PolicyEngine } from '../policy/index.ts';
import type { FieldDecision, ReleaseDecider } from './types.ts';

/** What the decider is asked; `confirmed` when the report is written on the citizen's confirmation. */
export type ReleaseDeciderInput = Parameters<ReleaseDecider>[0];

/**
 * The release policy as a Tell Us Once decider: every notification payload is decided before it is
 * written, so an agency whose hosting environment may not hold a field never receives it. Each field
 * is asked as `<event type>.<field>` through policy/consented-release.ts (the same question as a
 * sign-in's); a report goes to agencies of both countries, so it is treated as cross-border.
 *
 * `consentGiven` is computed per field from the citizen's confirmation of this report to this agency:
 * - with `confirmed` (writing the report): a field they confirmed is decided with consent; any other
 *   is refused (`consent-basis-needs-consent`) — nothing goes that they did not confirm;
 * - without (the plan shown before they confirm): each field is decided without consent, and one
 *   refused only for that is shown as what the agency gets once they confirm.
 */
export function policyReleaseDecider(policy: PolicyEngine): ReleaseDecider {
  return (input: ReleaseDeciderInput): FieldDecision[] => {
    const { agency, eventType, fields, confirmed } = input;
    return decideConsentedRelease(policy, {
      recipient: {
        kind: 'agency',
        id: agency.agencyId,
        name: agency.name,
        country: agency.country,
        environment: agency.environment,
      },
      attributes: fields.map((f) => `${eventType}.${f}`),
      purpose: `Tell Us Once: a ${eventType} reported by the citizen`,
      crossBorder: true,
      agreed: (confirmed ?? []).map((f) => `${eventType}.${f}`),
      stage: confirmed ? 'release' : 'before-asking',
    }).map((d) => ({
      field: d.attribute.slice(eventType.length + 1),
      allowed: d.decision === 'allow',
      policies: d.policies,
      reason: d.reason,
    }));
  };
}
