import { z } from 'zod';
import { FACT_TYPES, type FactType, isIsoDate } from '../rules/index.ts';

/**
 * The shapes of the catalogue's files (see README.md, "Catalogue format"): the one source of truth
 * for their types. Objects are strict, so a misspelt key is an error, not a silently ignored field.
 * Rules across fields and files (references, order of series, expressions) live in
 * validate-catalogue.ts.
 */

const text = z.string().trim().min(1, 'must not be empty');
/** Ids are read in CEL as `facts.<id>`, so facts need identifiers; other ids follow the same rule. */
const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'must be lower case letters, digits and _ (a CEL identifier)');
const slug = z.string().regex(/^[a-z][a-z0-9_.-]*$/, 'must be lower case letters, digits, ., - and _');
const parameterId = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/,
    'must be dotted lower-case segments such as uk.child_benefit.rate',
  );
const https = z.url({ protocol: /^https$/, error: 'must be an https URL' });
const isoDate = z
  .string({ error: 'must be a date written YYYY-MM-DD' })
  .refine(isIsoDate, 'must be a real date written YYYY-MM-DD');
const country = z.enum(['GB', 'SG'], {
  error: (i) => `unknown country ${JSON.stringify(i.input)} (expected GB or SG)`,
});
const claimName = z.string().regex(/^[a-z][a-z0-9_:.-]*$/, 'must be a common claim name such as birthdate');
const expression = z.string().trim().min(1, 'must not be empty');

/**
 * `catalogue.yaml`: the catalogue's version (date of the change, then a counter for that day), raised
 * with every change to any file of the catalogue; journeys record it, pages and the API show it.
 */
export const CATALOGUE_FILE = 'catalogue.yaml';
export const CATALOGUE_VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}\.\d+$/;
export const catalogueFileSchema = z.strictObject({
  version: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'is required: the catalogue\'s version, written like "2026-11-27.1"'
          : 'must be a string in quotes, such as "2026-11-27.1"',
    })
    .max(64, 'must be at most 64 characters')
    .regex(
      CATALOGUE_VERSION_PATTERN,
      'must look like "2026-11-27.1" (the date of the change, then a counter for that day)',
    )
    .refine((v) => isIsoDate(v.slice(0, 10)), 'must start with a real date written YYYY-MM-DD'),
  description: text.optional(),
});

export const agencySchema = z.strictObject({ id: slug, country, name: text, website: https });
export const agenciesFileSchema = z.array(agencySchema);

const factType = z.enum(FACT_TYPES as [FactType, ...FactType[]], {
  error: (i) => `unknown fact type ${JSON.stringify(i.input)} (expected one of ${FACT_TYPES.join(', ')})`,
});
export const factSchema = z.strictObject({
  type: factType,
  question: text,
  hint: text.optional(),
  options: z
    .array(
      z.strictObject({
        value: z.string().regex(/^[a-z0-9_-]+$/, 'must be lower case letters, digits, - and _'),
        text,
      }),
    )
    .min(1)
    .optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  notFuture: z.literal(true).optional(),
  verifiedFrom: claimName.optional(),
});
export const factsFileSchema = z.record(identifier, factSchema);

const seriesEntry = z.strictObject({
  from: isoDate,
  value: z.union([z.number(), z.string(), z.boolean()], {
    error: 'must be a number, a string or true/false',
  }),
  reference: https,
  note: text.optional(),
});
export const parameterSchema = z.strictObject({
  description: text,
  unit: text,
  values: z.array(seriesEntry).min(1, 'needs at least one value'),
  expected: z.array(seriesEntry).optional(),
});
export const parametersFileSchema = z.record(parameterId, parameterSchema);

export const eventSchema = z.strictObject({
  id: slug,
  name: text,
  description: text,
  // `notFuture`: the event cannot lie ahead (a death); an answer after today is refused.
  eventDate: z.strictObject({ question: text, notFuture: z.literal(true).optional() }),
  countries: z.array(country).min(1),
  services: z.array(slug).min(1),
});

export const serviceSchema = z.strictObject({
  id: slug,
  agency: slug,
  country,
  name: text,
  description: text,
  howToApply: text,
  url: https,
  sources: z.array(https).min(1, 'needs at least one official source'),
  facts: z.array(identifier),
  eligibility: expression,
  deadline: z.strictObject({ expression, description: text }).optional(),
  amount: z
    .strictObject({
      expression,
      currency: z.enum(['GBP', 'SGD']),
      period: z.enum(['once', 'week', 'month', 'year']),
      description: text,
    })
    .optional(),
  reusesVerified: z.array(claimName).optional(),
});

const expectation = z.strictObject({
  eligible: z.union([z.boolean(), z.literal('unknown')], { error: 'must be true, false or unknown' }),
  amount: z.number().optional(),
  deadline: isoDate.optional(),
  missing: z.array(identifier).optional(),
  /** The service is outside the catalogue's rules on the event date, which hold from this date. */
  rulesFrom: isoDate.optional(),
});
export const caseSchema = z.strictObject({
  name: text,
  source: https,
  event: slug,
  eventDate: isoDate,
  facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  expect: z.record(z.string(), expectation),
});
export const casesFileSchema = z.array(caseSchema);

export type CatalogueFile = z.infer<typeof catalogueFileSchema>;
export type Agency = z.infer<typeof agencySchema>;
export type FactDefinition = z.infer<typeof factSchema>;
export type SeriesEntry = z.infer<typeof seriesEntry>;
export type ParameterDefinition = z.infer<typeof parameterSchema>;
export type EventDefinition = z.infer<typeof eventSchema>;
export type ServiceDefinition = z.infer<typeof serviceSchema>;
export type CaseDefinition = z.infer<typeof caseSchema>;
export type CaseExpectation = z.infer<typeof expectation>;
