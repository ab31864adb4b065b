/**
 * Life events: the catalogue (agencies, facts, dated parameters, events, services, rule cases), its
 * loader, and personalised journeys with explanations, bulk evaluation and rule cases. See README.md.
 */
export { checkFactValue } from './check-fact-value.ts';
export {
  type BulkResult,
  type BulkServiceResult,
  type CitizenInput,
  evaluateBulk,
  evaluateMany,
  isSharedResult,
} from './evaluate-bulk.ts';
export {
  type Amount,
  type Dated,
  type Decision,
  evaluateJourney,
  type Journey,
  type JourneyOptions,
  prepareCitizenFacts,
  type Question,
  type ServiceDecision,
} from './evaluate-journey.ts';
export { describeParameter, type Eligibility } from './explain-decision.ts';
export { formatAmount, formatDate, formatFactValue, formatParameterValue } from './format-value.ts';
export {
  JourneyStore,
  type JourneyStoreOptions,
  removeVerifiedDetails,
  type SavedAnswer,
  type SavedJourney,
  type VerifiedDetails,
} from './journey-store.ts';
export { formatPath, loadCatalogue } from './load-catalogue.ts';
export { parameterOn, parametersOn } from './resolve-parameter.ts';
export { type CaseFailure, formatCaseFailure, runCases } from './run-cases.ts';
export type {
  Agency,
  CaseDefinition,
  CaseExpectation,
  EventDefinition,
  FactDefinition,
  ParameterDefinition,
  ServiceDefinition,
} from './schema.ts';
export type {
  Catalogue,
  Fact,
  LifeEvent,
  Parameter,
  Path,
  Problem,
  RuleCase,
  SeriesPoint,
  Service,
} from './types.ts';
export type { ValidateOptions } from './validate-catalogue.ts';
export {
  claimAsFact,
  LIFE_EVENTS_CLIENT_ID,
  LIFE_EVENTS_PURPOSE,
  recordVerifiedDetails,
  verifiableFacts,
  verifiedFactValues,
} from './verified-details.ts';
