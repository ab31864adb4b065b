import { z } from 'zod';
import type { Tier } from './assertions.ts';
import { TIERS } from './tiers.ts';

/**
 * The shape of `trust/trust-framework.yaml` (schema 1): the one source of truth for the
 * `TrustFramework` type. Objects are strict, so a misspelt key is an error, not a silent default.
 * Rules that need more than one field (ceilings, duplicates, references) live in
 * validate-trust-framework.ts.
 */

const tier = z.enum(TIERS as [Tier, ...Tier[]], {
  error: (issue) => `unknown tier ${JSON.stringify(issue.input)} (expected one of ${TIERS.join(', ')})`,
});

const text = z.string().trim().min(1, 'must not be empty');

const hubLevel = z.strictObject({
  acr: z
    .string()
    .regex(/^(urn:|https:\/\/)\S+$/, 'must be a URN or an https URL (OpenID Connect Core 1.0 §2 acr)'),
  identity: tier,
  authentication: tier,
  description: text,
  equivalents: z.strictObject({ eidas: text, nist: text, gpg45: text }),
});

const classification = z.strictObject({
  uk: z.strictObject({ marking: text, descriptor: text.optional() }),
  sg: z.strictObject({ classification: text, sensitivity: text }),
  rank: z.number().int().min(0).max(5),
});

const claim = z.strictObject({
  description: text,
  /** Whether the claim can be released inside `verified_claims` when the scheme verified it. */
  verifiable: z.boolean(),
  classification,
});

/** A field of a notification event's payload (Tell Us Once), with its classification. */
const eventField = z.strictObject({
  description: text,
  /** `string` | `date` (YYYY-MM-DD) | `country` (ISO 3166-1 alpha-2) | `countries` | `address` | `email`. */
  type: z.enum(['string', 'date', 'country', 'countries', 'address', 'email']),
  /** A report of this event cannot be sent without it. */
  required: z.boolean().optional(),
  /** A date that cannot be after the day it is reported (a death, a birth). */
  notFuture: z.boolean().optional(),
  classification,
});

const eventType = z.strictObject({
  description: text,
  fields: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'field names are snake_case'), eventField),
});

const vocabularyEntry = z.strictObject({
  identity: tier,
  authentication: tier,
  /** False: the hub reads this value when it comes but never asks for it. */
  requestable: z.boolean(),
  /** RFC 8176 `amr` values the hub reports for this value when the assertion says no more. */
  amr: z.array(text),
  /** OpenID Connect for Identity Assurance `assurance_level` within the scheme's trust framework. */
  idaAssuranceLevel: text.optional(),
  description: text,
});

/** Path in the verified assertion: `person.regadd`, `coreIdentity.birthDate[0].value`, `passport[*].x`. */
const sourcePath = z
  .string()
  .regex(
    /^[A-Za-z_][\w-]*(\[(\d+|\*)\])*(\.[A-Za-z_][\w-]*(\[(\d+|\*)\])*)*$/,
    'must be a dotted path such as person.name.value or passport[*].icaoIssuerCode',
  );
/**
 * `always`: verified whenever the login proved an identity; `myinfo-source`: verified when the Myinfo
 * attribute's `source` is "1" (government-verified); `never`: never inside `verified_claims`.
 */
const verifiedRule = z.enum(['always', 'myinfo-source', 'never']);

/**
 * A second source, read only when the first gives nothing (missing, or Myinfo marks it unavailable).
 * It is asked for by the mapping's own `scopes`; it has its own transform and `verified` rule.
 */
const claimFallback = z.strictObject({
  source: sourcePath,
  transform: text.optional(),
  table: text.optional(),
  verified: verifiedRule,
});

const claimMapping = z.strictObject({
  source: sourcePath,
  transform: text.optional(),
  table: text.optional(),
  scopes: z.array(text).min(1, 'must name at least one scope (openid at least)'),
  userinfoClaims: z.array(text).optional(),
  verified: verifiedRule,
  fallback: claimFallback.optional(),
});

const judgement = z.strictObject({
  official: z.boolean(),
  reasoning: text,
  sources: z.array(z.url({ message: 'must be a URL' })).min(1),
});

const schemeCommon = {
  displayName: text,
  idaTrustFramework: z.string().regex(/^[a-z0-9_]+$/, 'must be a lower-case identifier such as uk_tfida'),
  idaVerificationProcess: text,
  scopes: z.array(text).min(1),
  tables: z.record(z.string(), z.record(z.string(), text)).default({}),
  claims: z.record(z.string(), claimMapping),
};

const singpass = z.strictObject({
  ...schemeCommon,
  country: z.literal('SG', { error: 'Singpass is the Singapore scheme: country must be SG' }),
  assurance: z.strictObject({
    judgement: judgement.optional(),
    acr: z.record(z.string(), vocabularyEntry),
    accountTypes: z.strictObject({
      standard: z.strictObject({ identity: tier }),
      foreign: z.strictObject({ identity: tier }),
      unknown: z.strictObject({ identity: tier }),
    }),
    amr: z.record(
      z.string(),
      z.strictObject({
        rfc8176: text.optional(),
        factor: z.enum(['knowledge', 'possession', 'inherence', 'session']),
      }),
    ),
  }),
});

const onelogin = z.strictObject({
  ...schemeCommon,
  country: z.literal('GB', { error: 'GOV.UK One Login is the United Kingdom scheme: country must be GB' }),
  assurance: z.strictObject({
    judgement: judgement.optional(),
    vtr: z.record(z.string(), vocabularyEntry),
  }),
  userinfoClaims: z.record(
    z.string(),
    z.strictObject({
      identityOnly: z.boolean(),
      /** Asked for with every identity vector, whatever attributes were requested. */
      alwaysWithIdentity: z.boolean().optional(),
    }),
  ),
});

export const trustFrameworkSchema = z.strictObject({
  schema: z.literal(1, { error: 'unsupported schema: this hub reads schema 1' }),
  version: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}\.\d+$/, 'must look like "2026-11-27.1" (date of review, then a counter)'),
  tiers: z.array(z.string()),
  hubLevels: z.array(hubLevel).min(1, 'must declare at least one level'),
  classification: z.strictObject({
    uk: z.strictObject({ markings: z.array(text).min(1), descriptors: z.array(text) }),
    sg: z.strictObject({ classifications: z.array(text).min(1), sensitivities: z.array(text).min(1) }),
  }),
  claims: z.record(z.string(), claim),
  /** Event types agencies are told about (Tell Us Once), each field classified like a claim. */
  events: z
    .record(z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'event types are lower-case, hyphenated'), eventType)
    .optional(),
  schemes: z.strictObject({ singpass, onelogin }),
});

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

type Parsed = z.output<typeof trustFrameworkSchema>;

export type HubLevel = DeepReadonly<Parsed['hubLevels'][number]>;
export type ClaimDefinition = DeepReadonly<Parsed['claims'][string]>;
export type Classification = ClaimDefinition['classification'];
export type EventTypeDefinition = DeepReadonly<z.output<typeof eventType>>;
export type EventFieldDefinition = DeepReadonly<z.output<typeof eventField>>;
export type ClaimMapping = DeepReadonly<z.output<typeof claimMapping>>;
export type ClaimFallback = DeepReadonly<z.output<typeof claimFallback>>;
export type VocabularyEntry = DeepReadonly<z.output<typeof vocabularyEntry>>;
export type SingpassScheme = DeepReadonly<Parsed['schemes']['singpass']>;
export type OneLoginScheme = DeepReadonly<Parsed['schemes']['onelogin']>;
export type SchemeDefinition = SingpassScheme | OneLoginScheme;

/** The validated, frozen trust framework. */
export type TrustFramework = DeepReadonly<Parsed> & {
  /** Where it was read from (a file path, or the name given to `parseTrustFramework`). */
  readonly sourceName: string;
  /** Allowed but worth a reviewer's attention, e.g. a hub level no scheme can reach. */
  readonly warnings: readonly string[];
};
