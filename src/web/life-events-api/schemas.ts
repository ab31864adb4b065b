import type { Catalogue } from '../../life-events/index.ts';

/**
 * The JSON Schemas of the life-events API: the one source of truth for what the routes accept and
 * answer. Fastify validates requests and serialises responses with them, and the OpenAPI document
 * (openapi.ts) is generated from them; shared schemas are named (`NAMED_SCHEMAS`) so the document
 * refers to them once under `components/schemas`.
 *
 * Written for Fastify's default Ajv (`coerceTypes: 'array'`, `removeAdditional: true`): answers are
 * left untyped here (a "2" would otherwise be coerced to 2 silently) and checked against the
 * catalogue's facts in the handler; unknown top-level fields are rejected with `propertyNames`
 * (`additionalProperties: false` would drop them silently).
 */

export type JsonSchema = { readonly [key: string]: unknown };

/** Largest request body these routes accept: a journey is a few dozen short answers. */
export const API_BODY_LIMIT = 64 * 1024;

const isoDate = {
  type: 'string',
  format: 'date',
  description: 'A calendar date written YYYY-MM-DD.',
  examples: ['2025-03-01'],
} as const;

const scalar = { type: ['string', 'number', 'boolean'] } as const;

const catalogueVersion = {
  type: 'string',
  description:
    'The version of the rules catalogue that gave this answer (`catalogue/catalogue.yaml`): the date of its last change, then a counter for that day.',
  examples: ['2026-11-27.1'],
} as const;

export const problemSchema = {
  type: 'object',
  description: 'An RFC 9457 problem: what was wrong with the request, naming the field.',
  properties: {
    type: { type: 'string', examples: ['urn:govbridge:problem:bad_request'] },
    title: { type: 'string', examples: ['Bad Request'] },
    status: { type: 'integer', examples: [400] },
    detail: {
      type: 'string',
      examples: ['Some answers are not valid: child_birth_order must be a number'],
    },
    code: { type: 'string', description: 'Stable machine-readable reason.', examples: ['bad_request'] },
  },
  required: ['type', 'title', 'status', 'detail', 'code'],
} as const;

const agencySummary = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' } },
  required: ['id', 'name'],
} as const;

const country = { type: 'string', enum: ['GB', 'SG'] } as const;

export const serviceSummarySchema = {
  type: 'object',
  properties: {
    id: { type: 'string', examples: ['sg.baby_bonus_cash_gift'] },
    name: { type: 'string' },
    agency: agencySummary,
    country,
  },
  required: ['id', 'name', 'agency', 'country'],
} as const;

export const eventSummarySchema = {
  type: 'object',
  properties: {
    id: { type: 'string', examples: ['having_a_baby'] },
    name: { type: 'string' },
    description: { type: 'string' },
    countries: { type: 'array', items: country },
    services: { type: 'array', items: serviceSummarySchema, description: 'In journey order.' },
  },
  required: ['id', 'name', 'description', 'countries', 'services'],
} as const;

export const eventListSchema = {
  type: 'object',
  properties: { catalogueVersion, events: { type: 'array', items: eventSummarySchema } },
  required: ['catalogueVersion', 'events'],
} as const;

const factFields = {
  factId: { type: 'string', examples: ['child_birth_order'] },
  type: { type: 'string', enum: ['date', 'boolean', 'integer', 'money', 'enum', 'string'] },
  question: { type: 'string' },
  hint: { type: 'string' },
  options: {
    type: 'array',
    description: 'The accepted values of an `enum` fact.',
    items: {
      type: 'object',
      properties: { value: { type: 'string' }, text: { type: 'string' } },
      required: ['value', 'text'],
    },
  },
  min: { type: 'number', description: 'Smallest accepted answer (integer and money facts).' },
  max: { type: 'number', description: 'Largest accepted answer (integer and money facts).' },
  notFuture: { type: 'boolean', description: 'A date fact that must not be after today.' },
  verifiedFrom: {
    type: 'string',
    description: 'The common claim from sign-in that can answer it, when the citizen shares it.',
  },
} as const;

export const factSchema = {
  type: 'object',
  description: 'A question a journey may ask: a fact of the catalogue, its type and constraints.',
  properties: {
    ...factFields,
    usedBy: {
      type: 'array',
      items: { type: 'string' },
      description: "The event's services whose rules read it, in journey order.",
    },
  },
  required: ['factId', 'type', 'question', 'usedBy'],
} as const;

export const serviceDetailSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    agency: {
      type: 'object',
      properties: { id: { type: 'string' }, name: { type: 'string' }, website: { type: 'string' } },
      required: ['id', 'name', 'website'],
    },
    country,
    description: { type: 'string', description: 'What it does, who qualifies, what you get.' },
    howToApply: { type: 'string' },
    url: { type: 'string', description: 'The official page.' },
    sources: {
      type: 'array',
      items: { type: 'string' },
      description: 'Official pages the rules and figures come from.',
    },
  },
  required: ['id', 'name', 'agency', 'country', 'description', 'howToApply', 'url', 'sources'],
} as const;

export const eventDetailSchema = {
  type: 'object',
  properties: {
    catalogueVersion,
    id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    eventDate: {
      type: 'object',
      properties: {
        question: { type: 'string' },
        notFuture: { type: 'boolean', description: 'The event date must not be after today.' },
      },
      required: ['question', 'notFuture'],
    },
    countries: { type: 'array', items: country },
    services: { type: 'array', items: serviceDetailSchema, description: 'In journey order.' },
    questions: { type: 'array', items: factSchema, description: 'Every fact the services may read.' },
  },
  required: [
    'catalogueVersion',
    'id',
    'name',
    'description',
    'eventDate',
    'countries',
    'services',
    'questions',
  ],
} as const;

export const outcomeSchema = {
  type: 'object',
  description: 'A result: known (with its value) or unknown (with the facts it still needs).',
  properties: {
    status: { type: 'string', enum: ['known', 'unknown'] },
    value: scalar,
    missing: { type: 'array', items: { type: 'string' } },
  },
  required: ['status'],
} as const;

export const traceSchema = {
  type: 'object',
  description:
    'What one rule did (in the spirit of OpenFisca /trace): the expression, every fact it read, every parameter with the value in force on the event date, and the result.',
  properties: {
    expression: { type: 'string', description: 'The CEL expression from the catalogue.' },
    facts: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          known: { type: 'boolean' },
          value: { ...scalar, description: 'Absent when the fact is not known.' },
        },
        required: ['id', 'known'],
      },
    },
    parameters: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', examples: ['uk.child_benefit.weekly_rate.eldest'] },
          value: scalar,
          from: { ...isoDate, description: 'The date this value came into force.' },
          reference: { type: 'string', description: 'The official source of the value.' },
          note: { type: 'string' },
          expected: { type: 'boolean', description: 'An announced value (not yet law when written).' },
        },
        required: ['id', 'value', 'from', 'reference'],
      },
    },
    result: outcomeSchema,
  },
  required: ['expression', 'facts', 'parameters', 'result'],
} as const;

const datedSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['known', 'unknown'] },
    date: isoDate,
    missing: { type: 'array', items: { type: 'string' } },
    description: { type: 'string' },
  },
  required: ['status', 'description'],
} as const;

const amountSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['known', 'unknown'] },
    value: { type: 'number' },
    missing: { type: 'array', items: { type: 'string' } },
    currency: { type: 'string', enum: ['GBP', 'SGD'] },
    period: { type: 'string', enum: ['once', 'week', 'month', 'year'] },
    description: { type: 'string' },
  },
  required: ['status', 'currency', 'period', 'description'],
} as const;

export const serviceDecisionSchema = {
  type: 'object',
  properties: {
    serviceId: { type: 'string' },
    name: { type: 'string' },
    agency: agencySummary,
    country,
    url: { type: 'string' },
    howToApply: { type: 'string' },
    eligibility: {
      type: 'string',
      enum: ['eligible', 'not_eligible', 'may_be_eligible', 'outside_rules'],
      description:
        '`outside_rules`: the catalogue holds this service’s rules only from `rulesFrom`, after the event’s date; whether it applies is not known (no deadline, no amount). The other services are still worked out.',
    },
    rulesFrom: {
      type: 'string',
      format: 'date',
      description:
        'Only with `outside_rules`: the first date from which the catalogue holds this service’s rules.',
    },
    missing: {
      type: 'array',
      items: { type: 'string' },
      description: 'Facts still needed: for eligibility, then the deadline, then the amount.',
    },
    deadline: { ...datedSchema, description: 'Absent when not eligible or the service has no deadline.' },
    amount: { ...amountSchema, description: 'Absent when not eligible or the service pays nothing.' },
    explanation: {
      type: 'array',
      items: { type: 'string' },
      description: 'The decision in plain words a citizen can read.',
    },
    trace: {
      type: 'object',
      description:
        'Only with `?trace=true`: one trace per rule that ran to the end (empty when the service is `outside_rules`).',
      properties: { eligibility: traceSchema, deadline: traceSchema, amount: traceSchema },
    },
  },
  required: [
    'serviceId',
    'name',
    'agency',
    'country',
    'url',
    'howToApply',
    'eligibility',
    'missing',
    'explanation',
  ],
} as const;

export const questionSchema = {
  type: 'object',
  description: 'A fact still needed, asked once however many services need it.',
  properties: {
    ...factFields,
    neededBy: { type: 'array', items: { type: 'string' }, description: 'Services that need the answer.' },
  },
  required: ['factId', 'type', 'question', 'neededBy'],
} as const;

export const conflictSchema = {
  type: 'object',
  description: 'An answer that contradicts verified data: the verified value is used.',
  properties: {
    fact: { type: 'string' },
    answered: scalar,
    verified: scalar,
    message: { type: 'string', description: 'The same in plain words.' },
  },
  required: ['fact', 'answered', 'verified', 'message'],
} as const;

export const journeySchema = {
  type: 'object',
  properties: {
    catalogueVersion,
    eventId: { type: 'string' },
    eventName: { type: 'string' },
    eventDate: isoDate,
    services: { type: 'array', items: serviceDecisionSchema, description: 'In journey order.' },
    questions: { type: 'array', items: questionSchema, description: 'Facts still needed, in journey order.' },
    facts: {
      type: 'object',
      description: 'Every fact used, with where it came from.',
      additionalProperties: {
        type: 'object',
        properties: { value: scalar, source: { type: 'string', enum: ['answered', 'verified'] } },
        required: ['value', 'source'],
      },
    },
    conflicts: { type: 'array', items: conflictSchema },
  },
  required: [
    'catalogueVersion',
    'eventId',
    'eventName',
    'eventDate',
    'services',
    'questions',
    'facts',
    'conflicts',
  ],
} as const;

/** A success response in Fastify's content-type form, which is also OpenAPI's. */
export function jsonResponse(description: string, schema: JsonSchema): JsonSchema {
  return { description, content: { 'application/json': { schema } } };
}

/** Error responses, as problem+json (the web layer's one error mapping writes them). */
export function problemResponses(...statuses: number[]): Record<string, JsonSchema> {
  const descriptions: Record<number, string> = {
    400: 'The request is not valid; `detail` names the field and why.',
    404: 'There is no such life event.',
    413: 'The request body is too large.',
    415: 'The request body is not JSON.',
  };
  const out: Record<string, JsonSchema> = {};
  for (const status of statuses) {
    out[String(status)] = {
      description: descriptions[status] ?? 'Problem',
      content: { 'application/problem+json': { schema: problemSchema } },
    };
  }
  return out;
}

export const eventIdParams = {
  type: 'object',
  properties: {
    eventId: {
      type: 'string',
      maxLength: 100,
      description: 'A life event id from GET /api/life-events.',
      examples: ['having_a_baby'],
    },
  },
  required: ['eventId'],
} as const;

export const traceQuery = {
  type: 'object',
  properties: {
    trace: {
      type: 'boolean',
      default: false,
      description: "Include each decision's structured trace.",
    },
  },
} as const;

/** Body fields, in the order the API documents them. */
export const JOURNEY_FIELDS = ['eventDate', 'facts', 'verified'] as const;

/**
 * The journey request body. Fact ids are listed (`propertyNames`) and counted (`maxProperties`) from
 * the catalogue; the answers' types are the catalogue's (GET /api/life-events/{eventId} `questions`).
 */
export function journeyBodySchema(catalogue: Catalogue): JsonSchema {
  const factIds = [...catalogue.facts.keys()].sort();
  const answers = (description: string) => ({
    type: 'object',
    description,
    maxProperties: factIds.length,
    // Ajv refuses an empty enum; a catalogue without facts accepts no fact names at all.
    propertyNames: factIds.length > 0 ? { enum: factIds } : false,
    additionalProperties: {
      description:
        'The answer, as the fact type says: YYYY-MM-DD for dates, true/false, a number for integers and money (GBP or SGD, not negative), an option value for enums, text for strings. null means not known.',
    },
  });
  return {
    type: 'object',
    propertyNames: { enum: [...JOURNEY_FIELDS] },
    properties: {
      eventDate: {
        ...isoDate,
        description:
          "The event's date (e.g. the baby's date of birth, the date of death), from 1900-01-01 to ten years after today; every date fact has the same range. Outside it: 400, naming the field and the range.",
      },
      facts: answers("The citizen's answers, by fact id."),
      verified: answers(
        'Verified data by fact id. It wins over an answer that contradicts it, and the response lists the conflict. For now the calling agency service supplies it; a later version takes it from the citizen’s consented sign-in.',
      ),
    },
    required: ['eventDate', 'facts'],
    examples: [
      {
        eventDate: '2025-03-01',
        facts: {
          birth_place: 'singapore',
          child_is_singapore_citizen: true,
          parents_married: true,
          child_birth_order: 2,
        },
      },
    ],
  };
}

/** Shared schemas, named once in the OpenAPI document's `components/schemas`. */
export const NAMED_SCHEMAS: ReadonlyMap<object, string> = new Map<object, string>([
  [problemSchema, 'Problem'],
  [eventListSchema, 'LifeEventList'],
  [eventSummarySchema, 'LifeEventSummary'],
  [serviceSummarySchema, 'ServiceSummary'],
  [eventDetailSchema, 'LifeEvent'],
  [serviceDetailSchema, 'Service'],
  [factSchema, 'Fact'],
  [journeySchema, 'Journey'],
  [serviceDecisionSchema, 'ServiceDecision'],
  [questionSchema, 'Question'],
  [conflictSchema, 'Conflict'],
  [traceSchema, 'Trace'],
  [outcomeSchema, 'Outcome'],
]);
