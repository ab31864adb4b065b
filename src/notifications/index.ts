export { type AgencyRegistration, AgencyRegistry, type AgencyRegistryOptions } from './agency-registry.ts';
export { type BackoffPolicy, classifyResponse, parseRetryAfter, retryDelay } from './backoff.ts';
export {
  type DeliveryObserver,
  type DeliveryResult,
  DeliveryWorker,
  type DeliveryWorkerOptions,
  type WorkerLogger,
} from './delivery-worker.ts';
export {
  buildEnvelope,
  CONTENT_ENC,
  type Envelope,
  EnvelopeKeys,
  EVENT_TYPE_PREFIX,
  KEY_WRAP_ALG,
  SIGNATURE_TYP,
  SIGNING_ALG,
} from './envelope.ts';
export {
  type FailureRecord,
  NotificationOperator,
  type NotificationRecord,
  type QueueRow,
} from './operator.ts';
export { policyReleaseDecider } from './release-policy.ts';
export {
  appendUnledgeredNotifications,
  type NotificationStatus,
  notificationLedgerRecord,
  type RecipientPlan,
  type ReportInput,
  ReportService,
  type ReportServiceOptions,
  type ReportView,
} from './report-service.ts';
export type * from './types.ts';
export { checkReport, type FieldProblem } from './validate-report.ts';
