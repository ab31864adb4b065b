/**
 * The release policy: classification × hosting environment × purpose and legal basis, as Cedar
 * policies (`policies/`), decided per attribute with the deciding policy ids and a reason for the
 * citizen. Imports only kernel and trust. See README.md and docs/policy.md.
 */

export {
  CONSENT_POLICY_ID,
  type ConsentedDecision,
  type ConsentedReleaseQuestion,
  decideConsentedRelease,
} from './consented-release.ts';
export { type LoadPolicyEngineOptions, loadPolicyEngine, SCHEMA_FILE } from './load-policy-engine.ts';
export { PolicyEngine } from './policy-engine.ts';
export { REASON_PLACEHOLDERS } from './reasons.ts';
export {
  type AttributeDecision,
  EVALUATION_ERROR,
  LEGAL_BASES,
  type LegalBasis,
  NO_PERMITTING_POLICY,
  type PolicyInfo,
  type Recipient,
  type ReleaseContext,
  type ReleaseRequest,
} from './types.ts';
