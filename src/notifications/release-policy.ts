import type { PolicyEngine } from '../policy/index.ts';
import type { ReleaseDecider } from './types.ts';

/**
 * The release policy as a Tell Us Once decider: every notification payload is decided before it is
 * written, so an agency whose hosting environment may not hold a field never receives it. Each field
 * is asked as `<event type>.<field>`; a report goes to agencies of both countries, so it is treated as
 * cross-border, on the citizen's explicit confirmation of who receives what (consent).
 */
export function policyReleaseDecider(policy: PolicyEngine): ReleaseDecider {
  return ({ agency, eventType, fields }) =>
    policy
      .decideRelease({
        recipient: {
          kind: 'agency',
          id: agency.agencyId,
          name: agency.name,
          country: agency.country,
          environment: agency.environment,
        },
        attributes: fields.map((f) => `${eventType}.${f}`),
        context: {
          purpose: `Tell Us Once: a ${eventType} reported by the citizen`,
          consentGiven: true,
          crossBorder: true,
          legalBasis: 'consent',
        },
      })
      .map((d) => ({
        field: d.attribute.slice(eventType.length + 1),
        allowed: d.decision === 'allow',
        policies: d.policies,
        reason: d.reason,
      }));
}
