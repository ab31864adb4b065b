export { OperatorActions, type OperatorActionsOptions } from './actions.ts';
export {
  type Actor,
  type AuditRecord,
  AuditTrail,
  type AuditTrailOptions,
  type AuditVerification,
  type OperatorRole,
  type StoredAuditRecord,
} from './audit-trail.ts';
export {
  OperatorOidc,
  type OperatorOidcOptions,
  type PendingSignIn,
  type SignInOutcome,
} from './oidc-sign-in.ts';
export { REFUSAL_RETENTION_MS, RefusalLog, type RefusalRow, type RefusalSummary } from './refusals.ts';
export {
  OPERATOR_SESSION_MS,
  type OperatorIdentity,
  type OperatorSession,
  OperatorSessions,
  SIGN_IN_LINK_MS,
} from './sessions.ts';
