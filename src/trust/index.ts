/**
 * The trust framework: schemes, assurance tiers and their mappings, the common claim set with its
 * classifications. Pure; reads only its own file at start. See README.md and docs/trust-framework.md.
 */
export type * from './assertions.ts';
export {
  attributeCatalogue,
  type CatalogueEntry,
  hubLevelOf,
  hubLevels,
  isSchemeId,
  schemeOf,
} from './catalogue.ts';
export type {
  AddressClaim,
  ClaimSource,
  ClaimValue,
  CommonClaims,
  MappedClaims,
  VerifiedClaims,
} from './claim-types.ts';
export {
  deriveRank,
  impliedRanks,
  SG_CLASSIFICATION_LEVEL,
  SG_SENSITIVITY_RANK,
  UK_MARKING_LEVEL,
} from './classification-rank.ts';
export { classifiedFieldNames } from './classified-fields.ts';
export { type AchievedTiers, type AssuranceEvaluation, evaluateAssertion } from './evaluate-assertion.ts';
export {
  type EnvironmentRegistry,
  environmentOf,
  type HostingEnvironment,
  type Jurisdiction,
  loadEnvironments,
  parseEnvironments,
} from './load-environments.ts';
export { loadTrustFramework, parseTrustFramework } from './load-trust-framework.ts';
export { mapClaims } from './map-claims.ts';
export type {
  ClaimDefinition,
  ClaimMapping,
  Classification,
  EventFieldDefinition,
  EventTypeDefinition,
  HubLevel,
  OneLoginScheme,
  SchemeDefinition,
  SingpassScheme,
  TrustFramework,
  VocabularyEntry,
} from './schema.ts';
export { compareTier, meetsTier, minTier, TIERS } from './tiers.ts';
export { translateRequest } from './translate-request.ts';
